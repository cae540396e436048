"""What every node of the preparation graph shares: progress events, failure handling, the
case brief as an agent gets it, and the base class that binds nodes to their dependencies."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime
from pydantic import BaseModel

from negoprep.agents import challenger, counterpart, extractor, synthesis
from negoprep.agents.base import AgentCallFailed
from negoprep.agents.registry import AgentSpec
from negoprep.graphs.context import DepsFactory, PrepContext, PrepDeps
from negoprep.graphs.state import PrepState
from negoprep.llm.errors import describe_failure

Update = dict[str, Any]
Node = Callable[[PrepState, Runtime[PrepContext]], Awaitable[Update]]


def progress(agent: str, status: str, detail: str = "", reason: str = "") -> None:
    with contextlib.suppress(RuntimeError):  # outside a streamed run, progress has no reader
        event = {"agent": agent, "status": status, "detail": detail}
        get_stream_writer()({**event, "reason": reason} if reason else event)


async def guarded(agent: str, work: Callable[[], Awaitable[Update]], detail: str = "") -> Update:
    progress(agent, "started", detail)
    try:
        update = await work()
    except Exception as exc:  # an agent's failure must not lose the others' work
        reason = describe_failure(exc)
        progress(agent, "failed", detail, reason)
        failed: Update = {"failures": {agent: reason}}
        if isinstance(exc, AgentCallFailed):  # a failed call was still made (and billed)
            failed["calls"] = [exc.record]
        return failed
    progress(agent, "finished", detail)
    return update


def checking(done: int, total: int) -> None:
    """Progress of the search for quotes that are not in their cited passage."""
    with contextlib.suppress(RuntimeError):
        get_stream_writer()({"kind": "checking", "done": done, "total": total})


def needs_profile(agent: str, state: PrepState) -> Update | None:
    if state.get("profile") is None:
        return {
            "failures": {agent: "skipped: there is no deal profile because the extractor failed"}
        }
    return None


def case_brief(state: PrepState, agent: str) -> str:
    """The case brief as `agent`'s prompt gets it: with the user's note for it, if any."""
    text = state["case"].brief_prompt()
    note = (state.get("notes") or {}).get(agent)
    return f"{text}\n- The user's note for this analysis: {note}" if note else text


BUILTIN = {extractor.NAME, challenger.NAME, counterpart.NAME, synthesis.NAME}
FOCUSED: dict[str, tuple[Any, str, type[BaseModel]]] = {
    challenger.NAME: (challenger, "challenge", challenger.ChallengeReport),
    counterpart.NAME: (counterpart, "counterpart", counterpart.CounterpartProfile),
}
"""The analysts whose output is written by focused calls: module, state key, schema."""


class NodesBase:
    """Nodes bound to the factory that gives them their dependencies."""

    def __init__(self, deps_for: DepsFactory, agents: Sequence[AgentSpec]) -> None:
        self.deps_for = deps_for
        self.agents = tuple(agents)
        self.extras = tuple(a for a in agents if a.phase == "analyse" and a.name not in BUILTIN)

    def deps(self, runtime: Runtime[PrepContext]) -> PrepDeps:
        return self.deps_for(runtime.context or PrepContext())
