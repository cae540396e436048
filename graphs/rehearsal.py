"""The rehearsal graph: listen -> (assess -> reply | hint | debrief | undo | end) -> listen.

`listen` waits for the user with `interrupt()` (and does nothing before it, since a node re-runs
from the top on resume). A turn is kept in `pending` until the counterpart's reply has been
written, so a failed model call loses nothing: the failure is recorded in `error` and the graph
waits again; `/retry` sends the same turn again (re-using its assessment if that succeeded).

The counterpart's reply streams as `custom` events (`{"kind": "token", "text": ...}`); the
checkpointer keeps one thread per session, so a session can be resumed after a restart.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from negoprep.agents import coach, roleplay, roleplay_rules
from negoprep.agents.base import AgentDeps
from negoprep.agents.counterpart import Persona
from negoprep.graphs.rehearsal_state import (
    DebriefData,
    ExchangeData,
    HintData,
    RehearsalContext,
    RehearsalDepsFactory,
    RehearsalInput,
    RehearsalState,
)
from negoprep.llm.errors import describe_failure
from negoprep.llm.prompts import PromptError

Update = dict[str, Any]
GRAPH_COMMANDS = ("/hint", "/debrief", "/undo", "/retry", "/end")


def _emit(kind: str, **data: Any) -> None:
    with contextlib.suppress(RuntimeError):  # not streaming: nobody is reading
        get_stream_writer()({"kind": kind, **data})


def _failed(exc: Exception) -> Update:
    if isinstance(exc, PromptError):  # a broken prompt file is the user's to fix, not a retry
        raise exc
    reason = describe_failure(exc)
    _emit("failed", text=reason)
    return {"error": reason}


# -- rendering the conversation for prompts (deterministic: it is part of recorded requests) ----


def render_conversation(
    state: RehearsalState, runtime: Runtime[RehearsalContext], *, for_coach: bool
) -> str:
    setup = state["setup"]
    exchanges = state.get("exchanges") or []
    if not exchanges:
        return "(Nothing has been said yet.)"
    them = setup["our_side"] if for_coach else f"Them ({setup['our_side']})"
    you = setup["speaker"] if for_coach else f"You ({setup['speaker']})"
    keep = runtime.context.verbatim_exchanges
    lines = []
    for ex in exchanges[:-keep]:
        heard = ex["assessment"].get("how_they_hear_it", "")
        lines.append(f"[Turn {ex['turn']}, summarised] {them}: ({heard})")
    for ex in exchanges[-keep:]:
        lines += [f"[Turn {ex['turn']}] {them}: {ex['user']}", f"{you}: {ex['reply']}", ""]
    return "\n".join(lines).strip()


def _annotated(state: RehearsalState) -> str:
    """The transcript for the debrief: each turn with how it was heard and how it moved them."""
    setup = state["setup"]
    lines = []
    for ex in state.get("exchanges") or []:
        a, c = ex["assessment"], ex["change"]
        kinds = ", ".join(a.get("kinds", []))
        moved = ", ".join(f"{k} {v:+d}" for k, v in c.items())
        lines += [
            f"[Turn {ex['turn']}] {setup['our_side']} (the client): {ex['user']}",
            f"  (heard as: {kinds}, {a.get('force')}; {moved}; their posture: "
            f"{ex['plan'].get('posture')})",
            f"{setup['speaker']}: {ex['reply']}",
            "",
        ]
    return "\n".join(lines).strip() or "(No exchange.)"


def threat_turns(exchanges: list[ExchangeData]) -> list[int]:
    return [ex["turn"] for ex in exchanges if "threat" in ex["assessment"].get("kinds", [])]


def _moments(exchanges: list[ExchangeData]) -> str:
    lines = []
    for ex in exchanges:
        change = roleplay_rules.Change.model_validate(ex["change"])
        plan = ex["plan"]
        what = [
            text
            for key, text in (
                ("reveal", "they acknowledged an interest"),
                ("hint_at", "they hinted at an interest"),
                ("consent_to", f"they agreed in principle to: {plan.get('consent_to')}"),
                ("concession", "they made a move"),
            )
            if plan.get(key)
        ]
        if change.is_notable() or what or plan.get("posture") in ("resist", "close"):
            moved = ", ".join(f"{k} {v:+d}" for k, v in ex["change"].items())
            extra = f"; {'; '.join(what)}" if what else ""
            lines.append(f"- Turn {ex['turn']}: {moved}; posture {plan.get('posture')}{extra}")
    return "\n".join(lines) or "- (No turn moved them noticeably.)"


def _recent(state: RehearsalState, n: int = 2) -> str:
    exchanges = (state.get("exchanges") or [])[-n:]
    return " ".join(f"{ex['user']} {ex['reply']}" for ex in exchanges)


def current_state(state: RehearsalState) -> roleplay_rules.CounterpartState:
    exchanges = state.get("exchanges") or []
    if not exchanges:
        return roleplay_rules.CounterpartState()
    return roleplay_rules.CounterpartState.model_validate(exchanges[-1]["state"])


# -- nodes ---------------------------------------------------------------------------------------


async def open_session(state: RehearsalState) -> Update:
    """Every run starts here: a reopened session is no longer ended, and old notices go."""
    return {"ended": False, "notice": None, "error": None}


async def listen(state: RehearsalState) -> Update:
    """Wait for the user's next turn or command (nothing may happen before `interrupt`)."""
    turn = len(state.get("exchanges") or []) + 1
    text = str(interrupt({"session": state["setup"]["session"], "turn": turn})).strip()
    cleared: Update = {"notice": None, "error": None}
    if text.lower() in GRAPH_COMMANDS:
        return {**cleared, "inbox": text.lower()}
    takes = dict(state.get("takes") or {})
    takes[str(turn)] = takes.get(str(turn), 0) + 1
    label = f"rehearsal.turn-{turn}" + (f".take-{takes[str(turn)]}" if takes[str(turn)] > 1 else "")
    return {
        **cleared,
        "inbox": "",
        "pending": text,
        "pending_label": label,
        "pending_assessment": None,
        "takes": takes,
    }


def after_listen(
    state: RehearsalState,
) -> Literal["assess", "hint", "debrief", "undo", "retry", "end"]:
    command = state.get("inbox") or ""
    if command == "/retry":
        return "retry"
    if command:
        return command.lstrip("/")  # type: ignore[return-value]
    return "assess"


async def retry(state: RehearsalState) -> Update:
    if not state.get("pending"):
        return {"notice": "Nothing to retry: there is no unanswered turn."}
    return {}


def after_retry(state: RehearsalState) -> Literal["assess", "listen"]:
    return "assess" if state.get("pending") else "listen"


async def assess(
    state: RehearsalState, runtime: Runtime[RehearsalContext], deps: AgentDeps
) -> Update:
    if state.get("pending_assessment"):
        return {}
    setup = state["setup"]
    _emit("status", text=f"{setup['speaker']} is listening…")
    try:
        result = await roleplay.assess(
            deps,
            call=f"{state['pending_label']}.assess",
            persona=Persona.model_validate(setup["persona"]),
            situation=setup["situation"],
            conversation=render_conversation(state, runtime, for_coach=False),
            user_turn=state["pending"] or "",
            language=setup["language"],
        )
    except Exception as exc:
        return _failed(exc)
    return {
        "pending_assessment": result.output.model_dump(mode="json"),
        "calls": [*(state.get("calls") or []), result.record.model_dump(mode="json")],
    }


def after_model_call(state: RehearsalState) -> Literal["reply", "listen"]:
    return "listen" if state.get("error") else "reply"


async def reply(
    state: RehearsalState, runtime: Runtime[RehearsalContext], deps: AgentDeps
) -> Update:
    setup = state["setup"]
    exchanges = list(state.get("exchanges") or [])
    turn = len(exchanges) + 1
    assessment = roleplay_rules.TurnAssessment.model_validate(state["pending_assessment"])
    persona = Persona.model_validate(setup["persona"])
    new_state, plan, change = roleplay_rules.advance(
        current_state(state), assessment, persona, turn
    )
    _emit("reply-start", speaker=setup["speaker"], turn=turn)
    try:
        result = await roleplay.reply(
            deps,
            call=f"{state['pending_label']}.reply",
            character=setup["character"],
            situation=setup["situation"],
            state=new_state,
            plan=plan,
            conversation=render_conversation(state, runtime, for_coach=False),
            user_turn=state["pending"] or "",
            language=setup["language"],
            on_token=lambda text: _emit("token", text=text),
        )
    except Exception as exc:
        return _failed(exc)
    _emit("reply-end", turn=turn)
    exchange = ExchangeData(
        turn=turn,
        label=state["pending_label"] or f"rehearsal.turn-{turn}",
        user=state["pending"] or "",
        assessment=assessment.model_dump(mode="json"),
        reply=result.text,
        state=new_state.model_dump(mode="json"),
        change=change.model_dump(mode="json"),
        plan=plan.model_dump(mode="json"),
    )
    return {
        "exchanges": [*exchanges, exchange],
        "pending": None,
        "pending_label": None,
        "pending_assessment": None,
        "calls": [*(state.get("calls") or []), result.record.model_dump(mode="json")],
    }


async def hint(
    state: RehearsalState, runtime: Runtime[RehearsalContext], deps: AgentDeps
) -> Update:
    setup = state["setup"]
    count = (state.get("hint_count") or 0) + 1
    label = f"coach.hint-{count}"
    _emit("status", text="The coach is thinking…")
    try:
        result, used = await coach.hint(
            deps,
            call=label,
            case_brief=setup["case_brief"],
            preparation=setup["preparation"],
            conversation=render_conversation(state, runtime, for_coach=True),
            query=_recent(state) or setup["situation"],
            language=setup["language"],
        )
    except Exception as exc:
        return _failed(exc)
    data = HintData(
        after_turn=len(state.get("exchanges") or []),
        label=label,
        hint=result.output.model_dump(mode="json"),
        knowledge=used,
    )
    _emit("hint", hint=data)
    return {
        "hints": [*(state.get("hints") or []), data],
        "hint_count": count,
        "calls": [*(state.get("calls") or []), result.record.model_dump(mode="json")],
    }


async def debrief(
    state: RehearsalState, runtime: Runtime[RehearsalContext], deps: AgentDeps
) -> Update:
    setup = state["setup"]
    exchanges = state.get("exchanges") or []
    if not exchanges:
        return {"notice": "Nothing to debrief yet: say something to the counterpart first."}
    count = (state.get("debrief_count") or 0) + 1
    label = "coach.debrief" if count == 1 else f"coach.debrief-{count}"
    threats = threat_turns(exchanges)
    by_turn = {ex["turn"]: ex for ex in exchanges}
    _emit("status", text="The coach is reviewing the transcript…")
    try:
        result, used = await coach.debrief(
            deps,
            call=label,
            case_brief=setup["case_brief"],
            preparation=setup["preparation"],
            persona=setup["character"],
            conversation=_annotated(state),
            threats="\n".join(
                f"- Turn {t}: {by_turn[t]['assessment'].get('quote') or by_turn[t]['user']}"
                for t in threats
            )
            or "- (none)",
            moments=_moments(exchanges),
            query=" ".join(ex["user"] for ex in exchanges)
            + (" threat warning escalation" if threats else ""),
            language=setup["language"],
        )
    except Exception as exc:
        return _failed(exc)
    problems = coach.check_debrief(
        result.output,
        {ex["turn"]: ex["user"] for ex in exchanges},
        threats,
        list(deps.knowledge.entries),
    )
    data = DebriefData(
        after_turn=len(exchanges),
        label=label,
        debrief=result.output.model_dump(mode="json"),
        knowledge=used,
        problems=problems,
    )
    _emit("debrief", debrief=data)
    return {
        "debrief": data,
        "debrief_count": count,
        "calls": [*(state.get("calls") or []), result.record.model_dump(mode="json")],
    }


async def undo(state: RehearsalState) -> Update:
    if state.get("pending"):
        return {
            "pending": None,
            "pending_label": None,
            "pending_assessment": None,
            "notice": "Dropped your unanswered turn.",
        }
    exchanges = list(state.get("exchanges") or [])
    if not exchanges:
        return {"notice": "Nothing to undo."}
    last = exchanges.pop()
    return {
        "exchanges": exchanges,
        "undone": [*(state.get("undone") or []), last],
        "notice": f"Took back turn {last['turn']}. Say it differently.",
    }


async def end(state: RehearsalState) -> Update:
    return {"ended": True}


ModelNode = Callable[[RehearsalState, Runtime[RehearsalContext], AgentDeps], Awaitable[Update]]


def _with_deps(node: ModelNode, deps_for: RehearsalDepsFactory) -> Any:
    """A node that calls a model, given the dependencies of the run's context."""

    async def bound(state: RehearsalState, runtime: Runtime[RehearsalContext]) -> Update:
        return await node(state, runtime, deps_for(runtime.context or RehearsalContext()))

    bound.__name__ = node.__name__
    return bound


def build(
    deps_for: RehearsalDepsFactory,
) -> StateGraph[RehearsalState, RehearsalContext, RehearsalInput, RehearsalState]:
    """The uncompiled graph; `deps_for` turns a session's `RehearsalContext` into the agents'
    dependencies (the application layer's in the CLI, web app and server; scripted in tests)."""
    builder = StateGraph(
        RehearsalState, context_schema=RehearsalContext, input_schema=RehearsalInput
    )
    builder.add_node("open", open_session)
    builder.add_node("listen", listen)
    builder.add_node("retry", retry)
    for name, model_node in (
        ("assess", assess),
        ("reply", reply),
        ("hint", hint),
        ("debrief", debrief),
    ):
        builder.add_node(name, _with_deps(model_node, deps_for))
    builder.add_node("undo", undo)
    builder.add_node("end", end)
    builder.add_edge(START, "open")
    builder.add_edge("open", "listen")
    builder.add_conditional_edges(
        "listen", after_listen, ["assess", "hint", "debrief", "undo", "retry", "end"]
    )
    builder.add_conditional_edges("retry", after_retry, ["assess", "listen"])
    builder.add_conditional_edges("assess", after_model_call, ["reply", "listen"])
    builder.add_edge("reply", "listen")
    for node in ("hint", "debrief", "undo"):
        builder.add_edge(node, "listen")
    builder.add_edge("end", END)
    return builder


def compile_rehearsal(
    checkpointer: BaseCheckpointSaver[Any], deps_for: RehearsalDepsFactory
) -> CompiledStateGraph[RehearsalState, RehearsalContext, RehearsalInput, RehearsalState]:
    """The graph with its checkpointer: one thread per session."""
    return build(deps_for).compile(checkpointer=checkpointer, name="rehearsal")
