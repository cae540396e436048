"""Ctrl-C in the chat, through a pseudo-terminal: while a reply streams it stops that reply and
keeps the turn for /retry; at the prompt it leaves the chat at once (session kept, exit 130).

The reply comes from the local OpenAI-compatible stub, which sends the first piece of the stream
and then holds the rest until the test releases it, so Ctrl-C lands mid-reply without any timing.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pexpect
import pytest
from stub_openai import Reply, SeenRequest, StubOpenAI
from test_rehearse_cli import (  # noqa: F401 - the fixtures are used by name
    OPENING,
    REHEARSAL_RESPONSES,
    authored,
    run_dir,
    transcript,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

REPLY = "We hear you, but the shipment and the money remain one question for Padua."


def spawn_live(run: Path, base_url: str, cwd: Path) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NEGOPREP_"))}
    env.update(
        {
            "NEGOPREP_RUNS_DIR": str(cwd / "runs"),
            "OPENAI_BASE_URL": base_url,
            "OPENAI_API_KEY": "sk-" + "stub",
            "NEGOPREP_MAX_RETRIES": "0",
            "PYTHONUNBUFFERED": "1",
            "TERM": "dumb",
        }
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "negoprep", "rehearse", str(run), "--session", "s"],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 200),
    )
    child.setecho(False)
    return child


def test_ctrl_c_stops_a_streaming_reply_then_leaves_at_the_prompt(
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    release = threading.Event()
    streams: list[SeenRequest] = []

    def respond(request: SeenRequest) -> Reply:
        if not request.body.get("stream"):
            return Reply(content=json.dumps(REHEARSAL_RESPONSES["rehearsal.turn-1.assess"]))
        streams.append(request)
        return Reply(content=REPLY, hold=release if len(streams) == 1 else None)

    with StubOpenAI(respond) as stub:
        child = spawn_live(run_dir, stub.base_url, tmp_path)
        try:
            child.expect_exact("Type /help for the commands.")
            child.expect_exact("you> ")
            child.sendline(OPENING)
            child.expect_exact(": We he")  # the first piece of the reply, then the stream stalls
            child.sendintr()
            child.expect_exact("[stopped]")
            child.expect_exact("Your turn is kept: type /retry to send it again")
            child.expect_exact("you> ")
        finally:
            release.set()
        assert transcript(run_dir, "s")["pending"] == OPENING

        child.sendline("/retry")
        child.expect_exact(REPLY)
        child.expect_exact("you> ")
        child.sendintr()  # once, at the prompt
        child.expect_exact("Left session 's' open. Continue with:")
        child.expect_exact(f"negoprep rehearse {run_dir} --session s")
        child.expect(pexpect.EOF)
        child.close()
        assessments = [r for r in stub.requests if not r.body.get("stream")]
    assert child.exitstatus == 130
    assert len(streams) == 2 and len(assessments) == 1, "/retry re-used the kept assessment"
    data = transcript(run_dir, "s")
    assert [(t["user"], t["reply"]) for t in data["exchanges"]] == [(OPENING, REPLY)]
    assert not data.get("pending") and not data.get("ended")
