"""The rehearsal graph's state, its context, and the scene it is set up with.

The state is plain JSON data (dicts, lists, strings, numbers), so that the SQLite checkpointer
stores and restores it without registering any type. Pydantic models (`TurnAssessment`,
`CounterpartState`, `Hint`, `Debrief`) are validated from it where they are used.

The scene (`Setup`) is rendered from the dossier once, when a session starts, and kept in the
session's state: the counterpart's persona and briefing stay the same for the whole session, even
if the dossier is later regenerated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from negoprep.agents.base import AgentDeps
from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import Brief
from negoprep.graphs.context import ModelContext


@dataclass(kw_only=True)
class RehearsalContext(ModelContext):
    """A session's run context: plain JSON (answer source, models, folders), so the LangGraph
    server can pass it; the graph's `RehearsalDepsFactory` turns it into live objects."""

    verbatim_exchanges: int = 12
    """Exchanges shown word for word in prompts; older ones are summarised in one line each."""


RehearsalDepsFactory = Callable[[RehearsalContext], AgentDeps]
"""Builds (or returns cached) the agents' dependencies for a session's context."""


class Setup(TypedDict):
    session: str
    """The session's name (its thread id in the checkpointer)."""
    language: str
    speaker: str
    """The person the user faces, as named in transcripts (the persona's speaker, short)."""
    our_side: str
    """How the user's side is named in transcripts."""
    persona: dict[str, Any]
    """The dossier's `Persona`, fixed for the session."""
    character: str
    """Who the counterpart is and what it protects: the reply prompt's briefing."""
    situation: str
    """What the counterpart knows about the deal."""
    case_brief: str
    preparation: str
    """Our side's preparation, for the coach."""
    opening: str
    """How the scene is introduced to the user."""


class ExchangeData(TypedDict):
    turn: int
    label: str
    """Call label stem of this exchange (`rehearsal.turn-3`, `rehearsal.turn-3.take-2`)."""
    user: str
    assessment: dict[str, Any]
    """`TurnAssessment` of the user's turn."""
    reply: str
    state: dict[str, Any]
    """`CounterpartState` after this exchange."""
    change: dict[str, int]
    """How trust, patience and openness moved in this exchange."""
    plan: dict[str, Any]
    """The `ReplyPlan` the reply was phrased within."""


class HintData(TypedDict):
    after_turn: int
    label: str
    hint: dict[str, Any]
    knowledge: list[str]


class DebriefData(TypedDict):
    after_turn: int
    label: str
    debrief: dict[str, Any]
    knowledge: list[str]
    problems: list[str]
    """What did not hold up against the transcript (unknown turns, inexact quotes...)."""


class RehearsalInput(TypedDict, total=False):
    setup: Setup
    exchanges: list[ExchangeData]
    """Given when branching: the exchanges the new session starts from."""
    hints: list[HintData]
    takes: dict[str, int]
    hint_count: int
    debrief_count: int
    branched_from: dict[str, Any] | None
    ended: bool
    """Given as False to reopen a session that was ended."""


class RehearsalState(RehearsalInput, total=False):
    undone: list[ExchangeData]
    """Exchanges taken back with /undo, kept for the record."""
    pending: str | None
    """The user's turn awaiting a reply; kept when a model call fails."""
    pending_label: str | None
    pending_assessment: dict[str, Any] | None
    """Kept when the reply fails after the assessment succeeded: /retry only redoes the reply."""
    inbox: str
    """The last command received (turns go to `pending`)."""
    notice: str | None
    """A message for the user from the last command."""
    error: str | None
    """Why the last model call failed (the turn is kept)."""
    debrief: DebriefData | None
    calls: list[dict[str, Any]]
    """Every model call made in this session (`CallRecord`s)."""


def _lines(items: Sequence[str]) -> str:
    return "\n".join(f"- {i}" for i in items) or "- (none)"


def build_setup(
    *,
    session: str,
    language: str,
    case_brief: str,
    our_side: str,
    counterpart: CounterpartProfile,
    profile: DealProfile | None,
    brief: Brief | None,
    challenge: ChallengeReport | None,
) -> Setup:
    """Render the scene for both roles: the counterpart's briefing and our preparation."""
    p = counterpart.persona
    character = "\n".join(
        [
            f"You are {p.speaker}, of {counterpart.name}. {counterpart.summary}",
            "",
            f"Your public objective: {p.public_objective}",
            f"How you communicate: {counterpart.communication_style}",
            f"How decisions are made on your side: {counterpart.decision_style}",
            f"Your emotional baseline: {p.emotional_baseline}",
            f"How you opened this meeting: {p.opening_stance}",
            "",
            "What you value:",
            _lines(counterpart.values),
            "",
            "Pressures on you (private):",
            _lines([x.text for x in counterpart.pressures]),
            "",
            "Interests you protect (private; never list them, reveal only as the plan allows):",
            _lines(p.hidden_interests),
            "",
            "What you depend on (private; protect it):",
            _lines([d.dependency for d in counterpart.dependencies]),
            "",
            "What you need in order to explain a deal at home (private):",
            _lines(counterpart.internal_justification),
            "",
            "Your red lines (never cross them):",
            _lines(p.red_lines),
            "",
            "Tactics you tend to use:",
            _lines([t.tactic for t in counterpart.likely_tactics]),
            "",
            "What you may think of the other side:",
            _lines(counterpart.how_they_may_see_us),
        ]
    )
    situation_lines = [f"The other side: {our_side}."]
    if profile is not None:
        # only their own positions: ours, as the extractor wrote them, carry our internal notes
        situation_lines += ["", "What is at stake, and where you stand:"]
        situation_lines += [f"- {e.name}: {e.their_position}" for e in profile.elements]
        shared = [f.text for f in profile.facts if f.status in ("agreed", "contested")]
        situation_lines += ["", "Facts both sides know:", _lines(shared)]
    preparation = _preparation(counterpart, brief, challenge)
    opening = (
        f"You are meeting {p.speaker.rstrip('. ')}. How they are likely to open: {p.opening_stance}"
    )
    return Setup(
        session=session,
        language=language,
        speaker=p.speaker.split(",")[0].strip() or p.speaker,
        our_side=our_side,
        persona=p.model_dump(mode="json"),
        character=character,
        situation="\n".join(situation_lines),
        case_brief=case_brief,
        preparation=preparation,
        opening=opening,
    )


def _preparation(
    counterpart: CounterpartProfile, brief: Brief | None, challenge: ChallengeReport | None
) -> str:
    parts: list[str] = []
    if brief is not None:
        parts += [
            f"Goal: {brief.goal}",
            f"Walk-away: {brief.walk_away}",
            "Top moves:",
            _lines([f"{m.move} ({m.dimension}): {m.why}" for m in brief.top_moves]),
            f"Next wise move: {brief.next_wise_move.move}",
            "Playbook:",
            _lines([f"if they {x.if_they} -> we {x.we}" for x in brief.playbook]),
        ]
    else:
        parts.append("(No one-page brief: the synthesis failed or was skipped.)")
    if challenge is not None:
        parts += [
            "Partial alternatives:",
            _lines([a.alternative for a in challenge.partial_alternatives]),
            "Tactical-consent ladder:",
            _lines([s.ask for s in challenge.consent_ladder]),
            "Warnings instead of threats:",
            _lines([f"{w.threat_to_avoid} -> {w.warning}" for w in challenge.warnings]),
            "Option packages:",
            _lines([f"{o.name}: {'; '.join(o.terms)}" for o in challenge.option_packages]),
        ]
    parts += [
        "Their dependencies (our hypotheses):",
        _lines([d.dependency for d in counterpart.dependencies]),
        "Problems they will still have tomorrow morning without a deal:",
        _lines([x.text for x in counterpart.tomorrow_morning]),
        "What they need to explain a deal internally:",
        _lines(counterpart.internal_justification),
        "Phrases to avoid:",
        _lines([f"{x.phrase} ({x.why})" for x in counterpart.phrases_to_avoid]),
    ]
    return "\n".join(parts)
