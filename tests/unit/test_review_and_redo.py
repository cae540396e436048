"""Review before the others run (a LangGraph interrupt after the extractor) and redoing one
section with a note, on the graph with a scripted model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import example_json, focused_calls, reply_schema
from fakes import ScriptedProvider
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from negoprep.agents.base import AgentDeps
from negoprep.agents.registry import preparation_agents
from negoprep.agents.review import profile_changes
from negoprep.app.prepare import review_request
from negoprep.graphs.context import PrepContext, PrepDeps
from negoprep.graphs.preparation import build
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.reading.ingest import load_case

CASE_DIR = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"
SCHEMAS = {a.name: a.schema for a in preparation_agents()}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


class Rig:
    def __init__(self, kb: KnowledgeBase) -> None:
        case = load_case(CASE_DIR)

        def respond(agent: str, call: str, messages: list[BaseMessage]) -> str:
            return example_json(
                reply_schema(agent, call, SCHEMAS), case, ["partial-alternatives"], messages
            )

        self.provider = ScriptedProvider(respond)
        deps = PrepDeps(
            agents=AgentDeps(models=self.provider, prompts=PromptLibrary.load(), knowledge=kb)
        )
        self.graph = build(lambda context: deps).compile(checkpointer=InMemorySaver())
        self.config: Any = {"configurable": {"thread_id": "t"}}

    async def run(self, payload: Any, review: bool = False) -> dict[str, Any]:
        await self.graph.ainvoke(payload, self.config, context=PrepContext(review=review))
        return dict((await self.graph.aget_state(self.config)).values)

    def calls(self) -> list[str]:
        return [c.call for c in self.provider.history]

    def prompt(self, call: str) -> str:
        (found,) = [c for c in self.provider.history if c.call == call]
        return str(found.messages[1].content)


async def test_review_pauses_after_the_extractor_and_the_others_use_the_correction(
    kb: KnowledgeBase,
) -> None:
    rig = Rig(kb)
    values = await rig.run({"case_dir": str(CASE_DIR)}, review=True)
    assert {c.split(".")[0] for c in rig.calls()} == {"extractor"}, (
        "nothing runs after the extractor until the review"
    )
    extraction = len(rig.calls())
    waiting = review_request(await rig.graph.aget_state(rig.config))
    assert waiting is not None and waiting["our_side"] == values["profile"].our_side
    corrected = dict(waiting)
    corrected["counterpart"] = "Velmora's CFO, who decides"
    corrected["facts"] = waiting["facts"][1:]
    corrected["missing_information"] = [
        *waiting["missing_information"],
        {"question": "Who signs off above EUR 1m?", "why_it_matters": "x", "ask_whom": "CFO"},
    ]
    values = await rig.run(Command(resume=corrected), review=True)
    analysts = focused_calls("challenger", "counterpart")
    assert sorted(rig.calls()[extraction : extraction + len(analysts)]) == analysts
    assert "Velmora's CFO, who decides" in rig.prompt("challenger.trades")
    changes = values["user_changes"]
    assert any(c.startswith("counterpart: ") for c in changes)
    assert any(c.startswith("removed fact: ") for c in changes)
    assert "added (the user's own) missing information: Who signs off above EUR 1m?" in changes
    assert values["dossier"]["user_changes"] == changes


async def test_without_review_the_run_does_not_pause(kb: KnowledgeBase) -> None:
    rig = Rig(kb)
    values = await rig.run({"case_dir": str(CASE_DIR)})
    assert values["dossier"]["status"] == "complete" and not values.get("user_changes")


async def test_redo_runs_one_agent_again_with_the_note_and_what_depends_on_it(
    kb: KnowledgeBase,
) -> None:
    rig = Rig(kb)
    first = await rig.run({"case_dir": str(CASE_DIR)})
    rig.provider.history.clear()
    note = "The counterpart's CFO decides, not the sales director."
    values = await rig.run({"case_dir": str(CASE_DIR), "redo": {"counterpart": note}})
    assert sorted(rig.calls()) == [*focused_calls("counterpart"), "synthesis"]
    assert f"The user's note for this analysis: {note}" in rig.prompt("counterpart.profile")
    assert note not in rig.prompt("synthesis"), "the note is for the agent it was given to"
    assert values["profile"] == first["profile"] and values["challenge"] == first["challenge"]
    assert values["dossier"]["notes"] == {"counterpart": note}
    rig.provider.history.clear()
    await rig.run({"case_dir": str(CASE_DIR)})
    assert rig.calls() == [], "a redo is done once, not at every later pass"
    # A redo without a note withdraws the note; the note of another agent is kept.
    await rig.run({"case_dir": str(CASE_DIR), "redo": {"challenger": "Think small."}})
    rig.provider.history.clear()
    values = await rig.run({"case_dir": str(CASE_DIR), "redo": {"counterpart": ""}})
    assert "The user's note" not in rig.prompt("counterpart.profile")
    assert values["dossier"]["notes"] == {"challenger": "Think small."}


async def test_redo_of_an_unknown_agent_is_refused(kb: KnowledgeBase) -> None:
    rig = Rig(kb)
    await rig.run({"case_dir": str(CASE_DIR)})
    with pytest.raises(ValueError, match="no agent named nobody"):
        await rig.run({"case_dir": str(CASE_DIR), "redo": {"nobody": ""}})


def test_profile_changes_name_what_changed() -> None:
    from negoprep.agents.extractor import DealProfile

    case = load_case(CASE_DIR)
    before = DealProfile.model_validate_json(example_json(DealProfile, case, []))
    assert profile_changes(before, before) == []
    after = before.model_copy(update={"our_side": "Someone else"})
    assert profile_changes(before, after) == [f"our side: {before.our_side} -> Someone else"]
