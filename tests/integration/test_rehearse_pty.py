"""The interactive chat, used through a pseudo-terminal as a person would: type turns and
commands, leave with Ctrl-D, come back later to the same session, get the debrief, end."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import pytest
from test_rehearse_cli import (  # noqa: F401 - the fixtures are used by name
    OPENING,
    QUESTION,
    THREAT,
    authored,
    run_dir,
    transcript,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def spawn(run: Path, cassette: Path, cwd: Path) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NEGOPREP_"))}
    env.update({"NEGOPREP_RUNS_DIR": str(cwd / "runs"), "PYTHONUNBUFFERED": "1", "TERM": "dumb"})
    args = ["-m", "negoprep", "rehearse", str(run), "--replay", str(cassette), "--session", "s"]
    child = pexpect.spawn(
        sys.executable,
        args,
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    child.setecho(False)
    return child


def test_a_person_rehearses_leaves_and_comes_back(
    authored: dict[str, Path],  # noqa: F811
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    dossier = json.loads((authored["prepared"] / "dossier.json").read_text())
    speaker = dossier["counterpart"]["persona"]["speaker"]  # the persona the run fixed
    child = spawn(run_dir, authored["cassette"], tmp_path)
    child.expect("Type /help for the commands.")
    child.expect_exact("you> ")
    child.sendline(OPENING)
    child.expect_exact(f"{speaker}: We can take the order you propose, Ingrid.")
    child.expect_exact("you> ")
    child.sendline("/help")
    child.expect_exact("/branch N [NAME]")
    child.expect_exact("you> ")
    child.sendline("/nonsense")
    child.expect_exact("Unknown command /nonsense.")
    child.expect_exact("you> ")
    child.sendline(THREAT)
    child.expect_exact("We did not come to be threatened.")
    child.expect_exact("you> ")
    child.sendline("/hint")
    child.expect_exact("Say it like this: “What would you need to explain a solution at home?”")
    child.expect_exact("you> ")
    child.sendline("/undo")
    child.expect_exact("Took back turn 2. Say it differently.")
    child.expect_exact("you> ")
    child.sendeof()
    child.expect_exact("Left session 's' open. Continue with:")
    child.expect_exact("--replay " + str(authored["cassette"]) + " --session s")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [t["user"] for t in transcript(run_dir, "s")["exchanges"]] == [OPENING]

    child = spawn(run_dir, authored["cassette"], tmp_path)  # the program restarted
    child.expect_exact("Resuming rehearsal 's' (1 turn(s) so far).")
    child.expect_exact("Turn 1, you: Lorenzo, before we talk money")
    child.expect_exact("you> ")
    child.sendline(QUESTION)
    child.expect_exact("Our CFO will ask one thing")
    child.expect_exact("you> ")
    child.sendline("/debrief")
    child.expect_exact("## Scorecard")
    child.expect_exact("Debrief written to")
    child.expect_exact("you> ")
    child.sendline("/end")
    child.expect_exact("Session 's' ended.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = transcript(run_dir, "s")
    assert [t["user"] for t in data["exchanges"]] == [OPENING, QUESTION] and data["ended"]
    assert (run_dir / "rehearsals" / "s" / "debrief.md").is_file()
