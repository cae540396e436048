"""The rules of the rehearsal counterpart: how each assessed user turn changes its state.

Pure functions and data, no model calls: `advance` turns a `TurnAssessment` into the next
`CounterpartState` and a `ReplyPlan` that binds what the counterpart may do in its reply. Kept
apart from `negoprep.agents.roleplay` (the model calls) so the rules can be read and tested on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from negoprep.agents.counterpart import Persona
from negoprep.agents.schemas import Strict

TurnKind = Literal[
    "threat",
    "warning",
    "pressure",
    "argument",
    "process proposal",
    "question about their needs",
    "concession",
    "offer",
    "relationship",
    "information",
    "other",
]
Force = Literal["mild", "firm", "heavy"]
Posture = Literal["resist", "close", "hold", "probe", "explore", "consent"]


class TurnAssessment(Strict):
    """How the counterpart hears one user turn (the only input the rules react to)."""

    kinds: list[TurnKind] = Field(
        description="Every kind of move the turn makes, the strongest first (at least one)."
    )
    force: Force = Field(description="How hard the turn pushes: mild, firm or heavy.")
    quote: str = Field(
        description="The words of the turn that carry its main move, copied exactly."
    )
    probes_hidden_interests: list[int] = Field(
        description="Numbers of the hidden interests the turn asks about or comes close to; [] if none."
    )
    pushes_red_lines: list[int] = Field(
        description="Numbers of the red lines the turn asks the counterpart to cross; [] if none."
    )
    matches_softeners: list[int] = Field(
        description="Numbers of the 'softens when' items this turn does; [] if none."
    )
    matches_hardeners: list[int] = Field(
        description="Numbers of the 'hardens when' items this turn does; [] if none."
    )
    process_step: str = Field(
        description="The process step the turn proposes, in a few words; '' if it proposes none."
    )
    user_concession: str = Field(
        description="What the turn gives or offers the counterpart; '' if nothing."
    )
    how_they_hear_it: str = Field(
        description="How the counterpart, in character, hears this turn: one sentence, first person."
    )


class CounterpartState(BaseModel):
    """What the counterpart feels and has given away so far. Only `advance` changes it."""

    trust: int = 35
    """0-100: how far they believe we act in good faith."""
    patience: int = 70
    """0-100: how much more of this conversation they will take."""
    openness: int = 25
    """0-100: how ready they are to talk about their own situation and new options."""
    revealed: list[int] = Field(default_factory=list)
    """Hidden interests (1-based) they have acknowledged."""
    hinted: list[int] = Field(default_factory=list)
    """Hidden interests they have hinted at without confirming."""
    concessions: list[str] = Field(default_factory=list)
    """Moves they have made, with the turn."""
    agreed_steps: list[str] = Field(default_factory=list)
    """Process steps they agreed to in principle, with the turn."""
    threats_heard: int = 0
    guarded_turns: int = 0
    """Turns left in which goodwill builds at half speed (after a threat)."""
    posture: Posture = "hold"

    def mood(self) -> str:
        if self.patience <= 15:
            return "fed up"
        if self.trust < 25 or self.guarded_turns:
            return "defensive"
        if self.trust >= 60 and self.openness >= 55:
            return "engaged"
        if self.openness >= 40:
            return "cautiously open"
        return "guarded"


class Change(BaseModel):
    trust: int = 0
    patience: int = 0
    openness: int = 0

    def is_notable(self) -> bool:
        return max(abs(self.trust), abs(self.patience), abs(self.openness)) >= 8


class ReplyPlan(BaseModel):
    """What the counterpart may do in this one reply; the reply prompt must stay inside it."""

    posture: Posture
    instructions: list[str]
    reveal: str | None = None
    hint_at: str | None = None
    concession: str | None = None
    consent_to: str | None = None


# trust, openness, patience per kind of move, before scaling by force
EFFECTS: dict[str, tuple[int, int, int]] = {
    "threat": (-15, -15, -20),
    "pressure": (-5, -5, -10),
    "argument": (0, -2, -5),
    "warning": (4, 8, 0),
    "process proposal": (5, 10, 3),
    "question about their needs": (4, 10, 0),
    "concession": (8, 5, 5),
    "offer": (3, 3, 2),
    "relationship": (8, 4, 5),
    "information": (3, 3, 0),
    "other": (0, 0, 0),
}
FORCE_SCALE: dict[str, float] = {"mild": 0.5, "firm": 1.0, "heavy": 1.5}
PATIENCE_DECAY = 3
"""Every turn costs some patience: a long session wears a real counterpart down too."""
MAX_GAIN = (12, 15)
"""Trust and openness rise at most this much in one turn; losses are not capped."""
GUARDED_AFTER_THREAT = 2
CONCESSION_LADDER = (
    "flexibility on process or timing, not on money (a faster timetable, sharing a document, "
    "taking on a process cost)",
    "a small, conditional move on the part of your claim you are least sure of",
    "a larger move, offered only as part of a package that gives you something you need",
)
REVEAL_AT = (45, 55)  # trust, openness needed to acknowledge a hidden interest
HINT_AT_OPENNESS = 35
CONSENT_AT = (45, 45)  # trust, openness needed to agree to a process step
CONCEDE_AT_TRUST = 50
SETTLE_AT = (70, 65)  # trust, openness needed (with two agreed steps) for an agreement in principle


def _clamp(value: int) -> int:
    return max(0, min(100, value))


def _pick(numbers: Sequence[int], items: Sequence[str]) -> list[int]:
    """Valid 1-based numbers, in order, without duplicates (the model may name wrong ones)."""
    return [n for n in dict.fromkeys(numbers) if 1 <= n <= len(items)]


def advance(
    state: CounterpartState, assessment: TurnAssessment, persona: Persona, turn: int
) -> tuple[CounterpartState, ReplyPlan, Change]:
    """The counterpart's new state and its plan for the reply to `turn`. Pure: no model, no I/O."""
    kinds = list(dict.fromkeys(assessment.kinds or ["other"]))
    scale = FORCE_SCALE[assessment.force]
    trust = openness = 0
    patience = -PATIENCE_DECAY
    threat = "threat" in kinds
    for kind in kinds:
        t, o, p = EFFECTS[kind]
        if threat:  # a threat poisons the turn: what came with it earns nothing
            t, o, p = min(t, 0), min(o, 0), min(p, 0)
        trust += round(t * scale) if t < 0 else t
        openness += round(o * scale) if o < 0 else o
        patience += round(p * scale) if p < 0 else p
    softeners = [] if threat else _pick(assessment.matches_softeners, persona.softens_when)[:2]
    hardeners = _pick(assessment.matches_hardeners, persona.hardens_when)[:2]
    trust += 4 * len(softeners) - 6 * len(hardeners)
    openness += 4 * len(softeners) - 4 * len(hardeners)
    patience -= 5 * len(hardeners)
    red_lines = _pick(assessment.pushes_red_lines, persona.red_lines)
    patience -= 5 * len(red_lines)
    if state.guarded_turns:
        trust = trust // 2 if trust > 0 else trust
        openness = openness // 2 if openness > 0 else openness
    trust, openness = min(trust, MAX_GAIN[0]), min(openness, MAX_GAIN[1])

    new = state.model_copy(deep=True)
    new.trust = _clamp(state.trust + trust)
    new.openness = _clamp(state.openness + openness)
    new.patience = _clamp(state.patience + patience)
    new.guarded_turns = max(0, state.guarded_turns - 1)
    if threat:
        new.threats_heard += 1
        new.guarded_turns = GUARDED_AFTER_THREAT
    change = Change(
        trust=new.trust - state.trust,
        patience=new.patience - state.patience,
        openness=new.openness - state.openness,
    )
    plan = _plan(new, assessment, kinds, persona, red_lines, turn, threat)
    new.posture = plan.posture
    return new, plan, change


def _plan(
    state: CounterpartState,
    assessment: TurnAssessment,
    kinds: list[str],
    persona: Persona,
    red_lines: list[int],
    turn: int,
    threat: bool,
) -> ReplyPlan:
    hold = "Hold your stated positions: move on nothing this plan does not allow."
    red = [
        f"They are asking you to cross a red line ({persona.red_lines[n - 1]}): refuse that part "
        "plainly, whatever else you say."
        for n in red_lines
    ]
    if threat:
        return ReplyPlan(
            posture="resist",
            instructions=[
                "You hear a threat. Push back on the threat itself, calmly but coldly: it makes "
                "you less willing to move, and you say so.",
                "Concede nothing, reveal nothing, agree to no step in this reply. You may remind "
                "them of what a fight would cost them too, using only facts you know.",
                *red,
            ],
        )
    if state.patience <= 15:
        return ReplyPlan(
            posture="close",
            instructions=[
                "Your patience is gone. Say so briefly and propose to pause, or to take it to "
                "senior management. Short sentences; no new movement.",
                *red,
            ],
        )
    instructions: list[str] = []
    reveal = hint_at = concession = consent_to = None
    trust, openness = state.trust, state.openness

    if "process proposal" in kinds:
        step = assessment.process_step or "the process step they proposed"
        if trust >= CONSENT_AT[0] and openness >= CONSENT_AT[1]:
            consent_to = step
            state.agreed_steps.append(f"turn {turn}: {step}")
            instructions.append(
                f"Agree in principle to this step: {step}. Attach one condition that protects "
                "an interest or a red line of yours, and say who does what next."
            )
        elif openness >= HINT_AT_OPENNESS - 5:
            instructions.append(
                f"Show interest in the step ({step}) but do not commit: ask the questions you "
                "need answered first (who, when, at whose cost, what it does to your deadline)."
            )
        else:
            instructions.append(
                f"Decline the step ({step}) for now: you do not yet see where it leads, and you "
                "suspect it is a way to buy time."
            )

    asked = _pick(assessment.probes_hidden_interests, persona.hidden_interests)
    if "question about their needs" in kinds or asked:
        fresh = [n for n in asked if n not in state.revealed]
        if not fresh and "question about their needs" in kinds:
            fresh = [
                n for n in range(1, len(persona.hidden_interests) + 1) if n not in state.revealed
            ]
        if fresh and trust >= REVEAL_AT[0] and openness >= REVEAL_AT[1]:
            n = fresh[0]
            reveal = persona.hidden_interests[n - 1]
            state.revealed.append(n)
            instructions.append(
                f"Acknowledge, in your own words and only in part, this interest of yours: "
                f"{reveal}. One or two sentences, no figures you were not given; then ask "
                "something in return."
            )
        elif fresh and openness >= HINT_AT_OPENNESS:
            n = fresh[0]
            hint_at = persona.hidden_interests[n - 1]
            if n not in state.hinted:
                state.hinted.append(n)
            instructions.append(
                f"Hint at this interest without confirming it: {hint_at}. Let them notice "
                "it; do not spell it out."
            )
        elif fresh:
            instructions.append(
                "Deflect the question about your internal situation politely: you do not discuss "
                "that with them yet."
            )

    if "concession" in kinds or "offer" in kinds:
        given = assessment.user_concession or "their move"
        step_no = len(state.concessions)
        if trust >= CONCEDE_AT_TRUST and step_no < len(CONCESSION_LADDER):
            concession = CONCESSION_LADDER[step_no]
            state.concessions.append(f"turn {turn}: {concession}")
            instructions.append(
                f"Acknowledge {given}. Reciprocate with {concession}, and make your move "
                "conditional on something concrete from them."
            )
        else:
            instructions.append(
                f"Acknowledge {given} without reciprocating yet: ask what else comes with it."
            )

    settle = trust >= SETTLE_AT[0] and openness >= SETTLE_AT[1] and len(state.agreed_steps) >= 2
    if settle:
        instructions.append(
            "You may agree to an agreement in principle on a structure that respects your red "
            "lines, subject to your management's approval; name what must still be settled."
        )
    posture: Posture
    if consent_to:
        posture = "consent"
    elif trust >= 50 and openness >= 50:
        posture = "explore"
        instructions.append(
            "Engage with their ideas and build on them, still protecting your red lines."
        )
    elif openness >= HINT_AT_OPENNESS:
        posture = "probe"
        instructions.append("Test them with a question before you give anything.")
    else:
        posture = "hold"
        instructions.append("Restate your position briefly and ask what they are offering.")
    if "pressure" in kinds or "argument" in kinds:
        instructions.append(
            "They argue or press on the substance: answer with your own argument; do not give way."
        )
    instructions.extend(red)
    instructions.append(hold)
    return ReplyPlan(
        posture=posture,
        instructions=instructions,
        reveal=reveal,
        hint_at=hint_at,
        concession=concession,
        consent_to=consent_to,
    )


def describe_state(state: CounterpartState) -> str:
    """The state in words, for the reply prompt (the model never sees it as a game score)."""

    def level(value: int) -> str:
        return (
            "very low"
            if value < 20
            else "low"
            if value < 40
            else "moderate"
            if value < 60
            else "high"
        )

    lines = [
        f"- Your trust in them: {level(state.trust)}",
        f"- Your patience: {level(state.patience)}",
        f"- Your openness to talk about your own situation and new options: {level(state.openness)}",
        f"- Your mood: {state.mood()}",
    ]
    if state.agreed_steps:
        lines.append(f"- Steps you already agreed to: {'; '.join(state.agreed_steps)}")
    if state.concessions:
        lines.append(f"- Moves you already made: {'; '.join(state.concessions)}")
    if state.threats_heard:
        lines.append(f"- Threats you have heard from them so far: {state.threats_heard}")
    return "\n".join(lines)


def describe_plan(plan: ReplyPlan) -> str:
    return "\n".join(f"- {line}" for line in plan.instructions)


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1)) or "(none)"
