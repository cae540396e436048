"""`negoprep rehearse` as a user runs it, driven by hand-written and then replayed responses.

A module fixture prepares the example case from schema-built responses (author mode) and authors
one scripted rehearsal into a temporary cassette. The tests replay that cassette: a scripted
multi-turn session, resuming after a restart, /undo, /branch, the debrief, a failed call that
keeps the turn, usage errors, and a case folder instead of a run folder.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import assessment_data, example_json, focuses_of

from negoprep.agents.challenger import ChallengeReport, retrieve
from negoprep.agents.coach import CRITERIA, criterion_key
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import OnePageBrief
from negoprep.cli.main import main
from negoprep.knowledge.base import KnowledgeBase
from negoprep.reading.ingest import load_case

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "supplier-claim"

OPENING = (
    "Lorenzo, before we talk money, could we agree the order: first T1's shipment, then the claim?"
)
THREAT = (
    "Let me be clear: if T1 misses the vessel, we call the bond and claim damages from day one."
)
QUESTION = "What would you need to be able to explain a solution to your CFO before year end?"
SCRIPT = f"""\
# A short rehearsal: a process opening, a threat, a hint, the threat taken back.
{OPENING}
{THREAT}
/hint
/undo
{QUESTION}
/debrief
/end
"""


def _assess(kinds: list[str], quote: str, **extra: Any) -> dict[str, Any]:
    return assessment_data(*kinds, quote=quote, how_they_hear_it="I hear it.", **extra)


REHEARSAL_RESPONSES: dict[str, Any] = {
    "rehearsal.turn-1.assess": _assess(
        ["process proposal", "relationship"], "could we agree the order", process_step="agenda"
    ),
    "rehearsal.turn-1.reply": "We can take the order you propose, Ingrid. But for Padua the "
    "shipment and the money are one question, not two.",
    "rehearsal.turn-2.assess": _assess(["threat"], "we call the bond"),
    "rehearsal.turn-2.reply": "We did not come to be threatened. If that is the route, our "
    "lawyers will talk, and T1 stays where it is.",
    "coach.hint-1": {
        "reading": "Your threat made him colder.",
        "move": "warnings, tactical consent and inertia",
        "suggestion": "Take it back and ask about his internal needs.",
        "say_it_like_this": "What would you need to explain a solution at home?",
        "why": "Questions about their needs open them up.",
        "avoid": "Repeating the bond.",
        "kb_refs": ["warnings-not-threats"],
    },
    "rehearsal.turn-2.take-2.assess": _assess(
        ["question about their needs"], "What would you need", probes_hidden_interests=[1]
    ),
    "rehearsal.turn-2.take-2.reply": "Our CFO will ask one thing: is the year closed without a "
    "hole. Help me answer that and we can talk.",
    "coach.debrief": {
        "summary": "A calm opening and a good question about his needs.",
        "where_it_ended": "The order of topics is agreed; the money is open.",
        "scorecard": {
            criterion_key(c): {
                "score": 3,
                "reason": f"Reason for {c}.",
                "evidence": [{"turn": 2, "quote": "What would you need"}],
            }
            for c in CRITERIA
        },
        "threats": [],
        "moments": [
            {"turn": 2, "what_happened": "He named his CFO.", "why_it_mattered": "An opening."}
        ],
        "do_differently": [
            {"instead_of": f"thing {i}", "do": f"do {i}", "say_it_like_this": f"say {i}"}
            for i in (1, 2, 3)
        ],
        "kb_refs": [],  # an enum of the entries the debrief is given; none needed
    },
}


@pytest.fixture(scope="module")
def authored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A prepared run folder (no rehearsal yet) and a cassette with the scripted session."""
    base = tmp_path_factory.mktemp("authored")
    cassette = base / "cassette"
    hand = cassette / "handwritten"
    hand.mkdir(parents=True)
    case = load_case(CASE)
    schemas = {
        "extractor": DealProfile,
        "challenger": ChallengeReport,
        "counterpart": CounterpartProfile,
        "synthesis": OnePageBrief,
    }
    profile = example_json(DealProfile, case)
    # Knowledge ids are an enum of the entries sent: cite one the challenger will be given.
    given = retrieve(KnowledgeBase.load(), DealProfile.model_validate_json(profile))
    for call, schema in schemas.items():
        for focus in focuses_of(call):
            written = example_json(focus.schema, case, [given[0].id])
            (hand / f"{call}.{focus.name}.json").write_text(written)
        if not focuses_of(call):
            (hand / f"{call}.json").write_text(example_json(schema, case, [given[0].id]))
    for call, response in REHEARSAL_RESPONSES.items():
        (hand / f"{call}.json").write_text(json.dumps(response))
    script = base / "script.txt"
    script.write_text(SCRIPT)
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("OPENAI_", "NEGOPREP_")):
                mp.delenv(name)
        mp.chdir(base)
        prepared = base / "prepared"
        assert (
            main(["prepare", str(CASE), "--author", str(cassette), "--out", str(prepared), "-q"])
            == 0
        )
        authored_run = base / "authored-run"
        shutil.copytree(prepared, authored_run)
        code = main(
            ["rehearse", str(authored_run), "--author", str(cassette), "--script", str(script)]
        )
        assert code == 0
    yield {"prepared": prepared, "cassette": cassette, "script": script, "authored": authored_run}


@pytest.fixture
def run_dir(authored: dict[str, Path], tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(authored["prepared"], target)
    return target


def transcript(run_dir: Path, session: str = "main") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (run_dir / "rehearsals" / session / "transcript.json").read_text()
    )
    return data


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """A session without what varies between runs (the time each call took)."""
    calls = [{k: v for k, v in c.items() if k != "seconds"} for c in data.get("calls", [])]
    return {**data, "calls": calls}


def rehearse(run_dir: Path, cassette: Path, *args: str) -> int:
    return main(["rehearse", str(run_dir), "--replay", str(cassette), *args])


def test_authoring_records_every_call_with_its_label(authored: dict[str, Path]) -> None:
    entries = [
        json.loads(p.read_text())
        for p in authored["cassette"].glob("*.json")
        if p.name != "manifest.json"
    ]
    calls = {e["call"] for e in entries}
    assert set(REHEARSAL_RESPONSES) <= calls
    reply = next(e for e in entries if e["call"] == "rehearsal.turn-1.reply")
    assert reply["request"]["body"]["stream"] is True, "the reply is a streaming call"
    assert reply["response"]["content_type"] == "text/event-stream"
    manifest = json.loads((authored["cassette"] / "manifest.json").read_text())
    assert set(manifest["rehearsal"]) == {"counterpart", "coach"}
    assert set(manifest["models"]) >= {"extractor", "counterpart"}, "the preparation's are kept"


def test_a_scripted_session_replays_offline_with_transcript_and_debrief(
    authored: dict[str, Path], run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = rehearse(run_dir, authored["cassette"], "--script", str(authored["script"]))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "We did not come to be threatened." in out
    assert "Coach (warnings, tactical consent and inertia)" in out
    assert "Took back turn 2" in out and "Session 'main' ended." in out
    data = transcript(run_dir)
    assert [t["user"] for t in data["exchanges"]] == [OPENING, QUESTION]
    assert data["undone"][0]["user"] == THREAT and data["ended"] is True
    assert comparable(data) == comparable(transcript(authored["authored"])), (
        "replay reproduces the authored session"
    )
    folder = run_dir / "rehearsals" / "main"
    md = (folder / "transcript.md").read_text()
    assert f"**Turn 2. Norvane Grid AS (you):** {QUESTION}" in md
    assert "## Taken back with /undo" in md and "💡 Coach" in md
    debrief = (folder / "debrief.md").read_text()
    assert "## Scorecard" in debrief and debrief.count("/5") == len(CRITERIA)
    assert "Reason for widen the field." in debrief
    assert "<sub>Rests on: turn 2 “What would you need”</sub>" in debrief
    assert "## Three things to do differently" in debrief and "⚠" not in debrief
    assert (run_dir / "checkpoints.sqlite").is_file()
    assert (run_dir / "checkpoints.sqlite").stat().st_mode & 0o077 == 0, "owner only"


def test_a_session_resumes_after_a_restart(
    authored: dict[str, Path], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    lines = SCRIPT.splitlines()[1:]
    first.write_text("\n".join(lines[:3]))
    second.write_text("\n".join(lines[3:]))
    assert rehearse(run_dir, authored["cassette"], "--script", str(first)) == 0
    assert len(transcript(run_dir)["exchanges"]) == 2 and not transcript(run_dir).get("ended")
    capsys.readouterr()
    assert rehearse(run_dir, authored["cassette"], "--script", str(second)) == 0
    out = capsys.readouterr().out
    assert "Resuming rehearsal 'main' (2 turn(s) so far)." in out
    assert comparable(transcript(run_dir)) == comparable(transcript(authored["authored"]))


def test_branch_continues_from_a_turn_in_a_new_session(
    authored: dict[str, Path], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "branch.txt"
    script.write_text(f"{OPENING}\n{THREAT}\n/branch 1\n{QUESTION}\n/branch 9\n")
    assert rehearse(run_dir, authored["cassette"], "--script", str(script)) == 0
    out = capsys.readouterr().out
    assert "Now in session 'main-from-1', from turn 1 of 'main'" in out
    assert "Usage: /branch N [NAME], with N from 0 to 2." in out
    original, branch = transcript(run_dir), transcript(run_dir, "main-from-1")
    assert [t["user"] for t in original["exchanges"]] == [OPENING, THREAT]
    assert [t["user"] for t in branch["exchanges"]] == [OPENING, QUESTION]
    assert branch["branched_from"] == {"session": "main", "turn": 1}
    assert (
        "Branched from session 'main' after turn 1."
        in (run_dir / "rehearsals" / "main-from-1" / "transcript.md").read_text()
    )


def test_a_failed_call_keeps_the_turn_and_retry_completes_it(
    authored: dict[str, Path], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(authored["cassette"], partial)
    for entry in partial.glob("rehearsal.turn-2.reply-*.json"):
        entry.unlink()
    code = rehearse(run_dir, partial, "--script", str(authored["script"]))
    out = capsys.readouterr().out
    assert code == 1
    assert "model call failed: replay: no recording for call 'rehearsal.turn-2.reply'" in out
    assert "Your turn is kept" in out and "Stopped: a model call failed." in out
    data = transcript(run_dir)
    assert data["pending"] == THREAT and len(data["exchanges"]) == 1
    assert "**Unanswered turn." in (run_dir / "rehearsals" / "main" / "transcript.md").read_text()

    retry = tmp_path / "retry.txt"
    retry.write_text("/retry\n")
    assert rehearse(run_dir, authored["cassette"], "--script", str(retry)) == 0
    out = capsys.readouterr().out
    assert "has no reply yet" in out and "We did not come to be threatened." in out
    assert [t["user"] for t in transcript(run_dir)["exchanges"]] == [OPENING, THREAT]


def test_a_case_folder_uses_its_newest_run_or_prepares_one_first(
    authored: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setenv("NEGOPREP_RUNS_DIR", str(runs))
    script = tmp_path / "one.txt"
    script.write_text(OPENING + "\n")
    args = ["--replay", str(authored["cassette"]), "--script", str(script)]
    assert main(["rehearse", str(CASE), *args]) == 0
    err = capsys.readouterr().err
    assert "preparing one first" in err
    (made,) = (p for p in runs.iterdir() if p.is_dir())  # beside it: the call log
    assert (made / "dossier.json").is_file() and len(transcript(made)["exchanges"]) == 1

    assert main(["rehearse", str(CASE), *args, "--session", "second"]) == 0
    assert f"rehearsing with the dossier in {made}" in capsys.readouterr().err
    assert len([p for p in runs.iterdir() if p.is_dir()]) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rehearse", "nowhere"], "nowhere: not found"),
        (["rehearse", "{run}", "--session", "a b"], "session name 'a b'"),
        (["rehearse", "{run}", "--script", "missing.txt"], "--script missing.txt: file not found"),
        (["rehearse", "{run}", "--replay", "--record"], "--replay and --record cannot be used"),
        (["rehearse", "{run}", "--replay", "nocassette"], "cassette folder not found: nocassette"),
        (["rehearse", "{run}"], "No LLM provider is configured"),
        (["rehearse", "{run}", "--record", "rec"], "No LLM provider is configured"),
    ],
)
def test_usage_errors_are_one_clear_line(
    run_dir: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([a.replace("{run}", str(run_dir)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_dossier_without_a_counterpart_says_how_to_complete_it(
    run_dir: Path, authored: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    dossier = json.loads((run_dir / "dossier.json").read_text())
    dossier["counterpart"] = None
    (run_dir / "dossier.json").write_text(json.dumps(dossier))
    assert rehearse(run_dir, authored["cassette"], "--script", str(authored["script"])) == 2
    err = capsys.readouterr().err
    assert "no counterpart profile" in err and f"negoprep prepare --resume {run_dir}" in err
