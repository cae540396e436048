"""Counterpart simulator: a behavioural profile of the other party, and guidance for us.

The same profile's `persona` drives the counterpart in rehearsal: the model only phrases what the
persona (positions, hidden interests, red lines, what softens or hardens it) already fixes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from negoprep.agents.base import AgentDeps, AgentResult, run_structured, to_prompt_json
from negoprep.agents.extractor import DealProfile
from negoprep.agents.schemas import Citation, Cited, Strict, cited_ids, passage_ids_in

NAME = "counterpart"
PROMPT_ID = "counterpart"


class Tactic(Strict):
    tactic: str
    signs: str = Field(description="How we will recognise it at the table.")
    response: str = Field(description="How to respond without escalating.")


class Hypothesis(Strict):
    hypothesis: str = Field(description="A guess about an aim they do not state.")
    confidence: Literal["low", "medium", "high"]
    how_to_test: str = Field(description="A question or move that would confirm or refute it.")


class TheirAlternative(Strict):
    alternative: str
    how_viable: str
    what_it_costs_them: str
    citations: list[Citation]


class Dependency(Strict):
    dependency: str = Field(description="Something they need that a deal with us gives them.")
    why_it_binds_them: str
    citations: list[Citation]


class Phrase(Strict):
    phrase: str
    why: str


class Persona(Strict):
    """What the simulated counterpart holds fixed in rehearsal."""

    speaker: str = Field(description="Name and title of the person we will face.")
    public_objective: str
    hidden_interests: list[str] = Field(description="Protected; revealed only as trust grows.")
    red_lines: list[str]
    opening_stance: str = Field(description="How they open the next meeting, in one sentence.")
    emotional_baseline: str
    softens_when: list[str]
    hardens_when: list[str]


class CounterpartProfile(Strict):
    name: str
    summary: str = Field(description="Who they are in this negotiation, in three sentences.")
    communication_style: str
    decision_style: str = Field(description="How and by whom decisions are made on their side.")
    values: list[str]
    pressures: list[Cited] = Field(description="Pressures they are under, internal and external.")
    likely_tactics: list[Tactic]
    hidden_aims: list[Hypothesis]
    their_alternatives: list[TheirAlternative]
    dependencies: list[Dependency]
    tomorrow_morning: list[Cited] = Field(
        description="If they say no to us, the problems they will still have tomorrow morning."
    )
    internal_justification: list[str] = Field(
        description="What they need in order to explain a deal inside their own organisation."
    )
    how_they_may_see_us: list[str] = Field(
        description="The negative things they may think or say about us, to prepare for."
    )
    communication_guidance: list[str]
    interaction_guidance: list[str]
    negotiation_guidance: list[str]
    phrases_to_use: list[Phrase]
    phrases_to_avoid: list[Phrase]
    persona: Persona


async def profile_counterpart(
    deps: AgentDeps,
    *,
    brief: str,
    profile: DealProfile,
    documents: str,
    language: str,
    passage_ids: list[str] | None = None,
) -> AgentResult[CounterpartProfile]:
    """The counterpart's profile. `passage_ids`: the case's passages, which its citations may
    name (default: those in `documents` and those the deal profile cites)."""
    return await run_structured(
        deps,
        NAME,
        NAME,
        PROMPT_ID,
        CounterpartProfile,
        case_brief=brief,
        deal_profile=to_prompt_json(profile),
        documents=documents,
        language=language,
        ids={
            "passage": passage_ids
            or list(dict.fromkeys([*passage_ids_in(documents), *cited_ids(profile)]))
        },
    )
