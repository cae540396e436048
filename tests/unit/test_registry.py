"""Adding an agent: one module (schema + ProfileAgent), one prompt file, one registration."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from factories import example_json, focused_calls, reply_schema
from fakes import ScriptedProvider, run_preparation
from langchain_core.messages import BaseMessage
from pydantic import Field

from negoprep.agents.base import AgentDeps
from negoprep.agents.registry import AgentSpec, preparation_agents
from negoprep.agents.schemas import Citation, Strict
from negoprep.graphs.context import PrepDeps
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


AGENT = AgentSpec(name="legitimacy", title="Objective criteria", schema=LegitimacyReport)
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
CASE_DIR = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"


async def run(
    tmp_path: Path, fail: bool = False, agent: AgentSpec = AGENT
) -> tuple[dict[str, Any], ScriptedProvider, PromptLibrary]:
    case = load_case(CASE_DIR)
    schemas = {a.name: a.schema for a in preparation_agents([agent])}
    (tmp_path / "prompts").mkdir(parents=True)
    (tmp_path / "prompts" / "legitimacy.md").write_text(PROMPT)
    prompts = PromptLibrary.load([tmp_path / "prompts"], added_ids=[AGENT.name])

    def respond(name: str, call: str, messages: list[BaseMessage]) -> str:
        if fail and name == "legitimacy":
            raise TimeoutError("model timed out")
        return example_json(
            reply_schema(name, call, schemas), case, ["partial-alternatives"], messages
        )

    provider = ScriptedProvider(
        respond, meet={*focused_calls("challenger", "counterpart"), agent.name}
    )
    deps = PrepDeps(
        agents=AgentDeps(models=provider, prompts=prompts, knowledge=KnowledgeBase.load())
    )
    state = await run_preparation(deps, CASE_DIR, extra_agents=[agent])
    return state, provider, prompts


async def test_registered_agent_runs_in_parallel_and_lands_in_the_dossier(tmp_path: Path) -> None:
    state, provider, prompts = await run(tmp_path)
    assert isinstance(state["extras"]["legitimacy"], LegitimacyReport)
    (extra,) = provider.calls("legitimacy")
    assert not state.get("failures"), "the extra agent ran beside the challenger and counterpart"
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
    assert state["one_page_brief"] is not None
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


async def test_an_extra_agent_can_feed_the_synthesis(tmp_path: Path) -> None:
    feeding = replace(AGENT, feeds_synthesis=True)
    state, provider, _ = await run(tmp_path, agent=feeding)
    (synthesis,) = provider.calls("synthesis")
    prompt = str(synthesis.messages[1].content)
    assert "### Objective criteria" in prompt and '"why_both_can_accept_it"' in prompt
    assert "legitimacy" in state["dossier"]["models"], "the models table lists every agent"
    (plain,) = (await run(tmp_path / "b", agent=AGENT))[1].calls("synthesis")
    assert "## Further analysis\n(none)" in str(plain.messages[1].content)


def test_the_built_in_graph_has_no_extra_agents_registered() -> None:
    from negoprep.agents.registry import EXTRA_AGENTS
    from negoprep.graphs.preparation import build

    graph = build(lambda context: None)  # type: ignore[arg-type,return-value]
    assert EXTRA_AGENTS == ()
    assert set(graph.nodes) >= {
        "plan",
        "extract_part",
        "merge",
        *focused_calls("challenger", "counterpart"),
        "assemble_analyses",
        "synthesis",
    }
