"""`negoprep prepare` live over HTTP against a local OpenAI-compatible stub server on 127.0.0.1.

The real client stack runs (langchain-openai, openai, httpx2, the recorder); only the server is
a stub. Covers retries on 500 and 429, an invalid JSON reply fed back, 401 not retried, and a
recording that replays offline without the key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from factories import example_json, focused_calls, with_focus_schemas
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import FOCUSES, DealProfile
from negoprep.agents.synthesis import OnePageBrief
from negoprep.cli.main import main
from negoprep.reading.ingest import load_case

SCHEMAS = with_focus_schemas(
    {m.__name__: m for m in (DealProfile, ChallengeReport, CounterpartProfile, OnePageBrief)}
)
# A fake key, built at run time so that no key-shaped string sits in the repository.
KEY = "-".join(["sk", "stub", "secret", "key", "0123456789abcdefghij"])
FAST_RETRY = {"retry-after-ms": "5"}


@pytest.fixture
def small_case(tmp_path: Path) -> Path:
    root = tmp_path / "case"
    root.mkdir()
    (root / "case.yaml").write_text("our_side: Buyer AS\ncounterpart: Supplier SpA\nlanguage: en\n")
    (root / "01-letter.txt").write_text(
        "The supplier claims EUR 1.15 million in additional costs.\n\n"
        "Delivery of unit one will not take place until the claim is resolved.\n"
    )
    (root / "02-notes.md").write_text(
        "# Notes\n\nThe buyer points to the fixed-price clause 5.2.\n"
    )
    return root


def responder(
    case_dir: Path, before: Callable[[SeenRequest], Reply | None] = lambda r: None
) -> Callable[[SeenRequest], Reply]:
    case = load_case(case_dir)

    def respond(request: SeenRequest) -> Reply:
        special = before(request)
        if special is not None:
            return special
        name = request.body["response_format"]["json_schema"]["name"]
        return Reply(
            content=example_json(
                SCHEMAS[name], case, ["partial-alternatives"], request.body["messages"]
            )
        )

    return respond


def live_env(monkeypatch: pytest.MonkeyPatch, stub: StubOpenAI) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("NEGOPREP_MODEL", "stub-model")
    monkeypatch.setenv("NEGOPREP_MAX_RETRIES", "2")


def calls_of(stub: StubOpenAI) -> list[str]:
    return [r.headers["x-negoprep-call"] for r in stub.requests]


def test_live_run_with_500_429_and_invalid_json(
    small_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: dict[str, int] = {}

    def trouble(request: SeenRequest) -> Reply | None:
        call = request.headers["x-negoprep-call"]
        seen[call] = seen.get(call, 0) + 1
        if call == "extractor.parties" and seen[call] == 1:
            return Reply(status=500, headers=FAST_RETRY)
        if call == "challenger.trades" and seen[call] == 1:
            return Reply(status=429, headers=FAST_RETRY)
        if call == "counterpart.profile" and seen[call] == 1:
            return Reply(content='{"name": "Supplier SpA"')  # truncated JSON
        return None

    with StubOpenAI(responder(small_case, trouble)) as stub:
        live_env(monkeypatch, stub)
        code = main(["prepare", str(small_case), "--out", str(tmp_path / "run")])
    out = capsys.readouterr()
    assert code == 0, out.err
    retried = ["extractor.parties", "challenger.trades", "counterpart.profile"]
    every = [*focused_calls("extractor", "challenger", "counterpart"), "synthesis"]
    assert sorted(calls_of(stub)) == sorted([*every, *retried])
    fed_back = [r for r in stub.requests if r.headers["x-negoprep-call"] == "counterpart.profile"][
        1
    ]
    assert "not valid against the required JSON schema" in fed_back.body["messages"][-1]["content"]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in stub.requests)
    dossier = json.loads((tmp_path / "run" / "dossier.json").read_text())
    assert dossier["status"] == "complete"
    assert {c["call"]: c["attempts"] for c in dossier["calls"]}["counterpart.profile"] == 2
    assert "Citations: " in out.out and "0 unverified" in out.out


def test_401_is_not_retried_and_the_dossier_says_so(
    small_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def reject_extractor(request: SeenRequest) -> Reply | None:
        call = request.headers["x-negoprep-call"]
        return Reply(status=401) if call.startswith("extractor") else None

    with StubOpenAI(responder(small_case, reject_extractor)) as stub:
        live_env(monkeypatch, stub)
        code = main(["prepare", str(small_case), "--out", str(tmp_path / "run")])
    out = capsys.readouterr()
    assert code == 1
    assert sorted(calls_of(stub)) == sorted(f"extractor.{f.name}" for f in FOCUSES), (
        "401 is not retried and nothing depends on a missing profile"
    )
    assert "rejected the API key (401)" in out.err and "failed (reason above)" in out.out
    markdown = (tmp_path / "run" / "dossier.md").read_text()
    assert "Missing: the extractor did not produce this part" in markdown
    assert "**INCOMPLETE**" in markdown


def test_persistent_5xx_fails_that_agent_only(
    small_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def down(request: SeenRequest) -> Reply | None:
        return (
            Reply(status=503, headers=FAST_RETRY)
            if request.headers["x-negoprep-call"] == "counterpart.tactics"  # the persona's call
            else None
        )

    with StubOpenAI(responder(small_case, down)) as stub:
        live_env(monkeypatch, stub)
        code = main(["prepare", str(small_case), "--out", str(tmp_path / "run")])
    out = capsys.readouterr()
    assert code == 1
    assert calls_of(stub).count("counterpart.tactics") == 3, "first try plus two retries"
    dossier = json.loads((tmp_path / "run" / "dossier.json").read_text())
    assert dossier["challenge"] is not None and dossier["counterpart"] is None
    assert "provider error 503" in dossier["failures"]["counterpart"]
    assert f"negoprep prepare --resume {tmp_path / 'run'}" in out.out


def test_record_then_replay_offline_without_the_key(
    small_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cassette = tmp_path / "cassette"
    with StubOpenAI(responder(small_case)) as stub:
        live_env(monkeypatch, stub)
        assert (
            main(
                [
                    "prepare",
                    str(small_case),
                    "--record",
                    str(cassette),
                    "--out",
                    str(tmp_path / "a"),
                ]
            )
            == 0
        )
    entries = sorted(
        p.name.split("-")[0] for p in cassette.glob("*.json") if p.name != "manifest.json"
    )
    assert entries == [*focused_calls("challenger", "counterpart", "extractor"), "synthesis"]
    assert KEY not in "".join(p.read_text() for p in cassette.glob("*.json"))
    manifest = json.loads((cassette / "manifest.json").read_text())
    assert manifest["models"]["extractor"]["model"] == "stub-model"
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "NEGOPREP_MODEL"):
        monkeypatch.delenv(name)
    capsys.readouterr()
    assert (
        main(["prepare", str(small_case), "--replay", str(cassette), "--out", str(tmp_path / "b")])
        == 0
    )
    first = json.loads((tmp_path / "a" / "dossier.json").read_text())
    second = json.loads((tmp_path / "b" / "dossier.json").read_text())
    assert (
        first["one_page_brief"] == second["one_page_brief"]
        and first["profile"] == second["profile"]
    )


def test_interrupted_run_says_how_to_resume_and_resumes(small_case: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    def slow(request: SeenRequest) -> Reply | None:
        slowed = request.headers["x-negoprep-call"] == "challenger.trades"
        return Reply(delay=5.0) if slowed else None

    run_dir = tmp_path / "run"
    with StubOpenAI(responder(small_case, slow)) as stub:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": stub.base_url,
            "OPENAI_API_KEY": KEY,
            "NEGOPREP_MODEL": "m",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "negoprep", "prepare", str(small_case), "--out", str(run_dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not any(r.headers["x-negoprep-call"] == "challenger.trades" for r in stub.requests):
            assert time.monotonic() < deadline, "the run never reached the challenger"
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert f"negoprep prepare --resume {run_dir}" in err and "Traceback" not in err

    with StubOpenAI(responder(small_case)) as stub:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": stub.base_url,
            "OPENAI_API_KEY": KEY,
            "NEGOPREP_MODEL": "m",
        }
        done = subprocess.run(
            [sys.executable, "-m", "negoprep", "prepare", "--resume", str(run_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert not any(c.startswith("extractor") for c in calls_of(stub)), "the profile was reused"
    assert json.loads((run_dir / "dossier.json").read_text())["status"] == "complete"
