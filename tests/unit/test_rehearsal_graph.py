"""The rehearsal graph with a scripted model: turns, streaming, failures kept, undo, hint,
debrief, and resuming a session from its SQLite checkpoint after a restart."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import assessment_data, example_json
from fakes import ScriptedProvider
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from negoprep.agents.base import AgentDeps
from negoprep.agents.coach import CRITERIA, criterion_key
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.graphs.rehearsal import compile_rehearsal
from negoprep.graphs.rehearsal_state import RehearsalContext, Setup, build_setup
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.reading.ingest import load_case

CASE_DIR = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"


@pytest.fixture(scope="module")
def setup() -> Setup:
    case = load_case(CASE_DIR)
    profile = CounterpartProfile.model_validate_json(example_json(CounterpartProfile, case))
    return build_setup(
        session="s1",
        language="English",
        case_brief=case.brief_prompt(),
        our_side="Norvane Grid AS",
        counterpart=profile,
        profile=None,
        one_page_brief=None,
        challenge=None,
    )


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def assessment(*kinds: str, quote: str = "", **extra: Any) -> str:
    return json.dumps(assessment_data(*kinds, quote=quote, **extra))


def debrief_json(turn: int = 1, quote: str = "agenda", threats: list[Any] | None = None) -> str:
    line = {"score": 3, "reason": "Solid but slow.", "evidence": [{"turn": turn, "quote": quote}]}
    return json.dumps(
        {
            "summary": "A fair first try.",
            "where_it_ended": "An expert in principle; money open.",
            "scorecard": {criterion_key(c): line for c in CRITERIA},
            "threats": threats or [],
            "moments": [{"turn": 1, "what_happened": "Agenda agreed.", "why_it_mattered": "Calm."}],
            "do_differently": [{"instead_of": "a", "do": "b", "say_it_like_this": "c"}] * 3,
            "kb_refs": ["warnings-not-threats"],
        }
    )


HINT = json.dumps(
    {
        "reading": "They are defensive.",
        "move": "warnings, tactical consent and inertia",
        "suggestion": "Repair the threat with a warning.",
        "say_it_like_this": "My worry is that we both lose control of the timetable.",
        "why": "Threats harden them.",
        "avoid": "Repeating the bond.",
        "kb_refs": ["warnings-not-threats"],
    }
)


def classify(text: str) -> str:
    """A scripted assessor: the user's words decide the kind of move."""
    if "bond" in text:
        return assessment("threat", quote="call the bond")
    if "worry" in text:
        return assessment("warning", quote="my worry")
    if "need" in text:
        return assessment("question about their needs", probes_hidden_interests=[1])
    return assessment("process proposal", "relationship", process_step="an agenda")


class Script:
    """Answers by call label; `fail` makes chosen calls raise like a provider outage."""

    def __init__(self) -> None:
        self.fail: set[str] = set()
        self.debrief = debrief_json()

    def __call__(self, agent: str, call: str, messages: list[BaseMessage]) -> str:
        if call in self.fail:
            raise ConnectionError(f"provider down for {call}")
        if call.endswith(".assess"):
            user = str(messages[-1].content)
            return classify(user.split("## The user's latest turn (classify this one)")[-1])
        if call.endswith(".reply"):
            return f"Reply to {call}: we hold our position."
        if call.startswith("coach.hint"):
            return cite_given(HINT, messages)
        if call.startswith("coach.debrief"):
            return cite_given(self.debrief, messages)
        raise AssertionError(f"unexpected call {call}")


def cite_given(reply: str, messages: list[BaseMessage]) -> str:
    """The reply with its kb_refs set to the first knowledge entry the prompt gave (the schema
    makes them an enum of the entries given, as a model under strict output would obey)."""
    given = re.findall(r"^### \[([^\]]+)\]", "\n".join(str(m.content) for m in messages), re.M)
    data = json.loads(reply)
    data["kb_refs"] = given[:1]
    return json.dumps(data)


class Rig:
    def __init__(self, setup: Setup, kb: KnowledgeBase, saver: BaseCheckpointSaver[Any]) -> None:
        self.script = Script()
        self.provider = ScriptedProvider(self.script)
        deps = AgentDeps(models=self.provider, prompts=PromptLibrary.load(), knowledge=kb)
        self.context = RehearsalContext()
        self.graph = compile_rehearsal(saver, lambda context: deps)
        self.config: Any = {"configurable": {"thread_id": "s1"}}
        self.setup = setup

    async def run(self, payload: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        events: list[dict[str, Any]] = []
        async for mode, chunk in self.graph.astream(
            payload, self.config, context=self.context, stream_mode=["custom", "values"]
        ):
            if mode == "custom":
                events.append(chunk)
        values = dict((await self.graph.aget_state(self.config)).values)
        return events, values

    async def start(self) -> None:
        await self.run({"setup": self.setup})

    async def say(self, text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return await self.run(Command(resume=text))

    def calls(self, pred: Callable[[str], bool] = lambda c: True) -> list[str]:
        return [c.call for c in self.provider.history if pred(c.call)]

    def prompt(self, call: str) -> str:
        (found,) = [c for c in self.provider.history if c.call == call]
        return "\n".join(str(m.content) for m in found.messages)


@pytest.fixture
async def rig(setup: Setup, kb: KnowledgeBase) -> Rig:
    r = Rig(setup, kb, InMemorySaver())
    await r.start()
    return r


async def test_a_scripted_session_streams_replies_within_the_rules(rig: Rig) -> None:
    events, values = await rig.say("Shall we agree an agenda first?")
    tokens = "".join(e["text"] for e in events if e["kind"] == "token")
    assert tokens == "Reply to rehearsal.turn-1.reply: we hold our position."
    assert [e["kind"] for e in events if e["kind"] != "token"] == [
        "status",
        "reply-start",
        "reply-end",
    ]
    _, values = await rig.say("If T1 does not ship we will call the bond.")
    _, values = await rig.say("My worry is that we both lose the timetable.")
    assert rig.calls() == [
        f"rehearsal.turn-{n}.{step}" for n in (1, 2, 3) for step in ("assess", "reply")
    ]
    turns = values["exchanges"]
    assert [t["turn"] for t in turns] == [1, 2, 3]
    assert turns[1]["plan"]["posture"] == "resist"
    assert turns[1]["change"]["trust"] < 0 < turns[0]["change"]["trust"]
    assert turns[1]["state"]["threats_heard"] == 1
    assert "You hear a threat" in rig.prompt("rehearsal.turn-2.reply")
    systems = {
        str(c.messages[0].content) for c in rig.provider.history if c.call.endswith(".reply")
    }
    assert len(systems) == 1, "the persona (system prompt) is the same on every turn"
    assert rig.setup["speaker"] in systems.pop()
    assert "[Turn 2] Them (Norvane Grid AS): If T1" in rig.prompt("rehearsal.turn-3.reply")
    assert len(values["calls"]) == 6 and values["pending"] is None


async def test_a_failed_reply_keeps_the_turn_and_retry_reuses_the_assessment(rig: Rig) -> None:
    rig.script.fail.add("rehearsal.turn-1.reply")
    events, values = await rig.say("Shall we agree an agenda first?")
    assert any(e["kind"] == "failed" and "provider down" in e["text"] for e in events)
    assert values["pending"] == "Shall we agree an agenda first?"
    assert values["pending_assessment"] is not None and values.get("exchanges") in (None, [])
    assert "ConnectionError" in values["error"]

    rig.script.fail.clear()
    _, values = await rig.say("/retry")
    assert rig.calls() == [
        "rehearsal.turn-1.assess",
        "rehearsal.turn-1.reply",
        "rehearsal.turn-1.reply",
    ], "the assessment is not asked again"
    assert values["error"] is None and values["pending"] is None
    assert values["exchanges"][0]["user"] == "Shall we agree an agenda first?"


async def test_a_failed_assessment_can_be_replaced_by_a_new_turn(rig: Rig) -> None:
    rig.script.fail.add("rehearsal.turn-1.assess")
    _, values = await rig.say("Shall we agree an agenda first?")
    assert values["pending"] and values["error"]
    rig.script.fail.clear()
    _, values = await rig.say("What do you need to explain this in Padua?")
    assert values["exchanges"][0]["user"] == "What do you need to explain this in Padua?"
    assert values["exchanges"][0]["label"] == "rehearsal.turn-1.take-2"


async def test_retry_and_undo_with_nothing_to_do_say_so(rig: Rig) -> None:
    _, values = await rig.say("/retry")
    assert "Nothing to retry" in values["notice"]
    _, values = await rig.say("/undo")
    assert values["notice"] == "Nothing to undo."
    _, values = await rig.say("/debrief")
    assert "Nothing to debrief" in values["notice"]
    assert rig.calls() == []


async def test_undo_takes_back_the_exchange_and_its_effect(rig: Rig) -> None:
    await rig.say("Shall we agree an agenda first?")
    _, before = await rig.say("My worry is that we both lose the timetable.")
    _, values = await rig.say("If T1 does not ship we will call the bond.")
    assert values["exchanges"][-1]["state"]["threats_heard"] == 1
    _, values = await rig.say("/undo")
    assert values["exchanges"] == before["exchanges"]
    assert values["undone"][0]["user"].startswith("If T1")
    assert "Took back turn 3" in values["notice"]
    _, values = await rig.say("What do you need to close the year?")
    assert values["exchanges"][-1]["label"] == "rehearsal.turn-3.take-2"
    assert values["exchanges"][-1]["state"]["threats_heard"] == 0
    assert "call the bond" not in rig.prompt("rehearsal.turn-3.take-2.reply")


async def test_hint_draws_on_the_knowledge_base_for_the_moment(rig: Rig) -> None:
    await rig.say("If T1 does not ship we will call the bond.")
    events, values = await rig.say("/hint")
    assert "hints" in values, values.get("error")
    (hint,) = values["hints"]
    assert hint["after_turn"] == 1 and hint["label"] == "coach.hint-1"
    assert hint["hint"]["kb_refs"] == hint["knowledge"][:1]
    assert len(hint["knowledge"]) >= 5
    prompt = rig.prompt("coach.hint-1")
    assert all(f"[{entry}]" in prompt for entry in hint["knowledge"])
    assert "call the bond" in prompt
    assert any(e["kind"] == "hint" for e in events)
    _, values = await rig.say("/hint")
    assert [h["label"] for h in values["hints"]] == ["coach.hint-1", "coach.hint-2"]


async def test_debrief_gets_the_threats_and_its_quotes_are_checked(rig: Rig) -> None:
    await rig.say("Shall we agree an agenda first?")
    await rig.say("If T1 does not ship we will call the bond.")
    rig.script.debrief = debrief_json(
        turn=1,
        quote="words never said",
        threats=[
            {
                "turn": 2,
                "said": "we will call the bond",
                "effect": "He went cold.",
                "better_warning": "I worry we both lose control.",
            }
        ],
    )
    _, values = await rig.say("/debrief")
    prompt = rig.prompt("coach.debrief")
    assert "- Turn 2: call the bond" in prompt
    assert "Turn 2: trust" in prompt and "posture resist" in prompt
    assert rig.setup["character"].splitlines()[0] in prompt, "the coach sees what they protected"
    data = values["debrief"]
    assert data["label"] == "coach.debrief" and data["after_turn"] == 2
    assert "widen the field: quote not found in turn 1" in data["problems"]
    assert not any(p.startswith("threat review") or "no review" in p for p in data["problems"])


async def test_a_debrief_missing_a_criterion_is_asked_again_then_fails_cleanly(rig: Rig) -> None:
    await rig.say("Shall we agree an agenda first?")
    broken = json.loads(debrief_json())
    del broken["scorecard"]["substance"]  # strict output cannot do this; JSON mode can
    rig.script.debrief = json.dumps(broken)
    _, values = await rig.say("/debrief")
    assert rig.calls(lambda c: c.startswith("coach")) == ["coach.debrief"] * 3
    assert "scorecard.substance: Field required" in values["error"]
    assert values.get("debrief") is None
    rig.script.debrief = debrief_json()
    _, values = await rig.say("/debrief")
    assert values["debrief"]["label"] == "coach.debrief", "a failed debrief keeps its label"


async def test_long_sessions_summarise_old_turns(rig: Rig) -> None:
    rig.context.verbatim_exchanges = 2
    for text in ("agenda one", "agenda two", "agenda three", "agenda four"):
        await rig.say(text)
    prompt = rig.prompt("rehearsal.turn-4.reply")
    assert "[Turn 1, summarised] Them (Norvane Grid AS): (They made a process proposal.)" in prompt
    assert "[Turn 3] Them (Norvane Grid AS): agenda three" in prompt


async def test_end_then_reopen_keeps_everything(rig: Rig) -> None:
    await rig.say("Shall we agree an agenda first?")
    _, values = await rig.say("/end")
    assert values["ended"] is True
    assert (await rig.graph.aget_state(rig.config)).next == ()
    _, values = await rig.run({"ended": False})
    assert values["ended"] is False and len(values["exchanges"]) == 1
    _, values = await rig.say("My worry is that we both lose the timetable.")
    assert [t["turn"] for t in values["exchanges"]] == [1, 2]


async def test_a_session_resumes_from_sqlite_after_a_restart(
    setup: Setup, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = str(tmp_path / "rehearsals.sqlite")
    async with AsyncSqliteSaver.from_conn_string(db) as saver:
        first = Rig(setup, kb, saver)
        await first.start()
        await first.say("Shall we agree an agenda first?")
        first.script.fail.add("rehearsal.turn-2.reply")
        _, values = await first.say("My worry is that we both lose the timetable.")
        assert values["pending"]

    async with AsyncSqliteSaver.from_conn_string(db) as saver:  # a new process, as it were
        second = Rig(setup, kb, saver)
        snapshot = await second.graph.aget_state(second.config)
        assert snapshot.next == ("listen",)
        assert snapshot.values["pending"] == "My worry is that we both lose the timetable."
        _, values = await second.say("/retry")
        assert [t["turn"] for t in values["exchanges"]] == [1, 2]
        assert second.calls() == ["rehearsal.turn-2.reply"]
        assert "[Turn 1] Them (Norvane Grid AS): Shall we" in second.prompt(
            "rehearsal.turn-2.reply"
        )
