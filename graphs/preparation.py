"""The preparation graph: read the case -> extractor (map over parts) -> analysts in parallel ->
synthesis -> dossier.

    read_case -> plan -> extract_part (Send: part x focus) -> merge -> review
        review -> challenger.<focus> (3) -\
               -> counterpart.<focus> (4) -> assemble_analyses -> synthesis -> write_dossier
               -> extras --------------------------------------/

Each large agent writes its output in focused calls that run in parallel (`negoprep.agents.focus`):
the extractor's per part of the case (sent with `Send`), the challenger's and the counterpart
simulator's as one node each, put together without a model.

`review` pauses for the user only when the context asks for it (`review: true`).

Every agent node catches its own failure and records it in `failures`: the run goes on with what
succeeded, and the dossier says what failed and why. A run is one thread on a checkpointer, so an
interrupted run continues where it stopped (`ainvoke(None, config)`), and a new pass on the same
thread (`ainvoke({"case_dir": ...}, config)`) re-reads the case, keeps every output whose inputs
have not changed, and re-runs only what failed or what depends on a changed document.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, cast

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Overwrite, Send, interrupt
from pydantic import BaseModel, ValidationError

from negoprep.agents import challenger, counterpart, extractor, synthesis
from negoprep.agents.base import AgentCallFailed, to_prompt_json
from negoprep.agents.focus import assemble as assemble_focuses
from negoprep.agents.merge import merge_profiles
from negoprep.agents.registry import EXTRA_AGENTS, AgentSpec, preparation_agents
from negoprep.agents.review import profile_changes
from negoprep.graphs.context import DepsFactory, PrepContext, PrepDeps
from negoprep.graphs.state import AnalysisPart, PartInput, PrepInput, PrepOutput, PrepState
from negoprep.llm.errors import describe_failure
from negoprep.output.dossier import assemble
from negoprep.output.render import render_markdown
from negoprep.reading.ingest import changed_sources, load_case
from negoprep.reading.parts import (
    describe_passages,
    estimate_tokens,
    render_passages,
    split_into_parts,
)

Update = dict[str, Any]
Node = Callable[[PrepState, Runtime[PrepContext]], Awaitable[Update]]


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


def _checking(done: int, total: int) -> None:
    """Progress of the search for quotes that are not in their cited passage."""
    with contextlib.suppress(RuntimeError):
        get_stream_writer()({"kind": "checking", "done": done, "total": total})


def _needs_profile(agent: str, state: PrepState) -> Update | None:
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


def route_parts(state: PrepState) -> list[Send] | str:
    planned = state.get("planned") or []
    if not planned:
        return "merge"
    return [Send("extract_part", part) for part in planned]


def _grouped(failures: Sequence[str]) -> list[str]:
    """Failed focused calls with the same reason said once: 'parties, facts: <reason>'."""
    names = "|".join(f.name for f in extractor.FOCUSES)
    pattern = re.compile(rf"^(?:(part \d+ of \d+): )?({names}): (.*)$", re.DOTALL)
    grouped: dict[str, list[str]] = {}
    other: list[str] = []
    for text in failures:
        match = pattern.match(text)
        if match is None:
            other.append(text)
            continue
        part, focus, reason = match.groups()
        grouped.setdefault(reason, []).append(f"{part} ({focus})" if part else focus)
    return [*other, *(f"{', '.join(where)}: {reason}" for reason, where in grouped.items())]


def _assembled(focused: Sequence[Any]) -> list[dict[str, Any]]:
    """Per part of the case, in order: its deal profile, put together from its focused calls
    without a model (a focus that failed leaves its sections empty; the failure is reported)."""
    by_part: dict[int, dict[str, Any]] = {}
    for item in focused:
        entry = by_part.setdefault(item["index"], {"scope": item["scope"], "focuses": {}})
        entry["focuses"][item["focus"]] = item["profile"]
    out = []
    for index in sorted(by_part):
        profile, _missing = extractor.assemble_profile(by_part[index]["focuses"])
        out.append({"index": index, "scope": by_part[index]["scope"], "profile": profile})
    return out


def _parts(state: PrepState) -> list[AnalysisPart]:
    return state.get("analysis_parts") or []


def _grouped_focuses(missing: Sequence[str], failed: dict[str, str]) -> str:
    """'trades, process: <reason>' for focused calls that failed with the same reason."""
    grouped: dict[str, list[str]] = {}
    for name in missing:
        grouped.setdefault(failed.get(name, "not run"), []).append(name)
    return "; ".join(f"{', '.join(names)}: {reason}" for reason, names in grouped.items())


def counterpart_documents(state: PrepState, budget_tokens: int) -> str:
    text = render_passages(state["case"], state["case"].passages)
    if estimate_tokens(text) <= budget_tokens // 2:
        return text
    return (
        "(The documents are too long to include here. Rely on the deal profile and cite only "
        "passages and quotes that appear in its citations.)"
    )


class Preparation:
    """The graph's nodes, bound to the factory that gives them their dependencies."""

    def __init__(self, deps_for: DepsFactory, agents: Sequence[AgentSpec]) -> None:
        self.deps_for = deps_for
        self.agents = tuple(agents)
        self.extras = tuple(a for a in agents if a.phase == "analyse" and a.name not in _BUILTIN)

    def deps(self, runtime: Runtime[PrepContext]) -> PrepDeps:
        return self.deps_for(runtime.context or PrepContext())

    async def read_case(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """Read the case folder; if a document changed since the last pass, forget what
        depends on it. Raises `negoprep.reading.ingest.CaseError` for an unusable folder."""
        requested = (runtime.context or PrepContext()).language
        case = await asyncio.to_thread(load_case, Path(state["case_dir"]), requested)
        language = case.language(requested)
        update: Update = {
            "case": case,
            "language": language,
            "reread": [],
            "failures": Overwrite({}),
            "analysis_failures": Overwrite({}),
            "part_failures": Overwrite([]),
        }
        previous = state.get("case")
        if previous is None:
            return update | self._redo(state, dict(state.get("redo") or {}))
        changed = changed_sources(previous, case)
        if language != state.get("language"):
            changed.append(f"language: {state.get('language')} -> {language}")
        redo = dict(state.get("redo") or {})
        if changed or extractor.NAME in (state.get("failures") or {}) or extractor.NAME in redo:
            # Everything rests on the deal profile: re-extract what is missing (all of it if a
            # document changed), then every analysis runs again on the new profile.
            update |= {a.key: None for a in self.agents if a.name in _BUILTIN}
            update |= {"extras": Overwrite({}), "knowledge_used": [], "reread": changed}
            update |= {"reviewed": False, "user_changes": [], "analysis_parts": Overwrite([])}
        if changed or extractor.NAME in redo:
            update["part_profiles"] = Overwrite([])
        if isinstance(update.get("analysis_parts"), Overwrite):
            return update | self._redo({**state, "analysis_parts": []}, redo)
        return update | self._redo(state, redo)

    def _redo(self, state: PrepState, redo: dict[str, str]) -> Update:
        """Forget the outputs of the agents to redo and of what depends on them; keep the notes.

        Raises `ValueError` for an agent name the graph does not have."""
        if not redo:
            return {}
        by_name = {a.name: a for a in self.agents}
        unknown = sorted(set(redo) - set(by_name))
        if unknown:
            known = ", ".join(by_name)
            raise ValueError(f"redo: no agent named {', '.join(unknown)} (known: {known})")
        update: Update = {"redo": {}, "notes": {k: v for k, v in redo.items() if v}}
        for name in redo:
            spec = by_name[name]
            if spec.name not in _BUILTIN:
                kept = {k: v for k, v in (state.get("extras") or {}).items() if k not in redo}
                update["extras"] = Overwrite(kept)
            else:
                update[spec.key] = None
                if spec.name in _FOCUSED:
                    parts = [p for p in _parts(state) if p["agent"] not in redo]
                    update["analysis_parts"] = Overwrite(parts)
            if spec.phase != "synthesise":
                update[by_name[synthesis.NAME].key] = None
        return update

    async def plan(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """Decide how the case is read: in one call, or in parts that each fit the budget."""
        if state.get("profile") is not None:
            return {"planned": []}
        deps = self.deps(runtime)
        case = state["case"]
        budget = deps.agents.models.config(extractor.NAME).context_tokens
        parts = split_into_parts(case, budget)
        limit = deps.max_parts
        kept, dropped = parts[:limit], parts[limit:]
        planned = [
            PartInput(
                index=i,
                total=len(kept),
                scope=part.scope(i, len(kept), case),
                documents=render_passages(case, part.passages),
                case_brief=case_brief(state, extractor.NAME),
                language=state["language"],
                focus="",
            )
            for i, part in enumerate(kept, start=1)
        ]
        unread = []
        if dropped:
            first, last = dropped[0].passages[0].id, dropped[-1].passages[-1].id
            files = describe_passages(case, [p for part in dropped for p in part.passages])
            unread.append(
                f"not read: {len(dropped)} part(s), passages {first} to {last}, from {files}: "
                f"the case is larger than {limit} extraction calls of {budget} tokens (raise "
                "NEGOPREP_MAX_PARTS or NEGOPREP_CONTEXT_TOKENS to read it all)"
            )
        # Each part is read by focused calls in parallel (one graph node each, so a checkpoint
        # keeps every finished one); their prompts share a prefix (instructions, documents).
        # Calls finished in an earlier pass over the same documents are kept, not redone.
        done = {(p["index"], p["focus"]) for p in state.get("part_profiles") or []}
        focused = [
            PartInput(**{**p, "focus": f.name})
            for p in planned
            for f in extractor.FOCUSES
            if (p["index"], f.name) not in done
        ]
        return {"planned": focused, "part_failures": unread}

    async def extract_part(self, part: PartInput, runtime: Runtime[PrepContext]) -> Update:
        focus = part["focus"]
        whole = part["total"] == 1
        call = (
            f"{extractor.NAME}.{focus}"
            if whole
            else (f"{extractor.NAME}.part-{part['index']}.{focus}")
        )
        detail = focus if whole else f"part {part['index']} of {part['total']}: {focus}"

        async def work() -> Update:
            result = await extractor.extract(
                self.deps(runtime).agents,
                call=call,
                brief=part["case_brief"],
                documents=part["documents"],
                scope=part["scope"],
                language=part["language"],
                focus=focus,
            )
            profile = {
                "index": part["index"],
                "scope": part["scope"],
                "focus": focus,
                "profile": result.output,
            }
            return {"part_profiles": [profile], "calls": [result.record]}

        update = await _guarded(extractor.NAME, work, detail)
        if "failures" in update:
            reason = update["failures"][extractor.NAME]
            return {
                "part_failures": [f"{detail or 'the case'}: {reason}"],
                "calls": update.get("calls", []),
            }
        return update

    async def merge(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """One deal profile from the parts (a reduce call when there were several)."""
        if state.get("profile") is not None:
            return {}
        parts = _assembled(state.get("part_profiles") or [])
        failed = _grouped(state.get("part_failures") or [])
        if not parts:
            reason = "; ".join(failed) or "no part was extracted"
            return {"planned": [], "failures": {extractor.NAME: reason}}
        partly = (
            "partly failed; the profile covers only the parts read: " + "; ".join(failed)
            if failed
            else ""
        )
        # The parts' text has been sent; later checkpoints need not keep a copy of it.
        done: Update = {"planned": []}
        if len(parts) == 1:
            single: Update = {**done, "profile": parts[0]["profile"]}
            return single | ({"failures": {extractor.NAME: partly}} if partly else {})
        profile, calls, problems = await merge_profiles(
            self.deps(runtime).agents,
            [(p["scope"], p["profile"]) for p in parts],
            brief=case_brief(state, extractor.NAME),
            language=state["language"],
            emit=lambda status, detail, reason="": _progress(
                extractor.NAME, status, detail, reason
            ),
        )
        reasons = [*problems, *([partly] if partly else [])]
        result: Update = {**done, "profile": profile, "calls": calls}
        if reasons:
            result["failures"] = {extractor.NAME: "; ".join(reasons)}
        return result

    async def review(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """With `review` in the context, pause for the user to correct the deal profile.

        The run waits at a LangGraph `interrupt` whose value is `{"kind": "review", "profile":
        <the profile as JSON>}`; it continues with `Command(resume=<the corrected profile as
        JSON>)`. Nothing precedes the interrupt: the node runs again from the top on resume.
        Raises `pydantic.ValidationError` for a correction that is not a deal profile.
        """
        context = runtime.context or PrepContext()
        profile = state.get("profile")
        if not context.review or state.get("reviewed") or profile is None:
            return {}
        corrected = interrupt({"kind": "review", "profile": profile.model_dump(mode="json")})
        revised = extractor.DealProfile.model_validate(corrected)
        return {
            "profile": revised,
            "reviewed": True,
            "user_changes": profile_changes(profile, revised),
        }

    def focus_node(self, agent: str, focus: str) -> Node:
        """The node of one focused call of the challenger or the counterpart simulator."""

        async def node(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
            if any(p["agent"] == agent and p["focus"] == focus for p in _parts(state)):
                return {}
            if (skip := _needs_profile(agent, state)) is not None:
                return skip
            profile = state["profile"]
            assert profile is not None
            deps = self.deps(runtime).agents
            passages = [p.id for p in state["case"].passages]
            brief = case_brief(state, agent)

            async def work() -> Update:
                used: list[str] = []
                if agent == challenger.NAME:
                    result, used = await challenger.challenge(
                        deps,
                        focus=focus,
                        brief=brief,
                        profile=profile,
                        passage_ids=passages,
                        language=state["language"],
                    )
                else:
                    budget = deps.models.config(counterpart.NAME).context_tokens
                    result = await counterpart.profile_counterpart(
                        deps,
                        focus=focus,
                        brief=brief,
                        profile=profile,
                        passage_ids=passages,
                        documents=counterpart_documents(state, budget),
                        language=state["language"],
                    )
                part = AnalysisPart(agent=agent, focus=focus, output=result.output, knowledge=used)
                return {"analysis_parts": [part], "calls": [result.record]}

            update = await _guarded(agent, work, focus)
            if "failures" in update and "analysis_parts" not in update:
                reason = update.pop("failures")[agent]
                update["analysis_failures"] = {f"{agent}.{focus}": reason}
            return update

        return node

    async def assemble_analyses(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """The challenge report and the counterpart profile, put together from their focused
        parts without a model. A failed focus leaves its sections empty and is reported; the
        one-page brief is written again when an analysis changed since it was written."""
        if state.get("profile") is None:
            return {}
        update: Update = {}
        failures: dict[str, str] = {}
        changed = False
        for module, key, schema in _FOCUSED.values():
            parts = {p["focus"]: p["output"] for p in _parts(state) if p["agent"] == module.NAME}
            failed = {
                name.split(".", 1)[1]: reason
                for name, reason in (state.get("analysis_failures") or {}).items()
                if name.split(".", 1)[0] == module.NAME
            }
            output = None
            missing = [f.name for f in module.FOCUSES if f.name not in parts]
            if parts:
                with contextlib.suppress(ValidationError):  # a missing part it cannot do without
                    output, missing = assemble_focuses(schema, module.FOCUSES, parts)
            if missing:
                reasons = _grouped_focuses(missing, failed)
                prefix = "partly failed; missing " if output is not None else ""
                failures[module.NAME] = prefix + reasons
            if output != state.get(key):
                changed = True
            update[key] = output
        used = [p["knowledge"] for p in _parts(state) if p["agent"] == challenger.NAME]
        update["knowledge_used"] = used[0] if used else []
        if changed:
            update["one_page_brief"] = None
        return update | ({"failures": failures} if failures else {})

    def extra_node(self, agent: AgentSpec) -> Node:
        """The graph node of an additional agent registered in `agents.registry`."""

        async def node(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
            if agent.name in (state.get("extras") or {}):
                return {}
            if (skip := _needs_profile(agent.name, state)) is not None:
                return skip
            profile = state["profile"]
            assert profile is not None

            async def work() -> Update:
                result = await agent.run(
                    self.deps(runtime).agents,
                    brief=case_brief(state, agent.name),
                    profile=profile,
                    language=state["language"],
                    passage_ids=[p.id for p in state["case"].passages],
                )
                return {"extras": {agent.name: result.output}, "calls": [result.record]}

            return await _guarded(agent.name, work)

        return node

    async def synthesise(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        if state.get("one_page_brief") is not None:
            return {}
        extras = state.get("extras") or {}
        needed = [
            (spec.name, state.get(spec.key) if spec.state_key else extras.get(spec.name))
            for spec in self.agents
            if spec.name == extractor.NAME or spec.feeds_synthesis
        ]
        missing = [name for name, output in needed if output is None]
        if missing:
            reason = f"skipped: needs the output of {', '.join(missing)}, which failed"
            return {"failures": {synthesis.NAME: reason}}
        profile, report, other = state["profile"], state["challenge"], state["counterpart"]
        assert profile is not None and report is not None and other is not None
        further = [
            f"### {spec.title}\n{to_prompt_json(extras[spec.name])}"
            for spec in self.extras
            if spec.feeds_synthesis
        ]

        async def work() -> Update:
            result = await synthesis.synthesise(
                self.deps(runtime).agents,
                brief=case_brief(state, synthesis.NAME),
                deal_profile=to_prompt_json(profile),
                challenge=to_prompt_json(report),
                counterpart=to_prompt_json(other),
                further_analysis="\n\n".join(further) or "(none)",
                language=state["language"],
            )
            return {"one_page_brief": result.output, "calls": [result.record]}

        return await _guarded(synthesis.NAME, work)

    async def write_dossier(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """The dossier as data and as Markdown, from everything the run has (no model call)."""
        deps = self.deps(runtime)
        dossier = assemble(
            dict(state),
            knowledge=deps.agents.knowledge,
            prompts=deps.agents.prompts,
            models={a.name: deps.model_info(a.name) for a in self.agents},
            mode=deps.describe_source(),
            extra_agents=self.extras,
            progress=_checking,
        )
        return {"dossier": dossier.model_dump(mode="json"), "dossier_md": render_markdown(dossier)}


_BUILTIN = {extractor.NAME, challenger.NAME, counterpart.NAME, synthesis.NAME}
_FOCUSED: dict[str, tuple[Any, str, type[BaseModel]]] = {
    challenger.NAME: (challenger, "challenge", challenger.ChallengeReport),
    counterpart.NAME: (counterpart, "counterpart", counterpart.CounterpartProfile),
}
"""The analysts whose output is written by focused calls: module, state key, schema."""


def build(
    deps_for: DepsFactory, extra_agents: Sequence[AgentSpec] = EXTRA_AGENTS
) -> StateGraph[PrepState, PrepContext, PrepInput, PrepOutput]:
    """The uncompiled graph; `deps_for` turns a run's `PrepContext` into its dependencies.

    `extra_agents` run beside the challenger and the counterpart simulator. Compile it with a
    checkpointer (`negoprep.app.checkpoints`) to make runs durable, or without one.
    """
    nodes = Preparation(deps_for, preparation_agents(extra_agents))
    builder = StateGraph(
        PrepState, context_schema=PrepContext, input_schema=PrepInput, output_schema=PrepOutput
    )
    builder.add_node("read_case", nodes.read_case)
    builder.add_node("plan", nodes.plan)
    # The node reads a PartInput (sent by `route_parts`), not the graph state.
    builder.add_node("extract_part", cast(Any, nodes.extract_part), input_schema=PartInput)
    builder.add_node("merge", nodes.merge)
    builder.add_node("review", nodes.review)
    focused = [
        (f"{name}.{f.name}", name, f.name)
        for name, (module, _key, _schema) in _FOCUSED.items()
        for f in module.FOCUSES
    ]
    for node, name, focus in focused:
        builder.add_node(node, cast(Any, nodes.focus_node(name, focus)))
    builder.add_node("assemble_analyses", nodes.assemble_analyses)
    builder.add_node(synthesis.NAME, nodes.synthesise)
    builder.add_node("write_dossier", nodes.write_dossier)
    builder.add_edge(START, "read_case")
    builder.add_edge("read_case", "plan")
    builder.add_conditional_edges("plan", route_parts, ["extract_part", "merge"])
    builder.add_edge("extract_part", "merge")
    builder.add_edge("merge", "review")
    for agent in nodes.extras:
        builder.add_node(agent.name, cast(Any, nodes.extra_node(agent)))
    for name in [node for node, _agent, _focus in focused] + [a.name for a in nodes.extras]:
        builder.add_edge("review", name)
    builder.add_edge([node for node, _agent, _focus in focused], "assemble_analyses")
    builder.add_edge(["assemble_analyses", *(a.name for a in nodes.extras)], synthesis.NAME)
    builder.add_edge(synthesis.NAME, "write_dossier")
    builder.add_edge("write_dossier", END)
    return builder
