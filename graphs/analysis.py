"""The preparation graph's analysis nodes: the challenger's and the counterpart simulator's
focused calls (one node each), their assembly without a model, and registered extra agents."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from langgraph.runtime import Runtime
from pydantic import ValidationError

from negoprep.agents import challenger, counterpart
from negoprep.agents.focus import assemble as assemble_focuses
from negoprep.agents.registry import AgentSpec
from negoprep.graphs.context import PrepContext
from negoprep.graphs.nodes import (
    FOCUSED,
    Node,
    NodesBase,
    Update,
    case_brief,
    guarded,
    needs_profile,
)
from negoprep.graphs.state import AnalysisPart, PrepState
from negoprep.reading.parts import estimate_tokens, render_passages


def analysis_parts(state: PrepState) -> list[AnalysisPart]:
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


class AnalysisNodes(NodesBase):
    """review -> the analysts' focused calls and extra agents -> assemble_analyses."""

    def focus_node(self, agent: str, focus: str) -> Node:
        """The node of one focused call of the challenger or the counterpart simulator."""

        async def node(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
            if any(p["agent"] == agent and p["focus"] == focus for p in analysis_parts(state)):
                return {}
            if (skip := needs_profile(agent, state)) is not None:
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

            update = await guarded(agent, work, focus)
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
        for module, key, schema in FOCUSED.values():
            parts = {
                p["focus"]: p["output"] for p in analysis_parts(state) if p["agent"] == module.NAME
            }
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
        used = [p["knowledge"] for p in analysis_parts(state) if p["agent"] == challenger.NAME]
        update["knowledge_used"] = used[0] if used else []
        if changed:
            update["one_page_brief"] = None
        return update | ({"failures": failures} if failures else {})

    def extra_node(self, agent: AgentSpec) -> Node:
        """The graph node of an additional agent registered in `agents.registry`."""

        async def node(state: PrepState, runtime: Runtime[PrepContext]) -> Update:
            if agent.name in (state.get("extras") or {}):
                return {}
            if (skip := needs_profile(agent.name, state)) is not None:
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

            return await guarded(agent.name, work)

        return node
