"""Knowledge-base challenger: break fixed-pie thinking with entries from the knowledge base."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from negoprep.agents.base import AgentDeps, AgentResult, run_structured, to_prompt_json
from negoprep.agents.extractor import DealProfile
from negoprep.agents.focus import Focus, check_covers, focus
from negoprep.agents.schemas import KB_REFS_DESCRIPTION, Citation, KbId, Strict, cited_ids
from negoprep.knowledge.base import MOVES, KnowledgeBase, KnowledgeEntry

NAME = "challenger"
PROMPT_ID = "challenger"

KbRefs = Field(description=KB_REFS_DESCRIPTION)


class AssumptionChallenge(Strict):
    assumption: str = Field(description="A belief our side holds that narrows the negotiation.")
    challenge: str = Field(description="Why it may be wrong or incomplete.")
    reframe: str = Field(description="A wider way to see it.")
    kb_refs: list[KbId] = KbRefs


class HiddenTrade(Strict):
    we_offer: str
    we_ask: str
    why_it_costs_us_little: str
    why_they_value_it: str
    kb_refs: list[KbId] = KbRefs
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
    kb_refs: list[KbId] = KbRefs
    citations: list[Citation]


class ConsentStep(Strict):
    ask: str = Field(description="The process step to ask agreement on, phrased as a question.")
    why_easy_to_accept: str
    what_it_opens: str
    kb_refs: list[KbId] = KbRefs


class WarningInsteadOfThreat(Strict):
    threat_to_avoid: str = Field(description="The threat our side is tempted to make.")
    warning: str = Field(description="The warning to say instead, naming the shared risk.")
    shared_risk: str
    kb_refs: list[KbId] = KbRefs


class InertiaLever(Strict):
    lever: str = Field(description="A default, a habit or momentum that can carry the process.")
    how_to_use: str
    kb_refs: list[KbId] = KbRefs


class ProcessMove(Strict):
    move: str
    purpose: str
    dimension: Literal["process", "relationship", "substance"]
    kb_refs: list[KbId] = KbRefs


class OptionPackage(Strict):
    name: str
    terms: list[str]
    appeals_to: str = Field(description="Which of their interests this package serves.")
    kb_refs: list[KbId] = KbRefs


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


FOCUSES: tuple[Focus, ...] = (
    focus(
        ChallengeReport,
        "trades",
        ("fixed_pie_frame", "assumptions_challenged", "hidden_trades"),
        "The narrow frame the case is stuck in, the assumptions that keep our side in it (3-5), "
        "each challenged and reframed, and the hidden trades (3-5): what we can offer that costs "
        "us little and they value.",
    ),
    focus(
        ChallengeReport,
        "alternatives",
        ("partial_alternatives", "option_packages"),
        "The partial alternatives our side can start building now (3-5): none a full Plan B, "
        "each reducing dependency, creating time, strengthening credibility or adding process "
        "choices; and two or three option packages of equal value to us, to offer at once.",
    ),
    focus(
        ChallengeReport,
        "process",
        ("consent_ladder", "warnings", "inertia_levers", "process_moves"),
        "The tactical-consent ladder (3-5 steps, the smallest yes first), the warnings to give "
        "instead of threats (2-4), the levers of inertia (2-3), and the process moves across "
        "process, relationship and substance (4-6).",
    ),
)
check_covers(ChallengeReport, FOCUSES)
FOCUS_BY_NAME = {f.name: f for f in FOCUSES}


def retrieval_queries(profile: DealProfile) -> list[str]:
    """Focused queries, one per thing the case is about; the English search terms come first."""
    queries = list(profile.search_terms)
    queries += [f"{e.name} {e.category} {e.what_is_at_stake}" for e in profile.elements]
    queries += [f"{t.trap} {t.evidence}" for t in profile.cognitive_traps]
    queries += [f"{i.position} {i.interest}" for i in profile.interests]
    return [q for q in queries if q.strip()]


SEARCH_TERM_WEIGHT = 2.0
"""English search terms name the situation in the knowledge base's own language: they count more."""
RRF_K = 1
"""Reciprocal-rank-fusion constant: how much a first place outweighs a tenth."""


def retrieve(kb: KnowledgeBase, profile: DealProfile, k: int = 10) -> list[KnowledgeEntry]:
    """The entries most relevant to the case, balanced across the five moves.

    Each focused query ranks the knowledge base; the rankings are fused (reciprocal rank
    fusion, the English search terms counted double), so an entry that fits several aspects of the case
    rises, and one long query does not drown the specific ones.
    """
    queries = retrieval_queries(profile)
    best: dict[str, float] = {}
    total: dict[str, float] = {}
    for n, query in enumerate(queries):
        weight = SEARCH_TERM_WEIGHT if n < len(profile.search_terms) else 1.0
        for rank, hit in enumerate(kb.search(query, k=5)):
            score = weight / (RRF_K + rank)
            best[hit.entry.id] = max(best.get(hit.entry.id, 0.0), score)
            total[hit.entry.id] = total.get(hit.entry.id, 0.0) + score
    # An entry's best rank for any one aspect counts most; how many aspects it fits breaks ties.
    scores = {i: best[i] + 0.1 * total[i] for i in best}
    ranked = [kb.entries[i] for i in sorted(scores, key=lambda i: (-scores[i], i))]
    chosen: dict[str, KnowledgeEntry] = {}
    per_move = max(1, k // len(MOVES))
    for move in MOVES:
        for entry in [e for e in ranked if move in e.moves and e.id not in chosen][:per_move]:
            chosen[entry.id] = entry
    for entry in ranked:
        if len(chosen) >= k:
            break
        chosen.setdefault(entry.id, entry)
    return sorted(chosen.values(), key=lambda e: -scores[e.id])


def render_entries(entries: list[KnowledgeEntry]) -> str:
    blocks = []
    for e in entries:
        blocks.append(
            f"### [{e.id}] {e.title}\nMoves: {', '.join(e.moves)}\nUse when: {e.when_to_use}\n"
            f"Not when: {e.when_not_to_use}\n\n{e.body.strip()}"
        )
    return "\n\n".join(blocks)


async def challenge(
    deps: AgentDeps,
    *,
    focus: str,
    brief: str,
    profile: DealProfile,
    language: str,
    passage_ids: list[str] | None = None,
) -> tuple[AgentResult[BaseModel], list[str]]:
    """One focused part (`FOCUSES`, by name) of the challenge report, and the ids of the
    knowledge entries it was given (the same for every focus: the prompts share a prefix).

    `passage_ids`: the case's passages, which its citations may name (default: those the deal
    profile cites). Raises `KeyError` for an unknown focus, and what `run_structured` raises."""
    chosen = FOCUS_BY_NAME[focus]
    entries = retrieve(deps.knowledge, profile)
    result = await run_structured(
        deps,
        NAME,
        f"{NAME}.{chosen.name}",
        PROMPT_ID,
        chosen.schema,
        case_brief=brief,
        deal_profile=to_prompt_json(profile),
        knowledge=render_entries(entries),
        focus=chosen.instruction,
        language=language,
        ids={"kb": [e.id for e in entries], "passage": passage_ids or cited_ids(profile)},
    )
    return result, [e.id for e in entries]
