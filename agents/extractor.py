"""Case extractor: the deal profile, every fact pointing to the passage it came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, cast

from pydantic import BaseModel, Field

from negoprep.agents.base import AgentDeps, AgentResult, run_structured
from negoprep.agents.focus import Focus, assemble, check_covers, focus
from negoprep.agents.schemas import Citation, Cited, Side, Strict, passage_ids_in

NAME = "extractor"
PROMPT_ID = "extractor"
REDUCE_PROMPT_ID = "extractor_reduce"

Level = Literal["high", "medium", "low"]


class Party(Strict):
    name: str = Field(description="Organisation or person.")
    side: Side
    role: str = Field(
        description="Role in the deal and in decisions (who signs, who blocks, who advises)."
    )
    citations: list[Citation]


class Fact(Strict):
    text: str = Field(description="One fact, in one sentence.")
    status: Literal["agreed", "contested", "one-sided claim"] = Field(
        description="Agreed by both sides, contested between them, or claimed by one side only."
    )
    citations: list[Citation]


class Element(Strict):
    name: str = Field(description="What is at stake, e.g. 'delivery date of unit 1'.")
    category: Literal[
        "money",
        "delivery",
        "documentation",
        "precedent",
        "timing",
        "internal decision-making",
        "liquidity",
        "reputation",
        "operations",
        "future cooperation",
        "legal",
        "other",
    ]
    what_is_at_stake: str
    our_position: str = Field(description="Our stated position on it ('none stated' if none).")
    their_position: str = Field(description="Their stated position ('none stated' if none).")
    tradeability: str = Field(
        description="Whether and how it could be traded against another element, and why."
    )
    citations: list[Citation]


class Interest(Strict):
    side: Literal["ours", "theirs"]
    position: str = Field(description="What the side says it wants.")
    interest: str = Field(description="The need behind the position: why it wants it.")
    priority: Level
    basis: Literal["stated", "inferred"] = Field(
        description="Stated in the documents, or inferred from them (then say from what)."
    )
    citations: list[Citation]


class Risk(Strict):
    risk: str
    borne_by: Side
    likelihood: Level
    impact: str
    citations: list[Citation]


class TimelineEvent(Strict):
    date: str = Field(description="ISO date (YYYY-MM-DD) when known, else as written.")
    event: str
    kind: Literal["past", "deadline", "upcoming"]
    citations: list[Citation]


class Trap(Strict):
    trap: Literal[
        "loss aversion",
        "framing",
        "overconfidence",
        "escalation of commitment",
        "anchoring",
        "fixed-pie thinking",
        "bounded rationality",
        "other",
    ]
    caught: Side = Field(description="Whose thinking shows the trap.")
    evidence: str = Field(description="What in the material shows it.")
    countermeasure: str = Field(
        description="How to guard against it in preparation or at the table."
    )
    citations: list[Citation]


class MissingInfo(Strict):
    question: str = Field(description="The question to ask, as it would be asked.")
    why_it_matters: str
    ask_whom: str = Field(description="Who can answer it (a person, a function, or 'counterpart').")


class DealProfile(Strict):
    summary: str = Field(description="The case in four to six sentences.")
    our_side: str
    counterpart: str
    parties: list[Party] = Field(
        description="Parties and other stakeholders: decision makers, blockers, absent parties."
    )
    facts: list[Fact]
    elements: list[Element] = Field(
        description="Every element at stake, not only money: delivery, documentation, precedent, "
        "timing, internal decisions, liquidity, reputation, operations, future cooperation."
    )
    interests: list[Interest] = Field(description="Positions and interests of both sides.")
    risks: list[Risk]
    timeline: list[TimelineEvent]
    constraints: list[Cited] = Field(
        description="Hard limits: contract terms, mandates, deadlines, rules."
    )
    cognitive_traps: list[Trap]
    missing_information: list[MissingInfo]
    search_terms: list[str] = Field(
        description="8-15 short English phrases naming what this negotiation is about (e.g. "
        "'sole supplier', 'withheld delivery', 'price increase', 'precedent', 'board mandate'), "
        "used to search the knowledge base, which is in English, whatever the case's language."
    )


FOCUSES: tuple[Focus, ...] = (
    focus(
        DealProfile,
        "parties",
        ("summary", "our_side", "counterpart", "parties", "search_terms"),
        "The summary, both sides, the parties and stakeholders (decision makers, blockers, "
        "absent parties), and 8-15 English search terms.",
    ),
    focus(
        DealProfile,
        "elements",
        ("elements",),
        "Every element at stake (8-12, never only the money), each with both sides' positions "
        "and how it could be traded.",
    ),
    focus(
        DealProfile,
        "interests",
        ("interests",),
        "The positions and the interests behind them, for both sides (6-10).",
    ),
    focus(
        DealProfile,
        "facts",
        ("facts", "constraints"),
        "The facts (8-15, each agreed, contested or one-sided) and the hard constraints (3-6).",
    ),
    focus(
        DealProfile,
        "timeline",
        ("timeline",),
        "The timeline: past events, deadlines and upcoming dates (8-15), in date order.",
    ),
    focus(
        DealProfile,
        "risks",
        ("risks", "cognitive_traps", "missing_information"),
        "The risks (4-8), the cognitive traps visible in how each side writes and acts (3-5), "
        "and the missing information as questions worth asking (5-10).",
    ),
)
check_covers(DealProfile, FOCUSES)
FOCUS_BY_NAME = {f.name: f for f in FOCUSES}


def assemble_profile(parts: Mapping[str, BaseModel]) -> tuple[DealProfile, list[str]]:
    """One deal profile from the focused parts (focus name -> output), without a model; and
    the names of the missing focuses, whose sections stay empty (see `focus.assemble`)."""
    profile, missing = assemble(DealProfile, FOCUSES, parts)
    return cast(DealProfile, profile), missing


async def extract(
    deps: AgentDeps,
    *,
    call: str,
    brief: str,
    documents: str,
    scope: str,
    language: str,
    focus: str = "parties",
) -> AgentResult[BaseModel]:
    """One focused part (`FOCUSES`) of the deal profile of one part of the case (or of the
    whole case, if it fits one call). Raises what `run_structured` raises."""
    chosen = FOCUS_BY_NAME[focus]
    return await run_structured(
        deps,
        NAME,
        call,
        PROMPT_ID,
        chosen.schema,
        case_brief=brief,
        documents=documents,
        scope=scope,
        focus=chosen.instruction,
        language=language,
        ids={"passage": passage_ids_in(documents)},
    )


async def reduce(
    deps: AgentDeps, *, call: str, brief: str, partial_profiles: str, language: str
) -> AgentResult[DealProfile]:
    """One deal profile from the profiles of several parts, keeping every cited fact."""
    return await run_structured(
        deps,
        NAME,
        call,
        REDUCE_PROMPT_ID,
        DealProfile,
        case_brief=brief,
        partial_profiles=partial_profiles,
        language=language,
    )
