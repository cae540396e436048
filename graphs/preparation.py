"""The preparation graph: case -> extractor (map over parts) -> challenger || counterpart -> synthesis.

Every agent node catches its own failure and records it in `failures`: the run goes on with what
succeeded, and the dossier says what failed and why. Outputs already present in the input (from an
earlier run) are reused, which is how a run resumes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from negoprep.agents import challenger, counterpart, extractor, synthesis
from negoprep.agents.base import AgentCallFailed, to_prompt_json
from negoprep.agents.merge import merge_profiles
from negoprep.agents.registry import EXTRA_AGENTS, ProfileAgent
from negoprep.graphs.context import PrepContext
from negoprep.graphs.state import PartInput, PrepInput, PrepState
from negoprep.llm.errors import describe_failure
from negoprep.reading.parts import estimate_tokens, render_passages, split_into_parts

Update = dict[str, Any]


def _progress(agent: str, status: str, detail: str = "", reason: str = "") -> None:
    with contextlib.suppress(RuntimeError):  # outside a streamed run, progress has no reader
        event = {"agent": agent, "status": status, "detail": detail}
        get_stream_writer()({**event, "reason": reason} if reason else event)


async def _guarded(agent: str, work: Callable[[], Awaitable[Update]], detail: str = "") -> Update:
    _progress(agent, "started", detail)
    try:
        update = await work()
    except Exception as exc:  # an agent's failure must not lose the others' work
        reason = describe_failure(exc)
        _progress(agent, "failed", detail, reason)
        failed: Update = {"failures": {agent: reason}}
        if isinstance(exc, AgentCallFailed):  # a failed call was still made (and billed)
            failed["calls"] = [exc.record]
        return failed
    _progress(agent, "finished", detail)
    return update


async def plan(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
    """Decide how the case is read: in one call, or in parts that each fit the context budget."""
    if state.get("profile") is not None:
        return {"planned": []}
    case = state["case"]
    budget = runtime.context.deps.models.config(extractor.NAME).context_tokens
    parts = split_into_parts(case, budget)
    limit = runtime.context.max_parts
    kept, dropped = parts[:limit], parts[limit:]
    planned: list[PartInput] = []
    for i, part in enumerate(kept, start=1):
        planned.append(
            PartInput(
                index=i,
                total=len(kept),
                scope=part.scope(i, len(kept), case),
                documents=render_passages(case, part.passages),
                case=case,
                language=state["language"],
            )
        )
    unread = []
    if dropped:
        first, last = dropped[0].passages[0].id, dropped[-1].passages[-1].id
        unread.append(
            f"not read: {len(dropped)} part(s), passages {first} to {last}: the case is larger "
            f"than {limit} extraction calls of {budget} tokens (raise NEGOPREP_MAX_PARTS or "
            "NEGOPREP_CONTEXT_TOKENS to read it all)"
        )
    return {"planned": planned, "part_failures": unread}


def route_parts(state: PrepState) -> list[Send] | str:
    planned = state.get("planned") or []
    if not planned:
        return "merge"
    return [Send("extract_part", part) for part in planned]


async def extract_part(part: PartInput, runtime: Runtime[PrepContext]) -> Update:
    call = extractor.NAME if part["total"] == 1 else f"{extractor.NAME}.part-{part['index']}"
    detail = "" if part["total"] == 1 else f"part {part['index']} of {part['total']}"

    async def work() -> Update:
        result = await extractor.extract(
            runtime.context.deps,
            call=call,
            brief=part["case"].brief_text(),
            documents=part["documents"],
            scope=part["scope"],
            language=part["language"],
        )
        profile = {"index": part["index"], "scope": part["scope"], "profile": result.output}
        return {"part_profiles": [profile], "calls": [result.record]}

    update = await _guarded(extractor.NAME, work, detail)
    if "failures" in update:
        reason = update["failures"][extractor.NAME]
        return {
            "part_failures": [f"{detail or 'the case'}: {reason}"],
            "calls": update.get("calls", []),
        }
    return update


async def merge(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
    """One deal profile from the parts (a reduce call when there were several)."""
    if state.get("profile") is not None:
        return {}
    parts = sorted(state.get("part_profiles") or [], key=lambda p: p["index"])
    failed = state.get("part_failures") or []
    if not parts:
        return {"failures": {extractor.NAME: "; ".join(failed) or "no part was extracted"}}
    update: Update = {}
    if failed:
        update["failures"] = {
            extractor.NAME: "partly failed; the profile covers only the parts read: "
            + "; ".join(failed)
        }
    if len(parts) == 1:
        return {**update, "profile": parts[0]["profile"]}
    profile, calls, problems = await merge_profiles(
        runtime.context.deps,
        [(p["scope"], p["profile"]) for p in parts],
        brief=state["case"].brief_text(),
        language=state["language"],
        emit=lambda status, detail, reason="": _progress(extractor.NAME, status, detail, reason),
    )
    reasons = [*problems, *([update["failures"][extractor.NAME]] if update else [])]
    result: Update = {"profile": profile, "calls": calls}
    if reasons:
        result["failures"] = {extractor.NAME: "; ".join(reasons)}
    return result


def _needs_profile(agent: str, state: PrepState) -> Update | None:
    if state.get("profile") is None:
        return {
            "failures": {agent: "skipped: there is no deal profile because the extractor failed"}
        }
    return None


async def challenge(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
    if state.get("challenge") is not None:
        return {}
    if (skip := _needs_profile(challenger.NAME, state)) is not None:
        return skip
    profile = state["profile"]
    assert profile is not None

    async def work() -> Update:
        result, used = await challenger.challenge(
            runtime.context.deps,
            brief=state["case"].brief_text(),
            profile=profile,
            language=state["language"],
        )
        return {"challenge": result.output, "knowledge_used": used, "calls": [result.record]}

    return await _guarded(challenger.NAME, work)


def counterpart_documents(state: PrepState, budget_tokens: int) -> str:
    text = render_passages(state["case"], state["case"].passages)
    if estimate_tokens(text) <= budget_tokens // 2:
        return text
    return (
        "(The documents are too long to include here. Rely on the deal profile and cite only "
        "passages and quotes that appear in its citations.)"
    )


async def simulate_counterpart(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
    if state.get("counterpart") is not None:
        return {}
    if (skip := _needs_profile(counterpart.NAME, state)) is not None:
        return skip
    profile = state["profile"]
    assert profile is not None
    deps = runtime.context.deps
    documents = counterpart_documents(state, deps.models.config(counterpart.NAME).context_tokens)

    async def work() -> Update:
        result = await counterpart.profile_counterpart(
            deps,
            brief=state["case"].brief_text(),
            profile=profile,
            documents=documents,
            language=state["language"],
        )
        return {"counterpart": result.output, "calls": [result.record]}

    return await _guarded(counterpart.NAME, work)


async def synthesise(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
    if state.get("brief") is not None:
        return {}
    missing = [
        name
        for name, key in (
            ("extractor", "profile"),
            ("challenger", "challenge"),
            ("counterpart", "counterpart"),
        )
        if state.get(key) is None
    ]
    if missing:
        reason = f"skipped: needs the output of {', '.join(missing)}, which failed"
        return {"failures": {synthesis.NAME: reason}}
    profile, report, other = state["profile"], state["challenge"], state["counterpart"]
    assert profile is not None and report is not None and other is not None

    async def work() -> Update:
        result = await synthesis.synthesise(
            runtime.context.deps,
            brief=state["case"].brief_text(),
            deal_profile=to_prompt_json(profile),
            challenge=to_prompt_json(report),
            counterpart=to_prompt_json(other),
            language=state["language"],
        )
        return {"brief": result.output, "calls": [result.record]}

    return await _guarded(synthesis.NAME, work)


def extra_node(
    agent: ProfileAgent,
) -> Callable[[PrepState, Runtime[PrepContext]], Awaitable[Update]]:
    """The graph node of an additional agent registered in `negoprep.agents.registry`."""

    async def node(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        if agent.name in (state.get("extras") or {}):
            return {}
        if (skip := _needs_profile(agent.name, state)) is not None:
            return skip
        profile = state["profile"]
        assert profile is not None

        async def work() -> Update:
            result = await agent.run(
                runtime.context.deps,
                brief=state["case"].brief_text(),
                profile=profile,
                language=state["language"],
            )
            return {"extras": {agent.name: result.output}, "calls": [result.record]}

        return await _guarded(agent.name, work)

    return node


def build(
    extra_agents: Sequence[ProfileAgent] = EXTRA_AGENTS,
) -> StateGraph[PrepState, PrepContext, PrepInput, PrepState]:
    """The graph; `extra_agents` run beside the challenger and the counterpart simulator."""
    builder = StateGraph(PrepState, context_schema=PrepContext, input_schema=PrepInput)
    builder.add_node("plan", plan)
    # The node reads a PartInput (sent by `route_parts`), not the graph state.
    builder.add_node("extract_part", cast(Any, extract_part), input_schema=PartInput)
    builder.add_node("merge", merge)
    builder.add_node("challenger", challenge)
    builder.add_node("counterpart", simulate_counterpart)
    builder.add_node("synthesis", synthesise)
    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", route_parts, ["extract_part", "merge"])
    builder.add_edge("extract_part", "merge")
    builder.add_edge("merge", "challenger")
    builder.add_edge("merge", "counterpart")
    for agent in extra_agents:
        builder.add_node(agent.name, cast(Any, extra_node(agent)))
        builder.add_edge("merge", agent.name)
    builder.add_edge(["challenger", "counterpart", *(a.name for a in extra_agents)], "synthesis")
    builder.add_edge("synthesis", END)
    return builder


graph = build().compile(name="preparation")
