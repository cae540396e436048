"""A run folder is held by one process at a time: a second `rehearse` (or `prepare --resume`) on
it gets one clear line and exit code 2, and the first one's work is untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from negoprep.app import runs
from negoprep.cli.main import main

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "supplier-claim"


def test_a_second_rehearsal_on_a_held_run_is_refused(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    assert main(["prepare", str(CASE), "--replay", "--out", str(run_dir), "-q"]) == 0
    script = tmp_path / "turns.txt"
    script.write_text("Good morning.\n")
    held = runs.open_run(run_dir).hold()  # as a first `rehearse` would
    try:
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "negoprep",
                "rehearse",
                str(run_dir),
                "--replay",
                str(CASE / "cassettes"),
                "--script",
                str(script),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        held.release()
    assert second.returncode == 2, second.stderr
    assert "another negoprep process is using this run folder" in second.stderr
    assert "Traceback" not in second.stderr
    assert not (run_dir / "rehearsals").exists(), "the refused process wrote nothing"


def test_run_folders_are_private_to_their_owner(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    assert main(["prepare", str(CASE), "--replay", "--out", str(run_dir), "-q"]) == 0
    for path in [run_dir, *run_dir.iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


def test_a_run_started_with_relative_paths_resumes_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    shutil.copytree(CASE, work / "case")
    monkeypatch.chdir(work)
    assert main(["prepare", "case", "--replay", "--out", "run", "-q"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (work / "run" / "dossier.md").unlink()  # as if the run had stopped before writing it
    assert main(["prepare", "--resume", str(work / "run"), "-q"]) == 0
    assert (work / "run" / "dossier.md").is_file()
    assert not (elsewhere / "run").exists() and not (elsewhere / "case").exists()
