"""Commands the program suggests, run as suggested: they keep the flags the user gave (a replay
is continued as a replay), and the README's rehearsal run twice gets a new session the second
time instead of failing."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from test_rehearse_cli import (  # noqa: F401 - the fixtures are used by name
    OPENING,
    authored,
    rehearse,
    run_dir,
    transcript,
)

from negoprep.cli.main import main
from negoprep.llm.prompts import BUILTIN_PROMPTS_DIR

CASE = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"


def suggested(out: str, after: str) -> list[str]:
    """The command printed on the line after `after`, as argv (without 'negoprep')."""
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.endswith(after))
    words = shlex.split(lines[index + 1])
    assert words[0] == "negoprep"
    return words[1:]


def test_the_readme_rehearsal_twice_runs_the_second_in_a_new_session(
    authored: dict[str, Path],  # noqa: F811
    run_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    script = str(authored["script"])
    assert rehearse(run_dir, authored["cassette"], "--script", script) == 0
    capsys.readouterr()
    assert rehearse(run_dir, authored["cassette"], "--script", script) == 0
    out = capsys.readouterr().out
    assert "Session 'main' has ended, so this script runs in a new session, 'main-2'." in out
    assert "Session 'main-2' ended." in out
    first, second = transcript(run_dir), transcript(run_dir, "main-2")
    pairs = [[(t["user"], t["reply"]) for t in s["exchanges"]] for s in (first, second)]
    assert pairs[0] == pairs[1] and len(pairs[0]) == 2
    assert second["setup"]["session"] == "main-2" and first["ended"]

    reopen = suggested(out, "To reopen 'main' instead:")
    cassette = str(authored["cassette"])
    assert reopen == ["rehearse", str(run_dir), "--replay", cassette, "--session", "main"]


def test_a_stopped_script_suggests_a_command_that_continues_it(
    authored: dict[str, Path],  # noqa: F811
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(authored["cassette"], partial)
    for entry in partial.glob("rehearsal.turn-2.*.json"):
        entry.unlink()
    prompts, kb = tmp_path / "my prompts", tmp_path / "kb"
    prompts.mkdir()
    kb.mkdir()
    shutil.copy(BUILTIN_PROMPTS_DIR / "rehearsal_reply.md", prompts)  # same text: same requests
    flags = ["--kb", str(kb), "--prompts", str(prompts)]
    code = rehearse(run_dir, partial, *flags, "--script", str(authored["script"]))
    out = capsys.readouterr().out
    assert code == 1
    assert "Your turn is kept: type /undo to drop it" in out
    assert "then /undo to drop the turn the replay cannot answer" in out
    argv = suggested(out, "Stopped: a model call failed. Continue with:")
    assert argv == ["rehearse", str(run_dir), "--replay", str(partial), *flags, "--session", "main"]

    undo = tmp_path / "undo.txt"
    undo.write_text("/undo\n")
    assert main([*argv, "--script", str(undo)]) == 0
    data = transcript(run_dir)
    assert [t["user"] for t in data["exchanges"]] == [OPENING] and not data.get("pending")


def test_a_failed_preparation_suggests_a_resume_with_the_same_answer_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(CASE / "cassettes", partial)
    for entry in partial.glob("counterpart.tactics-*.json"):
        entry.unlink()
    run = tmp_path / "run"
    assert main(["prepare", str(CASE), "--replay", str(partial), "--out", str(run), "-q"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("To retry only what failed: "))
    argv = shlex.split(line.removeprefix("To retry only what failed: "))
    assert argv == ["negoprep", "prepare", "--resume", str(run), "--replay", str(partial)]

    assert main(argv[1:]) == 1, "the same recordings: the same call still missing"
    captured = capsys.readouterr()
    assert "replay: no recording for call 'counterpart.tactics'" in captured.out + captured.err
    assert "No LLM provider" not in captured.err
