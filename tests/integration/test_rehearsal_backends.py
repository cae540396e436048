"""A rehearsal session resumed after a restart, on the SQLite default and on PostgreSQL
(`NEGOPREP_DATABASE_URL`): the example case's recorded rehearsal, split in two processes' worth
of turns, ends as the same session played in one go.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from negoprep.app import runs
from negoprep.cli.main import main

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "supplier-claim"
CASSETTES = CASE / "cassettes"
SCRIPT = (CASSETTES / "rehearsal-script.txt").read_text(encoding="utf-8")


def _session(run_dir: Path) -> dict[str, Any]:
    data = json.loads((run_dir / "rehearsals" / "main" / "transcript.json").read_text())
    return {
        "exchanges": [(ex["user"], ex["reply"]) for ex in data["exchanges"]],
        "ended": data.get("ended"),
    }


def _rehearse(run_dir: Path, script: Path) -> int:
    return main(["rehearse", str(run_dir), "--replay", str(CASSETTES), "--script", str(script)])


def test_a_rehearsal_resumes_after_a_restart(
    backend: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in backend.items():
        monkeypatch.setenv(name, value)
    whole = tmp_path / "whole.txt"
    whole.write_text(SCRIPT)
    cut = SCRIPT.index("/hint") + len("/hint")
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(SCRIPT[:cut])
    second.write_text(SCRIPT[cut:])

    once, resumed = tmp_path / "once", tmp_path / "resumed"
    for run_dir in (once, resumed):
        assert main(["prepare", str(CASE), "--replay", "--out", str(run_dir), "-q"]) == 0
    assert _rehearse(once, whole) == 0
    assert _rehearse(resumed, first) == 0
    assert len(_session(resumed)["exchanges"]) == 3 and not _session(resumed)["ended"]
    capsys.readouterr()
    assert _rehearse(resumed, second) == 0
    assert "Resuming rehearsal 'main' (3 turn(s) so far)." in capsys.readouterr().out
    assert _session(resumed) == _session(once)
    assert _session(resumed)["ended"] is True

    url = backend.get("NEGOPREP_DATABASE_URL")
    assert (resumed / "checkpoints.sqlite").exists() is not bool(url)
    if url:
        import psycopg

        thread = runs.open_run(resumed).rehearsal_thread("main")
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM checkpoints WHERE thread_id = %s", (thread,)
            ).fetchone()
        assert row is not None and row[0] > 0, "the session's checkpoints are in PostgreSQL"
