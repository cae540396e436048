"""Rehearsal evaluation on the example's recorded rehearsal: the scripted turns of known quality
pass their checks, and each check fails when the session shows the opposite."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from negoprep.cli.chat import parse_script
from negoprep.cli.main import main
from negoprep.evaluation.rehearsal import check_session, load_script

REPO = Path(__file__).resolve().parents[2]
SUPPLIER = REPO / "cases" / "supplier-claim"
SCRIPT = SUPPLIER / "rehearsal-eval.yaml"


def test_the_evaluation_script_plays_the_recorded_rehearsal_turn_for_turn() -> None:
    recorded = parse_script((SUPPLIER / "cassettes" / "rehearsal-script.txt").read_text())
    assert [s.text for s in load_script(SCRIPT).steps] == recorded
    qualities = {s.quality for s in load_script(SCRIPT).steps if s.quality}
    assert qualities >= {"threat", "warning", "process", "interest-question"}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("eval") / "report"
    code = main(["eval", str(SUPPLIER), "--replay", "--rehearsal", "--keywords", "--out", str(out)])
    assert code == 0
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def test_the_example_rehearsal_passes_every_check_on_recorded_responses(
    evaluated: dict[str, Any],
) -> None:
    rehearsal = evaluated["cases"][0]["rehearsal"]
    assert rehearsal["session"] == "eval" and rehearsal["error"] is None
    checks = rehearsal["checks"]
    failed = [c for c in checks if not c["passed"]]
    assert failed == []
    names = {(c["quality"], c["check"]) for c in checks}
    assert {
        ("threat", "resists the threat"),
        ("threat", "debrief flags the threat with a better warning"),
        ("warning", "opens up"),
        ("process", "opens up"),
        ("interest-question", "answers about its interests"),
        ("other", "stays in character"),
        ("debrief", "debrief holds up against the transcript"),
    } <= names
    assert Path(rehearsal["transcript"]).is_file()
    assert evaluated["rehearsal_failed"] == []


@pytest.fixture(scope="module")
def session(evaluated: dict[str, Any]) -> dict[str, Any]:
    folder = Path(evaluated["cases"][0]["rehearsal"]["transcript"]).parent
    values: dict[str, Any] = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    return values


def _failed(values: dict[str, Any]) -> set[tuple[int | None, str]]:
    return {(c.turn, c.check) for c in check_session(load_script(SCRIPT), values) if not c.passed}


def _turn(values: dict[str, Any], turn: int) -> dict[str, Any]:
    found: dict[str, Any] = next(ex for ex in values["exchanges"] if ex["turn"] == turn)
    return found


def test_a_counterpart_that_gives_way_to_the_threat_fails(session: dict[str, Any]) -> None:
    values = copy.deepcopy(session)
    threat = _turn(values, 3)
    threat["plan"].update(posture="explore", concession="a small move on the claim")
    assert _failed(values) == {(3, "resists the threat")}


def test_a_warning_heard_as_a_threat_and_a_closed_counterpart_fail(session: dict[str, Any]) -> None:
    values = copy.deepcopy(session)
    warning = _turn(values, 4)
    warning["assessment"]["kinds"] = ["threat"]
    warning["change"]["openness"] = -5
    assert _failed(values) == {
        (4, "heard as warning"),
        (4, "not heard as a threat"),
        (4, "opens up"),
    }


def test_an_interest_question_deflected_and_a_reply_out_of_character_fail(
    session: dict[str, Any],
) -> None:
    values = copy.deepcopy(session)
    question = _turn(values, 2)
    question["plan"].update(reveal=None, hint_at=None)
    _turn(values, 6)["reply"] = "As an AI language model, I cannot agree to that."
    assert _failed(values) == {(2, "answers about its interests"), (6, "stays in character")}


def test_a_debrief_that_misses_the_threat_or_calls_a_warning_one_fails(
    session: dict[str, Any],
) -> None:
    values = copy.deepcopy(session)
    threats = values["debrief"]["debrief"]["threats"]
    threats[0]["turn"] = 4  # the threat of turn 3 listed as turn 4's
    assert _failed(values) == {
        (3, "debrief flags the threat with a better warning"),
        (4, "debrief does not call it a threat"),
    }


def test_a_turn_the_replay_cannot_answer_stops_the_script_and_fails_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case"
    shutil.copytree(SUPPLIER, case, ignore=shutil.ignore_patterns("cassettes"))
    text = SCRIPT.read_text(encoding="utf-8").replace("I will tell you who signs", "I decide")
    (case / "rehearsal-eval.yaml").write_text(text, encoding="utf-8")
    argv = ["eval", str(case), "--replay", str(SUPPLIER / "cassettes"), "--rehearsal", "--keywords"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 1
    assert "rehearsal checks failed: case" in capsys.readouterr().err
    rehearsal = json.loads((tmp_path / "out" / "report.json").read_text())["cases"][0]["rehearsal"]
    assert rehearsal["error"].startswith("replay: no recording for call 'rehearsal.turn-3.assess'")
    unplayed = [c for c in rehearsal["checks"] if c["check"] == "answered"]
    assert len(unplayed) == 5 and not any(c["passed"] for c in unplayed)
    table = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "the session stopped: replay: no recording" in table
