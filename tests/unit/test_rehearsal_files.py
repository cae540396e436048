"""Script files, the debrief schema's checks, and the Markdown of transcripts and debriefs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from negoprep.agents.coach import CRITERIA, Debrief, check_debrief
from negoprep.cli.chat import check_session_name, parse_script
from negoprep.errors import UserError
from negoprep.output.debrief import render_debrief, render_transcript


def test_a_script_without_blank_lines_has_one_turn_per_line() -> None:
    text = "# comment\nHello there.\n/hint\nWhat do you need?\n/end\n"
    assert parse_script(text) == ["Hello there.", "/hint", "What do you need?", "/end"]


def test_a_script_with_blank_lines_has_one_turn_per_block() -> None:
    text = (
        "# The opening, wrapped over two lines\n"
        "Thank you for the call.\n  Shall we agree the agenda?\n\n"
        "/hint\n\n"
        "My worry is the timetable.\n/undo\n\n\n"
        "What do you need?\n"
    )
    assert parse_script(text) == [
        "Thank you for the call. Shall we agree the agenda?",
        "/hint",
        "My worry is the timetable.",
        "/undo",
        "What do you need?",
    ]


@pytest.mark.parametrize("name", ["main", "try-2", "a.b_c"])
def test_good_session_names(name: str) -> None:
    assert check_session_name(name) == name


@pytest.mark.parametrize("name", ["", "a b", "../x", "-x", "x" * 65])
def test_bad_session_names(name: str) -> None:
    with pytest.raises(UserError, match="session name"):
        check_session_name(name)


def debrief(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "summary": "Good start, one slip.",
        "where_it_ended": "Expert agreed in principle.",
        "scorecard": [
            {
                "criterion": c,
                "score": 4,
                "reason": f"Because of {c}.",
                "evidence": [{"turn": 1, "quote": "agree the agenda"}],
            }
            for c in CRITERIA
        ],
        "threats": [
            {
                "turn": 2,
                "said": "we call the bond",
                "effect": "He went cold.",
                "better_warning": "I worry we both lose the timetable.",
            }
        ],
        "moments": [
            {
                "turn": 1,
                "what_happened": "He accepted the agenda.",
                "why_it_mattered": "A first yes.",
            }
        ],
        "do_differently": [
            {"instead_of": f"x{i}", "do": f"y{i}", "say_it_like_this": f"z{i}"} for i in range(3)
        ],
        "kb_refs": ["warnings-not-threats"],
    }
    data.update(changes)
    return data


def test_a_score_needs_its_reason_and_its_turns() -> None:
    bad = debrief()
    bad["scorecard"][0]["reason"] = " "
    with pytest.raises(ValidationError, match="needs its reason"):
        Debrief.model_validate(bad)
    bad = debrief()
    bad["scorecard"][1]["evidence"] = []
    with pytest.raises(ValidationError, match="cite at least one user turn"):
        Debrief.model_validate(bad)
    bad = debrief()
    bad["scorecard"][2]["score"] = 7
    with pytest.raises(ValidationError, match="less than or equal to 5"):
        Debrief.model_validate(bad)


def test_every_criterion_once_and_exactly_three_changes() -> None:
    with pytest.raises(ValidationError, match="missing: substance"):
        Debrief.model_validate(debrief(scorecard=debrief()["scorecard"][:-1]))
    doubled = debrief()["scorecard"]
    doubled[-1] = {**doubled[0]}
    with pytest.raises(ValidationError, match="scored more than once: widen the field"):
        Debrief.model_validate(debrief(scorecard=doubled))
    with pytest.raises(ValidationError, match="exactly three"):
        Debrief.model_validate(debrief(do_differently=debrief()["do_differently"][:2]))


def test_check_debrief_finds_invented_turns_quotes_and_missing_threats() -> None:
    d = Debrief.model_validate(debrief())
    turns = {1: "Shall we agree the agenda first?", 2: "Otherwise we call the bond!"}
    assert check_debrief(d, turns, [2], ["warnings-not-threats"]) == []
    problems = check_debrief(d, {1: "Something else."}, [1, 2], [])
    assert "widen the field: quote not found in turn 1" in problems
    assert "threat review: turn 2 is not in the transcript" in problems
    assert "the threat in turn 1 has no review" in problems
    assert "unknown knowledge entry 'warnings-not-threats'" in problems


SETUP = {
    "session": "main",
    "language": "English",
    "speaker": "Lorenzo Baldini",
    "our_side": "Norvane",
    "opening": "You are meeting Lorenzo Baldini.",
}


def exchange(turn: int, user: str, kinds: list[str]) -> dict[str, Any]:
    return {
        "turn": turn,
        "label": f"rehearsal.turn-{turn}",
        "user": user,
        "assessment": {"kinds": kinds, "force": "firm"},
        "reply": f"Reply {turn}.",
        "state": {},
        "change": {"trust": -15, "patience": -23, "openness": -15},
        "plan": {"posture": "resist"},
    }


def test_the_debrief_shows_every_score_with_its_reason_and_marks_bad_quotes() -> None:
    data = debrief()
    data["scorecard"][3]["evidence"] = [{"turn": 2, "quote": "never said"}]
    values = {
        "setup": SETUP,
        "exchanges": [
            exchange(1, "Shall we agree the agenda first?", ["process proposal"]),
            exchange(2, "Otherwise we call the bond!", ["threat"]),
        ],
        "debrief": {
            "after_turn": 2,
            "label": "coach.debrief",
            "debrief": data,
            "knowledge": [],
            "problems": ["an example problem"],
        },
    }
    md = render_debrief(values)
    for criterion in CRITERIA:
        assert f"### {criterion.capitalize()}: 4/5\n\nBecause of {criterion}." in md
    assert "turn 2 “never said” ⚠ quote not found in turn 2" in md
    assert "**Turn 2.** You said: “we call the bond”" in md
    assert "Better, as a warning: “I worry we both lose the timetable.”" in md
    assert "1. **y0**" in md and "## Checks" in md and "an example problem" in md


def test_the_transcript_shows_turns_hints_and_what_was_taken_back() -> None:
    values = {
        "setup": SETUP,
        "exchanges": [exchange(1, "Shall we agree the agenda first?", ["process proposal"])],
        "hints": [
            {
                "after_turn": 1,
                "label": "coach.hint-1",
                "knowledge": [],
                "hint": {
                    "reading": "He is guarded.",
                    "move": "their dependencies",
                    "suggestion": "Ask about Padua.",
                    "say_it_like_this": "What does Padua need?",
                    "why": "Opens him up.",
                    "avoid": "Clauses.",
                    "kb_refs": [],
                },
            }
        ],
        "undone": [exchange(2, "We call the bond.", ["threat"])],
        "pending": "Hello?",
        "error": "provider error 503",
    }
    md = render_transcript(values, "runs/x")
    assert "**Turn 1. Norvane (you):** Shall we agree the agenda first?" in md
    assert "**Lorenzo Baldini:** Reply 1." in md
    assert "> 💡 Coach (their dependencies): He is guarded." in md
    assert "- Turn 2: We call the bond." in md
    assert "**Unanswered turn. Norvane (you):** Hello?" in md and "provider error 503" in md
