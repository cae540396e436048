"""The rehearsal live over HTTP against the local OpenAI-compatible stub: the reply streams in
pieces, a provider error mid-session keeps the turn, and a recorded session replays offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stub_openai import Reply, SeenRequest, StubOpenAI
from test_rehearse_cli import (  # noqa: F401 - the fixtures are used by name
    OPENING,
    REHEARSAL_RESPONSES,
    THREAT,
    authored,
    run_dir,
    transcript,
)

from negoprep.agents.base import AgentDeps
from negoprep.agents.roleplay import reply
from negoprep.agents.roleplay_rules import CounterpartState, ReplyPlan
from negoprep.cli.main import main
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.llm.provider import ModelConfig, OpenAICompatibleProvider

REPLY = "We hear you, but the shipment and the money remain one question for Padua."


def respond(request: SeenRequest) -> Reply:
    if request.body.get("stream"):
        return Reply(content=REPLY)
    return Reply(content=json.dumps(REHEARSAL_RESPONSES["rehearsal.turn-1.assess"]))


async def test_the_reply_arrives_in_pieces_as_it_is_written() -> None:
    with StubOpenAI(respond) as stub:
        provider = OpenAICompatibleProvider(
            ModelConfig(model="stub-model", base_url=stub.base_url, api_key="k")
        )
        deps = AgentDeps(models=provider, prompts=PromptLibrary.load(), knowledge=KnowledgeBase({}))
        pieces: list[str] = []
        result = await reply(
            deps,
            call="rehearsal.turn-1.reply",
            character="You are Lorenzo.",
            situation="A claim.",
            state=CounterpartState(),
            plan=ReplyPlan(posture="hold", instructions=["Hold."]),
            conversation="(Nothing has been said yet.)",
            user_turn=OPENING,
            language="English",
            on_token=pieces.append,
        )
    assert len(pieces) > 5 and "".join(pieces) == REPLY == result.text
    (seen,) = stub.requests
    assert (
        seen.body["stream"] is True and seen.headers["x-negoprep-call"] == "rehearsal.turn-1.reply"
    )
    assert result.record.output_tokens > 0


def test_a_provider_error_mid_session_keeps_the_turn_and_the_recording_replays(
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    down = {"on": True}

    def flaky(request: SeenRequest) -> Reply:
        if request.body.get("stream") and down["on"]:
            return Reply(status=503)
        return respond(request)

    script = tmp_path / "turns.txt"
    script.write_text(f"{OPENING}\n{THREAT}\n")
    cassette = tmp_path / "recorded"
    with StubOpenAI(flaky) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-stub-secret")
        monkeypatch.setenv("NEGOPREP_MAX_RETRIES", "0")
        args = ["rehearse", str(run_dir), "--record", str(cassette), "--script"]
        assert main([*args, str(script)]) == 1
        out = capsys.readouterr().out
        assert "model call failed: provider error 503" in out and "Your turn is kept" in out
        assert transcript(run_dir)["pending"] == OPENING

        down["on"] = False
        retry = tmp_path / "retry.txt"
        retry.write_text(f"/retry\n{THREAT}\n")
        assert main([*args, str(retry)]) == 0
    assert [t["user"] for t in transcript(run_dir)["exchanges"]] == [OPENING, THREAT]
    recorded = "".join(p.read_text() for p in cassette.glob("*.json"))
    assert "sk-stub-secret" not in recorded

    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    again = tmp_path / "again"
    again.mkdir()
    for name in ("dossier.json", "dossier.md", ".negoprep-run"):
        (again / name).write_text((run_dir / name).read_text())
    both = tmp_path / "both.txt"
    both.write_text(f"{OPENING}\n{THREAT}\n")
    assert main(["rehearse", str(again), "--replay", str(cassette), "--script", str(both)]) == 0
    assert REPLY in capsys.readouterr().out
