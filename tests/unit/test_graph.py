"""The preparation graph with a scripted model injected through its context."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import example_json, focused_calls, reply_schema
from fakes import ScriptedProvider, run_preparation
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver

from negoprep.agents.base import AgentDeps
from negoprep.agents.extractor import FOCUSES, DealProfile
from negoprep.agents.registry import preparation_agents
from negoprep.agents.synthesis import OnePageBrief
from negoprep.graphs.context import PrepDeps
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.llm.provider import ModelConfig
from negoprep.reading.case import Case
from negoprep.reading.ingest import load_case

SCHEMAS = {a.name: a.schema for a in preparation_agents()}
CASE_DIR = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(CASE_DIR)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def scripted(
    case: Case, fail: Callable[[str, str], bool] = lambda a, c: False, delay: float = 0.0
) -> ScriptedProvider:
    def respond(agent: str, call: str, messages: list[BaseMessage]) -> str:
        if fail(agent, call):
            raise ConnectionError(f"provider down for {call}")
        return example_json(
            reply_schema(agent, call, SCHEMAS), case, ["partial-alternatives"], messages
        )

    return ScriptedProvider(respond, delay=delay)


async def run(
    provider: ScriptedProvider,
    kb: KnowledgeBase,
    *,
    max_parts: int = 60,
    saver: InMemorySaver | None = None,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    deps = PrepDeps(
        agents=AgentDeps(models=provider, prompts=PromptLibrary.load(), knowledge=kb),
        max_parts=max_parts,
    )
    return await run_preparation(deps, CASE_DIR, saver=saver, config=config)


async def test_full_run_produces_every_section(case: Case, kb: KnowledgeBase) -> None:
    provider = scripted(case)
    out = await run(provider, kb)
    calls = [c.call for c in provider.history]
    extraction = len(FOCUSES)
    analysts = focused_calls("challenger", "counterpart")
    assert sorted(calls[:extraction]) == focused_calls("extractor") and calls[-1] == "synthesis"
    assert sorted(calls[extraction : extraction + len(analysts)]) == analysts
    assert isinstance(out["profile"], DealProfile) and isinstance(
        out["one_page_brief"], OnePageBrief
    )
    assert out.get("failures", {}) == {}
    assert {c.agent for c in out["calls"]} == set(SCHEMAS)
    assert all(c.input_tokens == 100 and c.prompt_hash for c in out["calls"])
    assert out["knowledge_used"], "the challenger retrieved knowledge entries"
    prompt = str(provider.calls("challenger")[0].messages[1].content)
    assert f"[{out['knowledge_used'][0]}]" in prompt, (
        "retrieved entries are in the challenger's prompt"
    )
    assert "Write every text field in English" in str(
        provider.calls("extractor")[0].messages[1].content  # the task follows the documents
    )


async def test_the_extractor_is_focused_calls_in_parallel_with_a_shared_prefix(
    case: Case, kb: KnowledgeBase
) -> None:
    provider = scripted(case)
    provider.meet = set(focused_calls("extractor"))  # each waits for all the others
    out = await run(provider, kb)
    assert out.get("failures", {}) == {}, "the focused calls were in flight at the same time"
    calls = provider.calls("extractor")
    systems = {str(c.messages[0].content) for c in calls}
    users = [str(c.messages[1].content) for c in calls]
    shared = users[0][: users[0].index("## Your part of the deal profile")]
    assert len(systems) == 1 and all(u.startswith(shared) for u in users), "one shared prefix"
    assert all(len(u) - len(shared) < 600 for u in users), "only the focus differs, at the end"
    profile = out["profile"]
    assert profile.facts and profile.interests and profile.risks and profile.parties


async def test_each_analyst_shares_one_prefix_and_the_counterpart_reuses_the_documents(
    case: Case, kb: KnowledgeBase
) -> None:
    provider = scripted(case)
    out = await run(provider, kb)
    assert out.get("failures", {}) == {}

    def sent(agent: str) -> list[tuple[str, str]]:
        calls = provider.calls(agent)
        return [
            (str(c.messages[0].content), str(c.messages[1].content).split("Reply with")[0])
            for c in calls
        ]

    extraction, challenges, profiles = sent("extractor"), sent("challenger"), sent("counterpart")
    documents = extraction[0][1][: extraction[0][1].index("## Your task: the deal profile")]
    assert case.passages[-1].text.split()[0] in documents, "the prefix ends with the documents"
    for system, user in profiles:  # the same first tokens as the extractor's calls
        assert system == extraction[0][0] and user.startswith(documents)
    for agent, calls, marker in (
        ("challenger", challenges, "## Your part of the challenge report"),
        ("counterpart", profiles, "## Your part of the counterpart profile"),
    ):
        shared = calls[0][1][: calls[0][1].index(marker)]
        assert len({system for system, _ in calls}) == 1, agent
        assert all(user.startswith(shared) and len(user) - len(shared) < 800 for _, user in calls)


async def test_challenger_and_counterpart_really_overlap(case: Case, kb: KnowledgeBase) -> None:
    provider = scripted(case)
    # Each answers only once all the analysts' focused calls are asked.
    provider.meet = set(focused_calls("challenger", "counterpart"))
    out = await run(provider, kb)
    assert out.get("failures", {}) == {}, "the calls were in flight at the same time"
    extracted = max(c.ended for c in provider.calls("extractor"))
    (sy,) = provider.calls("synthesis")
    analysts = provider.calls("challenger") + provider.calls("counterpart")
    assert extracted <= min(c.started for c in analysts)
    assert sy.started >= max(c.ended for c in analysts)


async def test_a_failed_agent_keeps_the_others_work(case: Case, kb: KnowledgeBase) -> None:
    provider = scripted(case, fail=lambda agent, call: agent == "challenger")
    out = await run(provider, kb)
    assert out["counterpart"] is not None and out["profile"] is not None
    assert out.get("challenge") is None
    assert "provider down for challenger" in out["failures"]["challenger"]
    assert out["failures"]["synthesis"].startswith("skipped: needs the output of challenger")
    assert not provider.calls("synthesis")


async def test_extractor_failure_skips_dependents_with_reasons(
    case: Case, kb: KnowledgeBase
) -> None:
    provider = scripted(case, fail=lambda agent, call: agent == "extractor")
    out = await run(provider, kb)
    assert set(out["failures"]) == set(SCHEMAS)
    assert "provider down for extractor" in out["failures"]["extractor"]
    assert "extractor failed" in out["failures"]["challenger"]
    assert [c.agent for c in provider.history] == ["extractor"] * len(FOCUSES)


def parts_of(calls: list[Any]) -> set[str]:
    """The parts of the case that focused calls read ('extractor.part-2.facts' -> part-2)."""
    return {c.call.split(".")[1] for c in calls if ".part-" in c.call}


def small_context(provider: ScriptedProvider, tokens: int) -> ScriptedProvider:
    provider.config_overrides["extractor"] = ModelConfig(model="small", context_tokens=tokens)
    return provider


async def test_large_case_is_mapped_over_parts_then_merged(case: Case, kb: KnowledgeBase) -> None:
    provider = small_context(scripted(case, delay=0.05), 1500)
    out = await run(provider, kb)
    part_calls = [c for c in provider.calls("extractor") if ".part-" in c.call]
    assert len(parts_of(part_calls)) > 3
    starts = sorted(c.started for c in part_calls)
    assert starts[1] < min(c.ended for c in part_calls), "parts are extracted in parallel"
    merge_calls = [c for c in provider.calls("extractor") if ".merge" in c.call]
    assert any(c.call.startswith("extractor.merge-2.") for c in merge_calls), "merged in rounds"
    merge_prompts = " ".join(str(c.messages[1].content) for c in merge_calls)
    n = len(parts_of(part_calls))
    assert all(f"Part {i} of {n}" in merge_prompts for i in range(1, n + 1))
    assert out["profile"] is not None and out.get("failures", {}) == {}


async def test_one_merge_call_when_the_parts_fit_together(case: Case, kb: KnowledgeBase) -> None:
    provider = small_context(scripted(case), 4000)
    out = await run(provider, kb)
    calls = sorted(c.call for c in provider.calls("extractor"))
    focused = [f"extractor.part-{i}.{f.name}" for i in (1, 2) for f in FOCUSES]
    assert calls == sorted(["extractor.merge", *focused])
    assert out["profile"] is not None


async def test_a_failed_merge_keeps_every_part_item(case: Case, kb: KnowledgeBase) -> None:
    provider = small_context(scripted(case, fail=lambda a, c: ".merge" in c), 1500)
    out = await run(provider, kb)
    parts = len(parts_of(provider.calls("extractor")))
    assert len(out["profile"].facts) == parts, "combined without a model, nothing dropped"
    assert "combined without deduplication" in out["failures"]["extractor"]
    assert out["one_page_brief"] is not None


async def test_failed_part_is_reported_and_the_rest_is_merged(
    case: Case, kb: KnowledgeBase
) -> None:
    provider = small_context(
        scripted(case, fail=lambda a, c: c.startswith("extractor.part-2.")), 1500
    )
    out = await run(provider, kb)
    assert out["profile"] is not None
    assert (
        "partly failed" in out["failures"]["extractor"]
        and "part 2 of" in out["failures"]["extractor"]
    )
    assert out["one_page_brief"] is not None


async def test_parts_beyond_the_limit_are_reported_unread(case: Case, kb: KnowledgeBase) -> None:
    provider = small_context(scripted(case), 1500)
    out = await run(provider, kb, max_parts=2)
    assert len(parts_of(provider.calls("extractor"))) == 2
    assert out["part_failures"] and out["part_failures"][0].startswith("not read: ")
    assert "NEGOPREP_MAX_PARTS" in out["failures"]["extractor"]


async def test_a_new_pass_reruns_only_what_failed(case: Case, kb: KnowledgeBase) -> None:
    saver = InMemorySaver()
    first = await run(scripted(case, fail=lambda a, c: a == "counterpart"), kb, saver=saver)
    assert first.get("counterpart") is None and "counterpart" in first["failures"]
    provider = scripted(case)
    out = await run(provider, kb, saver=saver)
    again = sorted(c.call for c in provider.history)
    assert again == [*focused_calls("counterpart"), "synthesis"]
    assert out["profile"] == first["profile"] and out["one_page_brief"] is not None
    assert out.get("failures", {}) == {}
    assert out["dossier"]["status"] == "complete"
    assert len(out["calls"]) == len(first["calls"]) + len(again), "both passes are counted"


async def test_max_concurrency_bounds_parallel_calls(case: Case, kb: KnowledgeBase) -> None:
    provider = small_context(scripted(case, delay=0.05), 1500)
    await run(provider, kb, config={"max_concurrency": 2})
    events = sorted(
        [(c.started, 1) for c in provider.history] + [(c.ended, -1) for c in provider.history]
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert len(provider.calls("extractor")) > 3 and peak == 2
