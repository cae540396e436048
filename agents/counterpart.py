"""Counterpart simulator: a behavioural profile of the other party, and guidance for us.

The same profile's `persona` drives the counterpart in rehearsal: the model only phrases what the
persona (positions, hidden interests, red lines, what softens or hardens it) already fixes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from negoprep.agents.base import AgentDeps, AgentResult, run_structured, to_prompt_json
from negoprep.agents.extractor import DealProfile
from negoprep.agents.focus import Focus, check_covers, focus
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


FOCUSES: tuple[Focus, ...] = (
    focus(
        CounterpartProfile,
        "profile",
        (
            "name",
            "summary",
            "communication_style",
            "decision_style",
            "values",
            "pressures",
            "how_they_may_see_us",
        ),
        "Who they are: their name, a three-sentence summary, how they communicate and decide "
        "(and who really decides), what they value, the pressures they are under (3-6, cited), "
        "and the negative things they may think or say about us (2-4).",
    ),
    focus(
        CounterpartProfile,
        "tactics",
        ("likely_tactics", "hidden_aims", "persona"),
        "The tactics they are likely to use (3-5, each with its signs and our response), the "
        "aims they do not state (2-4 hypotheses, each with a way to test it), and the persona a "
        "rehearsal will use.",
    ),
    focus(
        CounterpartProfile,
        "position",
        ("their_alternatives", "dependencies", "tomorrow_morning", "internal_justification"),
        "Their alternatives to a deal with us (2-4, without wishful thinking), their "
        "dependencies on us (2-4), the problems they will still have tomorrow morning if they "
        "say no to us (2-4), all cited, and what they need to explain a deal internally (2-4).",
    ),
    focus(
        CounterpartProfile,
        "guidance",
        (
            "communication_guidance",
            "interaction_guidance",
            "negotiation_guidance",
            "phrases_to_use",
            "phrases_to_avoid",
        ),
        "Our communication, interaction and negotiation guidance (3-5 points each), and the "
        "phrases to use and to avoid with them (3-5 each, each with why).",
    ),
)
check_covers(CounterpartProfile, FOCUSES)
FOCUS_BY_NAME = {f.name: f for f in FOCUSES}


async def profile_counterpart(
    deps: AgentDeps,
    *,
    focus: str,
    brief: str,
    profile: DealProfile,
    documents: str,
    language: str,
    passage_ids: list[str] | None = None,
) -> AgentResult[BaseModel]:
    """One focused part (`FOCUSES`, by name) of the counterpart's profile. Its prompt starts
    with the case extractor's prefix (the `case_reading` prompt: rules, brief, documents), so a
    prompt cache serves the documents once for both agents.

    `passage_ids`: the case's passages, which its citations may name (default: those in
    `documents` and those the deal profile cites). Raises `KeyError` for an unknown focus, and
    what `run_structured` raises."""
    chosen = FOCUS_BY_NAME[focus]
    return await run_structured(
        deps,
        NAME,
        f"{NAME}.{chosen.name}",
        PROMPT_ID,
        chosen.schema,
        case_brief=brief,
        documents=documents,
        deal_profile=to_prompt_json(profile),
        focus=chosen.instruction,
        language=language,
        ids={
            "passage": passage_ids
            or list(dict.fromkeys([*passage_ids_in(documents), *cited_ids(profile)]))
        },
    )
