"""Adding an agent: one module (schema + ProfileAgent), one prompt file, one registration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from factories import example_json
from fakes import ScriptedProvider
from langchain_core.messages import BaseMessage
from pydantic import Field

from negoprep.agents.base import AgentDeps
from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.registry import ProfileAgent
from negoprep.agents.schemas import Citation, Strict
from negoprep.agents.synthesis import Brief
from negoprep.graphs.context import PrepContext
from negoprep.graphs.preparation import build
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.output.dossier import assemble
from negoprep.output.render import render_markdown
from negoprep.reading.ingest import load_case


class Criterion(Strict):
    criterion: str
    why_both_can_accept_it: str
    citations: list[Citation]


class LegitimacyReport(Strict):
    criteria: list[Criterion] = Field(description="Objective criteria both sides could accept.")


AGENT = ProfileAgent(name="legitimacy", title="Objective criteria", schema=LegitimacyReport)
PROMPT = """---
id: legitimacy
version: 1
description: Finds objective criteria both sides could accept.
inputs: [case_brief, deal_profile, language]
---
# system
Find objective criteria. Write in {{ language }}.
# user
{{ case_brief }}

{{ deal_profile }}
"""
SCHEMAS = {
    "extractor": DealProfile,
    "challenger": ChallengeReport,
    "counterpart": CounterpartProfile,
    "synthesis": Brief,
    "legitimacy": LegitimacyReport,
}


async def run(
    tmp_path: Path, fail: bool = False
) -> tuple[dict[str, Any], ScriptedProvider, PromptLibrary]:
    case = load_case(Path(__file__).resolve().parents[2] / "cases" / "supplier-claim")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "legitimacy.md").write_text(PROMPT)
    prompts = PromptLibrary.load([tmp_path / "prompts"], added_ids=[AGENT.name])

    def respond(agent: str, call: str, messages: list[BaseMessage]) -> str:
        if fail and agent == "legitimacy":
            raise TimeoutError("model timed out")
        return example_json(SCHEMAS[agent], case, ["partial-alternatives"])

    provider = ScriptedProvider(respond, delay=0.2)
    deps = AgentDeps(models=provider, prompts=prompts, knowledge=KnowledgeBase.load())
    graph = build(extra_agents=[AGENT]).compile()
    state = await graph.ainvoke(
        {"case": case, "language": "English"}, context=PrepContext(deps=deps)
    )
    return dict(state), provider, prompts


async def test_registered_agent_runs_in_parallel_and_lands_in_the_dossier(tmp_path: Path) -> None:
    state, provider, prompts = await run(tmp_path)
    assert isinstance(state["extras"]["legitimacy"], LegitimacyReport)
    (extra,) = provider.calls("legitimacy")
    (challenger,) = provider.calls("challenger")
    assert extra.started < challenger.ended and challenger.started < extra.ended
    assert "Find objective criteria. Write in English." in str(extra.messages[0].content)
    dossier = assemble(
        state,
        knowledge=KnowledgeBase.load(),
        prompts=prompts,
        models={},
        mode="t",
        extra_agents=[AGENT],
    )
    assert dossier.extras["legitimacy"].title == "Objective criteria"
    markdown = render_markdown(dossier)
    assert "## Objective criteria" in markdown and "### Criteria" in markdown
    cited = state["extras"]["legitimacy"].criteria[0].citations[0]
    assert f"{cited.passage_id} “{cited.quote}”" in markdown
    assert dossier.grounding.unverified == 0
    assert any(c.prompt_id == "legitimacy" for c in dossier.calls)


async def test_a_failed_registered_agent_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    state, _provider, prompts = await run(tmp_path, fail=True)
    assert "model timed out" in state["failures"]["legitimacy"]
    assert state["brief"] is not None
    markdown = render_markdown(
        assemble(
            state,
            knowledge=KnowledgeBase.load(),
            prompts=prompts,
            models={},
            mode="t",
            extra_agents=[AGENT],
        )
    )
    assert "Missing: the legitimacy did not produce this part" in markdown


def test_the_built_in_graph_has_no_extra_agents_registered() -> None:
    from negoprep.agents.registry import EXTRA_AGENTS
    from negoprep.graphs.preparation import graph

    assert EXTRA_AGENTS == ()
    assert set(graph.nodes) >= {
        "plan",
        "extract_part",
        "merge",
        "challenger",
        "counterpart",
        "synthesis",
    }
