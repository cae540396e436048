"""The counterpart's state rules: threats harden, warnings and process open, nothing comes free."""

from __future__ import annotations

from typing import Any

import pytest
from factories import assessment_data

from negoprep.agents.counterpart import Persona
from negoprep.agents.roleplay_rules import (
    CONCESSION_LADDER,
    CounterpartState,
    TurnAssessment,
    advance,
    describe_state,
)

PERSONA = Persona(
    speaker="Lorenzo Baldini, Commercial Director",
    public_objective="Get the claim paid.",
    hidden_interests=["needs the project as a Nordic reference", "CFO needs cash before year end"],
    red_lines=["no shipment without an agreement in principle"],
    opening_stance="Polite, formal, firm.",
    emotional_baseline="Controlled, proud.",
    softens_when=["talk about the relationship", "respect for his internal position"],
    hardens_when=["legal threats", "lectures about the contract"],
)


def turn(*kinds: str, force: str = "firm", **extra: Any) -> TurnAssessment:
    return TurnAssessment.model_validate(assessment_data(*kinds, force=force, **extra))


def play(*turns: TurnAssessment, start: CounterpartState | None = None) -> list[Any]:
    state = start or CounterpartState()
    out = []
    for n, t in enumerate(turns, start=1):
        state, plan, change = advance(state, t, PERSONA, n)
        out.append((state, plan, change))
    return out


def test_a_threat_hardens_and_blocks_every_move_even_when_trust_was_high() -> None:
    warm = CounterpartState(trust=80, openness=80, patience=80)
    ((state, plan, change),) = play(
        turn("threat", "process proposal", "concession", process_step="expert"), start=warm
    )
    assert change.trust < 0 and change.openness < 0 and change.patience <= -20
    assert plan.posture == "resist"
    assert plan.consent_to is None and plan.concession is None and plan.reveal is None
    assert state.threats_heard == 1 and state.guarded_turns == 2
    assert state.agreed_steps == [] and state.concessions == []


def test_a_heavy_threat_costs_more_than_a_mild_one() -> None:
    ((_, _, heavy),) = play(turn("threat", force="heavy"))
    ((_, _, mild),) = play(turn("threat", force="mild"))
    assert heavy.trust < mild.trust < 0


def test_warnings_process_and_questions_open_up_gradually() -> None:
    results = play(
        turn("relationship", "process proposal", process_step="an agenda"),
        turn("warning"),
        turn("question about their needs", probes_hidden_interests=[2]),
        turn("process proposal", "question about their needs", process_step="an expert"),
    )
    opens = [s.openness for s, _, _ in results]
    assert opens == sorted(opens) and opens[-1] > CounterpartState().openness
    first_plan = results[0][1]
    assert first_plan.consent_to is None, "no consent on the first exchange: trust is earned"
    assert any(p.consent_to == "an expert" for _, p, _ in results)
    final = results[-1][0]
    assert any("an expert" in step for step in final.agreed_steps)


def test_no_single_turn_jumps_more_than_the_cap() -> None:
    ((_, _, change),) = play(
        turn("relationship", "concession", "warning", "process proposal", matches_softeners=[1, 2])
    )
    assert change.trust <= 12 and change.openness <= 15


def test_after_a_threat_goodwill_builds_at_half_speed() -> None:
    _, (_, _, after_threat) = play(turn("threat"), turn("warning"))
    ((_, _, fresh),) = play(turn("warning"))
    assert 0 < after_threat.openness < fresh.openness


@pytest.mark.parametrize(
    ("openness", "trust", "expect"),
    [(20, 30, "deflect"), (40, 30, "hint"), (60, 50, "reveal")],
)
def test_questions_about_their_needs_are_answered_as_far_as_openness_allows(
    openness: int, trust: int, expect: str
) -> None:
    start = CounterpartState(openness=openness, trust=trust)
    ((state, plan, _),) = play(
        turn("question about their needs", probes_hidden_interests=[2]), start=start
    )
    if expect == "reveal":
        assert plan.reveal == PERSONA.hidden_interests[1] and state.revealed == [2]
    elif expect == "hint":
        assert plan.hint_at == PERSONA.hidden_interests[1] and plan.reveal is None
        assert state.hinted == [2] and state.revealed == []
    else:
        assert plan.reveal is None and plan.hint_at is None
        assert any("Deflect" in line for line in plan.instructions)


def test_concessions_are_reciprocated_only_with_trust_and_climb_the_ladder() -> None:
    cold = play(turn("concession", user_concession="release the FAT payment"))
    assert cold[0][1].concession is None
    warm = CounterpartState(trust=70, openness=60)
    results = play(*(turn("concession") for _ in range(5)), start=warm)
    given = [p.concession for _, p, _ in results if p.concession]
    assert given == list(CONCESSION_LADDER), "one rung at a time, never more than the ladder"


def test_a_counterpart_never_agrees_when_nothing_is_offered() -> None:
    results = play(*(turn("other", force="mild") for _ in range(20)))
    assert all(p.consent_to is None and p.concession is None for _, p, _ in results)
    final = results[-1][0]
    assert final.patience < 20 and results[-1][1].posture == "close"


def test_pressure_and_hardeners_wear_patience_and_red_lines_are_refused() -> None:
    ((_, plan, change),) = play(
        turn("pressure", "argument", matches_hardeners=[2], pushes_red_lines=[1])
    )
    assert change.patience <= -20 and change.trust < 0
    assert any(PERSONA.red_lines[0] in line for line in plan.instructions)


def test_numbers_outside_the_persona_lists_are_ignored() -> None:
    ((state, _, _),) = play(
        turn("question about their needs", probes_hidden_interests=[9, 0, -1]),
        start=CounterpartState(trust=60, openness=70),
    )
    assert state.revealed == [1], "falls back to the first unrevealed interest"


def test_state_in_words_never_shows_numbers() -> None:
    text = describe_state(CounterpartState(trust=12, patience=77, openness=45))
    assert "very low" in text and "high" in text
    assert not any(ch.isdigit() for ch in text)
