"""The rehearsal coach: a hint in the middle of a session, and the debrief at the end.

The hint retrieves knowledge entries for the moment (the last exchanges of the conversation) with
`KnowledgeBase.search`, at least one for each of the five moves. The debrief scores the user on
the five moves and the three dimensions; each score carries its reason and the user turns it
rests on, and `check_debrief` verifies those turns and quotes against the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from pydantic import Field, create_model, model_validator

from negoprep.agents.base import AgentDeps, AgentResult, run_structured
from negoprep.agents.challenger import render_entries
from negoprep.agents.schemas import KB_REFS_DESCRIPTION, KbId, Strict
from negoprep.knowledge.base import MOVES, KnowledgeBase, KnowledgeEntry

NAME = "coach"
HINT_PROMPT_ID = "coach_hint"
DEBRIEF_PROMPT_ID = "coach_debrief"

Move = Literal[
    "widen the field",
    "partial alternatives",
    "their dependencies",
    "warnings, tactical consent and inertia",
    "process, relationship and substance",
]
Criterion = Literal[
    "widen the field",
    "partial alternatives",
    "their dependencies",
    "warnings rather than threats",
    "tactical consent",
    "process",
    "relationship",
    "substance",
]
CRITERIA: tuple[Criterion, ...] = get_args(Criterion)
KbRefs = Field(description=KB_REFS_DESCRIPTION)


class Hint(Strict):
    reading: str = Field(description="Where the conversation stands now, in one or two sentences.")
    move: Move = Field(description="Which of the five moves to make next.")
    suggestion: str = Field(description="What to do in the next turn, concretely.")
    say_it_like_this: str = Field(description="Words the user could say next, in their voice.")
    why: str = Field(description="Why this move now, in one or two sentences.")
    avoid: str = Field(description="The tempting move to avoid right now, and why.")
    kb_refs: list[KbId] = KbRefs


class TurnQuote(Strict):
    turn: int = Field(description="Number of the user turn, as numbered in the transcript.")
    quote: str = Field(description="A few words copied exactly from that user turn.")


class Score(Strict):
    """One criterion's score, as the model gives it (the criterion is the property's name)."""

    score: int = Field(ge=1, le=5, description="1 (missed or harmful) to 5 (excellent).")
    reason: str = Field(
        pattern=r"\S", description="Why this score: two or three sentences on what was done."
    )
    evidence: list[TurnQuote] = Field(
        min_length=1, description="The user turns this judgement rests on (at least one)."
    )


class ScoreLine(Strict):
    """A score as the debrief keeps it: every rule below is in the model's schema (`Score`)."""

    criterion: Criterion
    score: int = Field(ge=1, le=5, description="1 (missed or harmful) to 5 (excellent).")
    reason: str = Field(description="Why this score: two or three sentences on what was done.")
    evidence: list[TurnQuote] = Field(description="The user turns this judgement rests on.")

    @model_validator(mode="after")
    def _reasoned(self) -> ScoreLine:
        if not self.reason.strip():
            raise ValueError(f"'{self.criterion}': a score needs its reason")
        if not self.evidence:
            raise ValueError(f"'{self.criterion}': cite at least one user turn")
        return self


class ThreatReview(Strict):
    turn: int
    said: str = Field(description="The threatening words, copied exactly from the turn.")
    effect: str = Field(description="What it did to the counterpart and to the conversation.")
    better_warning: str = Field(description="The warning to say instead, in words to use.")


class Moment(Strict):
    turn: int
    what_happened: str = Field(description="What the user did and how the counterpart moved.")
    why_it_mattered: str


class DoDifferently(Strict):
    instead_of: str = Field(description="What the user did or left out.")
    do: str = Field(description="What to do in the real negotiation.")
    say_it_like_this: str = Field(description="Words to use.")


class Debrief(Strict):
    summary: str = Field(description="How the rehearsal went, in three or four sentences.")
    where_it_ended: str = Field(description="What was agreed, what is open, and the mood.")
    scorecard: list[ScoreLine] = Field(description="One line per criterion, in the given order.")
    threats: list[ThreatReview] = Field(
        description="One entry for every threat listed; [] if none."
    )
    moments: list[Moment] = Field(description="The moments that moved the counterpart.")
    do_differently: list[DoDifferently] = Field(description="Exactly three.")
    kb_refs: list[KbId] = KbRefs

    @model_validator(mode="after")
    def _complete(self) -> Debrief:
        named = [line.criterion for line in self.scorecard]
        missing = [c for c in CRITERIA if c not in named]
        doubled = sorted({c for c in named if named.count(c) > 1})
        if missing or doubled:
            parts = [f"missing: {', '.join(missing)}"] if missing else []
            parts += [f"scored more than once: {', '.join(doubled)}"] if doubled else []
            raise ValueError(f"the scorecard must score each criterion once ({'; '.join(parts)})")
        if len(self.do_differently) != 3:
            raise ValueError("do_differently must hold exactly three items")
        return self


def criterion_key(criterion: str) -> str:
    """The schema property of a criterion: 'warnings rather than threats' -> 'warnings_rather_than_threats'."""
    return re.sub(r"\W+", "_", criterion).strip("_")


Scorecard = create_model(  # type: ignore[call-overload]
    "Scorecard",
    __base__=Strict,
    __doc__="One score per criterion, each criterion a property: none missing, none twice.",
    **{criterion_key(c): (Score, Field(description=f"The score for '{c}'.")) for c in CRITERIA},
)


class DebriefReply(Strict):
    """The debrief as the model writes it: the scorecard's completeness and the three changes
    are in the schema (fixed properties, minItems/maxItems), so strict output cannot miss them."""

    summary: str = Field(description="How the rehearsal went, in three or four sentences.")
    where_it_ended: str = Field(description="What was agreed, what is open, and the mood.")
    scorecard: Scorecard = Field(description="A score for every criterion.")
    threats: list[ThreatReview] = Field(
        description="One entry for every threat listed; [] if none."
    )
    moments: list[Moment] = Field(description="The moments that moved the counterpart.")
    do_differently: list[DoDifferently] = Field(
        min_length=3, max_length=3, description="Exactly three."
    )
    kb_refs: list[KbId] = KbRefs

    def to_debrief(self) -> Debrief:
        """The debrief as it is kept and rendered: the scorecard as a list, in criterion order."""
        lines = [
            ScoreLine(criterion=c, **getattr(self.scorecard, criterion_key(c)).model_dump())
            for c in CRITERIA
        ]
        data = self.model_dump(exclude={"scorecard"})
        return Debrief(**data, scorecard=lines)


def retrieve(kb: KnowledgeBase, query: str, k: int = 6) -> list[KnowledgeEntry]:
    """The entries that fit the moment: the best one for each of the five moves, then the best."""
    chosen: dict[str, KnowledgeEntry] = {}
    for move in MOVES:
        for hit in kb.search(query, k=1, moves=[move]):
            chosen.setdefault(hit.entry.id, hit.entry)
    for hit in kb.search(query, k=k):
        if len(chosen) >= k:
            break
        chosen.setdefault(hit.entry.id, hit.entry)
    return list(chosen.values())


async def hint(
    deps: AgentDeps,
    *,
    call: str,
    case_brief: str,
    preparation: str,
    conversation: str,
    query: str,
    language: str,
) -> tuple[AgentResult[Hint], list[str]]:
    entries = retrieve(deps.knowledge, query)
    result = await run_structured(
        deps,
        NAME,
        call,
        HINT_PROMPT_ID,
        Hint,
        case_brief=case_brief,
        preparation=preparation,
        knowledge=render_entries(entries) or "(no entries)",
        conversation=conversation,
        language=language,
        ids={"kb": [e.id for e in entries]},
    )
    return result, [e.id for e in entries]


async def debrief(
    deps: AgentDeps,
    *,
    call: str,
    case_brief: str,
    preparation: str,
    persona: str,
    conversation: str,
    threats: str,
    moments: str,
    query: str,
    language: str,
) -> tuple[AgentResult[Debrief], list[str]]:
    entries = retrieve(deps.knowledge, query, k=7)
    reply = await run_structured(
        deps,
        NAME,
        call,
        DEBRIEF_PROMPT_ID,
        DebriefReply,
        case_brief=case_brief,
        preparation=preparation,
        persona=persona,
        knowledge=render_entries(entries) or "(no entries)",
        conversation=conversation,
        threats=threats,
        moments=moments,
        language=language,
        ids={"kb": [e.id for e in entries]},
    )
    result = AgentResult(reply.output.to_debrief(), reply.record)
    return result, [e.id for e in entries]


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def quote_problem(turns: Mapping[int, str], turn: int, quote: str) -> str | None:
    """Why a cited turn and quote do not hold up against the transcript, or None if they do."""
    if turn not in turns:
        return f"turn {turn} is not in the transcript"
    if _norm(quote) and _norm(quote) not in _norm(turns[turn]):
        return f"quote not found in turn {turn}"
    return None


def check_debrief(
    result: Debrief, turns: Mapping[int, str], threat_turns: Sequence[int], kb_ids: Sequence[str]
) -> list[str]:
    """What in a debrief does not hold up: unknown turns, inexact quotes, threats left out."""
    problems = []
    for line in result.scorecard:
        for ev in line.evidence:
            if (p := quote_problem(turns, ev.turn, ev.quote)) is not None:
                problems.append(f"{line.criterion}: {p}")
    for threat in result.threats:
        if (p := quote_problem(turns, threat.turn, threat.said)) is not None:
            problems.append(f"threat review: {p}")
    reviewed = {t.turn for t in result.threats}
    problems += [f"the threat in turn {t} has no review" for t in threat_turns if t not in reviewed]
    problems += [f"unknown knowledge entry '{r}'" for r in result.kb_refs if r not in kb_ids]
    return problems
