"""Knowledge-base challenger: break fixed-pie thinking with entries from the knowledge base."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agents.base import AgentDeps, AgentResult, run_structured, to_prompt_json
from agents.extractor import DealProfile
from agents.knowledge import KnowledgeBase, KnowledgeEntry
from agents.schemas import Citation, Strict

NAME = "challenger"
PROMPT_ID = "challenger"

KbRefs = Field(description="Ids of the knowledge entries this rests on (from the list given).")


class AssumptionChallenge(Strict):
    assumption: str = Field(description="A belief our side holds that narrows the negotiation.")
    challenge: str = Field(description="Why it may be wrong or incomplete.")
    reframe: str = Field(description="A wider way to see it.")
    kb_refs: list[str] = KbRefs


class HiddenTrade(Strict):
    we_offer: str
    we_ask: str
    why_it_costs_us_little: str
    why_they_value_it: str
    kb_refs: list[str] = KbRefs
    citations: list[Citation]


class PartialAlternative(Strict):
    alternative: str
    effects: list[
        Literal[
            "reduces dependency", "creates time", "strengthens credibility", "adds process choices"
        ]
    ]
    first_step: str = Field(description="What to do this week to start building it.")
    limits: str = Field(description="What it does not solve.")
    kb_refs: list[str] = KbRefs
    citations: list[Citation]


class ConsentStep(Strict):
    ask: str = Field(description="The process step to ask agreement on, phrased as a question.")
    why_easy_to_accept: str
    what_it_opens: str
    kb_refs: list[str] = KbRefs


class WarningInsteadOfThreat(Strict):
    threat_to_avoid: str = Field(description="The threat our side is tempted to make.")
    warning: str = Field(description="The warning to say instead, naming the shared risk.")
    shared_risk: str
    kb_refs: list[str] = KbRefs


class InertiaLever(Strict):
    lever: str = Field(description="A default, a habit or momentum that can carry the process.")
    how_to_use: str
    kb_refs: list[str] = KbRefs


class ProcessMove(Strict):
    move: str
    purpose: str
    dimension: Literal["process", "relationship", "substance"]
    kb_refs: list[str] = KbRefs


class OptionPackage(Strict):
    name: str
    terms: list[str]
    appeals_to: str = Field(description="Which of their interests this package serves.")
    kb_refs: list[str] = KbRefs


class ChallengeReport(Strict):
    fixed_pie_frame: str = Field(description="The narrow frame the case is stuck in, in one line.")
    assumptions_challenged: list[AssumptionChallenge]
    hidden_trades: list[HiddenTrade]
    partial_alternatives: list[PartialAlternative]
    option_packages: list[OptionPackage] = Field(
        description="Two or three packages of equal value to us, to offer at the same time."
    )
    consent_ladder: list[ConsentStep] = Field(
        description="Tactical-consent steps, from the smallest yes to the largest."
    )
    warnings: list[WarningInsteadOfThreat]
    inertia_levers: list[InertiaLever]
    process_moves: list[ProcessMove]


def retrieval_query(profile: DealProfile) -> str:
    """What the case is about, in the words the knowledge base is searched with."""
    parts = [profile.summary]
    parts += [f"{e.name} {e.category} {e.what_is_at_stake}" for e in profile.elements]
    parts += [f"{t.trap} {t.evidence}" for t in profile.cognitive_traps]
    parts += [i.interest for i in profile.interests]
    return " ".join(parts)


def retrieve(kb: KnowledgeBase, profile: DealProfile, k: int = 10) -> list[KnowledgeEntry]:
    """The entries most relevant to the case, with at least the best one for each move."""
    query = retrieval_query(profile)
    chosen: dict[str, KnowledgeEntry] = {}
    for move in (
        "widen-the-field",
        "partial-alternatives",
        "their-dependencies",
        "warnings-consent-inertia",
        "three-dimensions",
    ):
        for hit in kb.search(query, k=1, moves=[move]):
            chosen.setdefault(hit.entry.id, hit.entry)
    for hit in kb.search(query, k=k):
        if len(chosen) >= k:
            break
        chosen.setdefault(hit.entry.id, hit.entry)
    return list(chosen.values())


def render_entries(entries: list[KnowledgeEntry]) -> str:
    blocks = []
    for e in entries:
        blocks.append(
            f"### [{e.id}] {e.title}\nMoves: {', '.join(e.moves)}\nUse when: {e.when_to_use}\n"
            f"Not when: {e.when_not_to_use}\n\n{e.body.strip()}"
        )
    return "\n\n".join(blocks)


async def challenge(
    deps: AgentDeps, *, brief: str, profile: DealProfile, language: str
) -> tuple[AgentResult[ChallengeReport], list[str]]:
    entries = retrieve(deps.knowledge, profile)
    result = await run_structured(
        deps,
        NAME,
        NAME,
        PROMPT_ID,
        ChallengeReport,
        case_brief=brief,
        deal_profile=to_prompt_json(profile),
        knowledge=render_entries(entries),
        language=language,
    )
    return result, [e.id for e in entries]
