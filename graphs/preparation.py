"""The preparation graph: read the case -> extractor (map over parts) -> analysts in parallel ->
synthesis -> dossier.

    read_case -> plan -> extract_part (Send: part x focus) -> merge -> review
        review -> challenger.<focus> (3) -\
               -> counterpart.<focus> (4) -> assemble_analyses -> synthesis -> write_dossier
               -> extras --------------------------------------/

Each large agent writes its output in focused calls that run in parallel (`negoprep.agents.focus`):
the extractor's per part of the case (sent with `Send`), the challenger's and the counterpart
simulator's as one node each, put together without a model. The nodes live in
`extraction.py` (plan, extract_part, merge), `analysis.py` (the analysts) and here (the rest);
`nodes.py` holds what they share.

`review` pauses for the user only when the context asks for it (`review: true`).

Every agent node catches its own failure and records it in `failures`: the run goes on with what
succeeded, and the dossier says what failed and why. A run is one thread on a checkpointer, so an
interrupted run continues where it stopped (`ainvoke(None, config)`), and a new pass on the same
thread (`ainvoke({"case_dir": ...}, config)`) re-reads the case, keeps every output whose inputs
have not changed, and re-runs only what failed or what depends on a changed document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Overwrite, interrupt

from negoprep.agents import extractor, synthesis
from negoprep.agents.base import to_prompt_json
from negoprep.agents.registry import EXTRA_AGENTS, AgentSpec, preparation_agents
from negoprep.agents.review import profile_changes
from negoprep.graphs.analysis import AnalysisNodes, analysis_parts
from negoprep.graphs.context import DepsFactory, PrepContext
from negoprep.graphs.extraction import ExtractionNodes, route_parts
from negoprep.graphs.nodes import BUILTIN, FOCUSED, Update, case_brief, checking, guarded
from negoprep.graphs.state import PartInput, PrepInput, PrepOutput, PrepState
from negoprep.output.dossier import assemble
from negoprep.output.render import render_markdown
from negoprep.reading.ingest import changed_sources, load_case


class Preparation(ExtractionNodes, AnalysisNodes):
    """The graph's nodes, bound to the factory that gives them their dependencies."""

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
            update |= {a.key: None for a in self.agents if a.name in BUILTIN}
            update |= {"extras": Overwrite({}), "knowledge_used": [], "reread": changed}
            update |= {"reviewed": False, "user_changes": [], "analysis_parts": Overwrite([])}
        if changed or extractor.NAME in redo:
            update["part_profiles"] = Overwrite([])
        if isinstance(update.get("analysis_parts"), Overwrite):
            return update | self._redo({**state, "analysis_parts": []}, redo)
        return update | self._redo(state, redo)

    def _redo(self, state: PrepState, redo: dict[str, str]) -> Update:
        """Forget the outputs of the agents to redo and of what depends on them. Each redone
        agent's note is the one given now: a redo without a note withdraws an earlier one; the
        notes of the other agents are kept.

        Raises `ValueError` for an agent name the graph does not have."""
        if not redo:
            return {}
        by_name = {a.name: a for a in self.agents}
        unknown = sorted(set(redo) - set(by_name))
        if unknown:
            known = ", ".join(by_name)
            raise ValueError(f"redo: no agent named {', '.join(unknown)} (known: {known})")
        notes = {**(state.get("notes") or {}), **redo}
        update: Update = {"redo": {}, "notes": Overwrite({k: v for k, v in notes.items() if v})}
        for name in redo:
            spec = by_name[name]
            if spec.name not in BUILTIN:
                kept = {k: v for k, v in (state.get("extras") or {}).items() if k not in redo}
                update["extras"] = Overwrite(kept)
            else:
                update[spec.key] = None
                if spec.name in FOCUSED:
                    parts = [p for p in analysis_parts(state) if p["agent"] not in redo]
                    update["analysis_parts"] = Overwrite(parts)
            if spec.phase != "synthesise":
                update[by_name[synthesis.NAME].key] = None
        return update

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

        return await guarded(synthesis.NAME, work)

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
            progress=checking,
        )
        return {"dossier": dossier.model_dump(mode="json"), "dossier_md": render_markdown(dossier)}


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
        for name, (module, _key, _schema) in FOCUSED.items()
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
