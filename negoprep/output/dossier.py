"""The dossier as data (`dossier.json`): the agents' outputs, checked, with where they came from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from negoprep.agents.base import CallRecord
from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.registry import EXTRA_AGENTS, ProfileAgent, preparation_agents
from negoprep.agents.schemas import iter_citations, iter_kb_refs
from negoprep.agents.synthesis import OnePageBrief
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.reading.case import Case
from negoprep.reading.grounding import CitationCheck, Progress, check_all, clean_id


class KnowledgeRef(BaseModel):
    id: str
    title: str
    source: str
    when_to_use: str = ""
    body: str = ""
    """The entry's text as it was used, so the reading page can open it in place."""


class PromptRef(BaseModel):
    id: str
    version: str
    hash: str
    source: str


class GroundingSummary(BaseModel):
    total: int
    verified: int
    unverified: int
    unknown_kb_refs: list[str]


class ExtraSection(BaseModel):
    """The output of an additional agent registered in `negoprep.agents.registry`."""

    title: str
    output: dict[str, Any]


class Dossier(BaseModel):
    format_version: Literal[1] = 1
    created_at: str
    status: Literal["complete", "incomplete"]
    case: Case
    language: str
    one_page_brief: OnePageBrief | None
    profile: DealProfile | None
    challenge: ChallengeReport | None
    counterpart: CounterpartProfile | None
    extras: dict[str, ExtraSection] = Field(default_factory=dict)
    failures: dict[str, str] = Field(description="Agent -> why it failed or was skipped.")
    part_failures: list[str]
    knowledge_used: list[KnowledgeRef]
    citation_checks: list[CitationCheck]
    grounding: GroundingSummary
    models: dict[str, dict[str, Any]]
    prompts: list[PromptRef]
    calls: list[CallRecord]
    mode: str = Field(description="live, record, replay or author, and the cassette folder.")
    user_changes: list[str] = Field(
        default_factory=list,
        description="What the user changed in the deal profile before the other agents ran.",
    )
    notes: dict[str, str] = Field(
        default_factory=dict, description="Agent -> the user's note it was run again with."
    )

    def check_for(self, passage_id: str, quote: str) -> CitationCheck | None:
        for check in self.citation_checks:
            if check.passage_id == passage_id and check.quote == quote:
                return check
        return None

    def tokens(self) -> tuple[int, int]:
        return sum(c.input_tokens for c in self.calls), sum(c.output_tokens for c in self.calls)


def assemble(
    state: dict[str, Any],
    *,
    knowledge: KnowledgeBase,
    prompts: PromptLibrary,
    models: dict[str, dict[str, Any]],
    mode: str,
    extra_agents: Sequence[ProfileAgent] = EXTRA_AGENTS,
    progress: Progress | None = None,
) -> Dossier:
    case: Case = state["case"]
    extras: dict[str, BaseModel] = dict(state.get("extras") or {})
    outputs = [state.get(a.key) for a in preparation_agents(())]
    outputs += list(extras.values())
    checks = check_all(
        (c for o in outputs if o is not None for c in iter_citations(o)),
        case.passage_map(),
        progress,
    )
    refs = sorted({r for o in outputs if o is not None for r in iter_kb_refs(o)})
    unknown_refs = [r for r in refs if r not in knowledge.entries]
    used_ids = list(
        dict.fromkeys(
            [*state.get("knowledge_used", []), *(r for r in refs if r in knowledge.entries)]
        )
    )
    knowledge_used = [
        KnowledgeRef(
            id=i,
            title=knowledge.entries[i].title,
            source=_source(knowledge, i),
            when_to_use=knowledge.entries[i].when_to_use,
            body=knowledge.entries[i].body,
        )
        for i in used_ids
        if i in knowledge.entries
    ]
    calls: list[CallRecord] = list(state.get("calls", []))
    used_prompts = {c.prompt_id for c in calls}
    # A prompt sent after a shared prefix used that prefix too (its call's hash covers both).
    used_prompts |= {prompts.prompts[i].prefix for i in used_prompts if i in prompts.prompts}
    prompt_refs = [
        PromptRef(id=p.id, version=p.version, hash=p.hash, source=str(p.path))
        for p in prompts.prompts.values()
        if p.id in used_prompts
    ]
    failures = dict(state.get("failures", {}))
    # dossier.json keeps the passages that are cited (full text, for checking), not the whole case.
    cited = {clean_id(c.passage_id) for c in checks}
    case = case.model_copy(update={"passages": [p for p in case.passages if p.id in cited]})
    verified = sum(1 for c in checks if c.verified)
    return Dossier(
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        status="incomplete" if failures else "complete",
        case=case,
        language=state["language"],
        one_page_brief=state.get("one_page_brief"),
        profile=state.get("profile"),
        challenge=state.get("challenge"),
        counterpart=state.get("counterpart"),
        extras={
            agent.name: ExtraSection(
                title=agent.title, output=extras[agent.name].model_dump(mode="json")
            )
            for agent in extra_agents
            if agent.name in extras
        },
        failures=failures,
        part_failures=list(state.get("part_failures", [])),
        knowledge_used=knowledge_used,
        citation_checks=checks,
        grounding=GroundingSummary(
            total=len(checks),
            verified=verified,
            unverified=len(checks) - verified,
            unknown_kb_refs=unknown_refs,
        ),
        models=models,
        prompts=prompt_refs,
        calls=calls,
        mode=mode,
        user_changes=list(state.get("user_changes") or []),
        notes=dict(state.get("notes") or {}),
    )


def _source(knowledge: KnowledgeBase, entry_id: str) -> str:
    path = knowledge.entries[entry_id].path
    return (
        "built-in"
        if entry_id not in knowledge.overridden and "knowledge_base" in path.parts
        else str(path)
    )
