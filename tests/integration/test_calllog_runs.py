"""The call log of real runs: `negoprep prepare` live over HTTP against the local stub server (on
SQLite and PostgreSQL), a replayed rehearsal with its sessions, and `negoprep log` reading it."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import openai
import pytest
from factories import example_json, with_focus_schemas
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import OnePageBrief
from negoprep.app import calllog
from negoprep.app import settings as settings_mod
from negoprep.app.calllog_writer import failure_kind
from negoprep.app.settings import Settings
from negoprep.cli.main import main
from negoprep.reading.ingest import load_case

SCHEMAS = with_focus_schemas(
    {m.__name__: m for m in (DealProfile, ChallengeReport, CounterpartProfile, OnePageBrief)}
)
KEY = "-".join(["sk", "stub", "calllog", "key", "9876543210zyxwvu"])
"""A fake key, built at run time so that no key-shaped string sits in the repository."""
SENTENCE = "The heron-grey transformer must reach Fjellvik substation before the thaw."
"""A distinctive sentence of the case, which the models' replies quote and the log must not."""
FAST_RETRY = {"retry-after-ms": "5"}


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    root = tmp_path / "case"
    root.mkdir()
    (root / "case.yaml").write_text("our_side: Buyer AS\ncounterpart: Supplier SpA\nlanguage: en\n")
    (root / "01-letter.txt").write_text(
        f"{SENTENCE}\n\nThe supplier claims EUR 1.15 million in additional costs.\n"
    )
    (root / "02-notes.md").write_text("# Notes\n\nThe buyer points to clause 5.2.\n")
    return root


def prepare_live(
    case_dir: Path, out: Path, monkeypatch: pytest.MonkeyPatch, backend: dict[str, str]
) -> list[SeenRequest]:
    """Prepare the case against the stub: extractor calls report cached prompt tokens, the
    challenger's first reply is invalid JSON, the counterpart's server fails with 500 every
    time. Returns the requests the stub saw."""
    case = load_case(case_dir)
    tries: dict[str, int] = {}

    def respond(request: SeenRequest) -> Reply:
        call = request.headers["x-negoprep-call"]
        tries[call] = tries.get(call, 0) + 1
        if call == "counterpart.tactics":  # the persona's call: the counterpart fails
            return Reply(status=500, headers=FAST_RETRY)
        if call == "challenger.trades" and tries[call] == 1:
            return Reply(content='{"ideas": [')
        name = request.body["response_format"]["json_schema"]["name"]
        content = example_json(
            SCHEMAS[name], case, ["partial-alternatives"], request.body["messages"]
        )
        return Reply(content=content, cached_tokens=4 if call.startswith("extractor") else None)

    for name, value in backend.items():
        monkeypatch.setenv(name, value)
    with StubOpenAI(respond) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("NEGOPREP_MODEL", "stub-model")
        monkeypatch.setenv("NEGOPREP_MAX_RETRIES", "1")
        assert main(["prepare", str(case_dir), "--out", str(out), "-q"]) == 1  # counterpart
    return stub.requests


def everything_stored(backend: dict[str, str], runs_dir: Path) -> str:
    """All the log holds, as text: the SQLite file's bytes, or every row of both tables."""
    url = backend.get("NEGOPREP_DATABASE_URL")
    if not url:
        assert not list(runs_dir.glob(f"{calllog.LOG_FILE}-*")), "no journal left behind"
        return (runs_dir / calllog.LOG_FILE).read_bytes().decode("utf-8", "replace")
    import psycopg

    with psycopg.connect(url) as conn:
        rows = [
            str(r[0])
            for table in (calllog.RUNS, calllog.CALLS)
            for r in conn.execute(f"SELECT row_to_json(t)::text FROM {table} t")
        ]
    return "\n".join(rows)


def test_a_live_run_logs_every_call_without_case_text_or_key(
    backend: dict[str, str],
    case_dir: Path,
    tmp_path: Path,
    offline_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "run"
    requests = prepare_live(case_dir, out, monkeypatch, backend)
    capsys.readouterr()
    settings = calllog_settings()
    found, calls = calllog.run_calls(settings, str(out))
    dossier = json.loads((out / "dossier.json").read_text())

    per_call: dict[str, int] = {}
    for r in requests:
        per_call[r.headers["x-negoprep-call"]] = per_call.get(r.headers["x-negoprep-call"], 0) + 1
    assert sorted(c.call for c in calls) == sorted(per_call), "one row per model call"
    assert {c.call: c.requests for c in calls} == per_call, "every HTTP request counted"
    kept = {c["call"]: c for c in dossier["calls"]}
    assert sorted(kept) == sorted(c.call for c in calls), "the dossier's calls, failed ones too"
    for row in calls:
        same = kept[row.call]
        assert (row.input_tokens, row.output_tokens) == (
            same["input_tokens"],
            same["output_tokens"],
        )
        assert (row.attempts, row.outcome) == (same["attempts"], same["status"])
        assert row.prompt_hash == same["prompt_hash"] and row.model == "stub-model"
        assert row.source == "live" and row.session is None
    by_call = {c.call: c for c in calls}
    assert by_call["extractor.parties"].cached_tokens == 4
    assert by_call["challenger.trades"].cached_tokens is None, "not reported: not zero"
    assert (
        by_call["challenger.trades"].outcome == "ok" and by_call["challenger.trades"].attempts == 2
    )
    assert by_call["challenger.trades"].input_tokens == 2 * 11, (
        "both attempts' prompts (stub: 11 each)"
    )
    counterpart = by_call["counterpart.tactics"]
    assert (counterpart.outcome, counterpart.error) == ("failed", "HTTP 500")
    assert counterpart.requests == 2 and counterpart.input_tokens == 0
    assert (found.calls, found.failed) == (len(calls), 1)
    assert found.input_tokens == sum(c.input_tokens for c in calls)
    extraction = [c for c in calls if c.call.startswith("extractor")]
    assert found.cached_tokens == 4 * len(extraction) and found.case_name == "case"

    stored = everything_stored(backend, offline_env / "runs")
    assert found.run_id in stored
    assert SENTENCE not in stored and "heron-grey" not in stored
    assert KEY not in stored and "calllog-key" not in stored
    assert "1.15 million" not in stored

    assert main(["log"]) == 0
    listing = capsys.readouterr().out
    assert found.run_id[:12] in listing and str(out) in listing
    assert main(["log", found.run_id[:8]]) == 0
    table = capsys.readouterr().out
    assert "failed: HTTP 500" in table and "extractor.parties" in table
    assert f"Total: {len(calls)} calls, 1 failed" in table


def calllog_settings() -> Settings:
    return settings_mod.from_env()


def test_log_command_prints_tables_csv_and_one_line_errors(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log"]) == 0
    assert capsys.readouterr().out.startswith("No runs in the call log yet (runs/calls.sqlite)")
    run = tmp_path / "run"
    assert main(["prepare", str(example_case), "--replay", "--out", str(run), "-q"]) == 0
    capsys.readouterr()

    assert main(["log"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        *["run", "started", "(UTC)", "case", "answers", "calls", "failed", "prompt", "tok"],
        *["cached", "output", "tok", "model", "s", "folder"],
    ]
    assert set(lines[1]) <= {"-", " "}
    row = lines[2].split()
    dossier = json.loads((run / "dossier.json").read_text())
    made = str(len(dossier["calls"]))
    assert row[3:7] == ["supplier-claim", "replay", made, "0"] and row[-1] == str(run)
    assert row[7] == f"{sum(c['input_tokens'] for c in dossier['calls']):,}"

    assert main(["log", "--csv"]) == 0
    (listed,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(listed) == calllog.RUN_COLUMNS
    assert (listed["case_name"], listed["calls"], listed["cached_tokens"]) == (
        "supplier-claim",
        made,
        "",
    )

    assert main(["log", str(run), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["run_id"] for r in rows] == [listed["run_id"]] * len(dossier["calls"])
    assert [r["call"] for r in rows] == [c["call"] for c in dossier["calls"]]
    assert [int(r["output_tokens"]) for r in rows] == [c["output_tokens"] for c in dossier["calls"]]
    assert {r["outcome"] for r in rows} == {"ok"} and {r["error"] for r in rows} == {""}

    assert main(["log", str(run), "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert f"(the last 2 of {len(dossier['calls'])} calls)" in text
    assert [c["call"] for c in dossier["calls"][-2:]] == [
        line.split()[3] for line in text.splitlines() if line.startswith("20")
    ]

    assert main(["log", "feedface"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "negoprep: error: feedface: no run with this id in the call log (runs/calls.sqlite); "
        "`negoprep log` lists the runs it holds"
    )
    assert main(["log", str(example_case)]) == 2
    assert "not a negoprep run folder" in capsys.readouterr().err


def test_rehearsal_calls_are_logged_with_their_session(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    cassettes = example_case / "cassettes"
    assert main(["prepare", str(example_case), "--replay", "--out", str(run), "-q"]) == 0
    script = cassettes / "rehearsal-script.txt"
    assert main(["rehearse", str(run), "--replay", str(cassettes), "--script", str(script)]) == 0
    capsys.readouterr()
    _, calls = calllog.run_calls(calllog_settings(), str(run))
    transcript = json.loads((run / "rehearsals" / "main" / "transcript.json").read_text())
    rehearsal = [c for c in calls if c.session is not None]
    assert {c.session for c in rehearsal} == {"main"}
    assert [c.call for c in rehearsal] == [c["call"] for c in transcript["calls"]]
    assert any(c.call.startswith("coach.") for c in rehearsal), "the coach's calls too"
    replies = [c for c in rehearsal if c.call.endswith(".reply")]
    assert replies and all(c.requests == 1 and c.output_tokens > 0 for c in replies)
    prepared = json.loads((run / "dossier.json").read_text())["calls"]
    assert len(calls) - len(rehearsal) == len(prepared), "the preparation's calls stay as they were"


def test_a_log_that_cannot_be_written_does_not_stop_the_run(
    example_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    in_the_way = tmp_path / "not-a-folder"
    in_the_way.write_text("")
    monkeypatch.setenv("NEGOPREP_RUNS_DIR", str(in_the_way))
    run = tmp_path / "run"
    assert main(["prepare", str(example_case), "--replay", "--out", str(run)]) == 0
    err = capsys.readouterr().err
    assert err.count("cannot be written") == 1, "said once, not for every call"
    assert f"the call log ({in_the_way / calllog.LOG_FILE}) cannot be written" in err
    assert json.loads((run / "dossier.json").read_text())["status"] == "complete"


async def test_a_streamed_reply_reports_cached_tokens_and_its_failure() -> None:
    """The rehearsal's streamed reply tells `on_call` of itself, ok or failed (with the error)."""
    from negoprep.agents.base import AgentDeps, CallRecord
    from negoprep.agents.roleplay import reply
    from negoprep.agents.roleplay_rules import CounterpartState, ReplyPlan
    from negoprep.knowledge.base import KnowledgeBase
    from negoprep.llm.prompts import PromptLibrary
    from negoprep.llm.provider import ModelConfig, OpenAICompatibleProvider

    told: list[tuple[CallRecord, BaseException | None]] = []
    with StubOpenAI() as stub:
        stub.script(Reply(content="We hold our position.", cached_tokens=2), Reply(status=401))
        provider = OpenAICompatibleProvider(
            ModelConfig(model="stub-model", base_url=stub.base_url, api_key="k", max_retries=0)
        )
        deps = AgentDeps(
            models=provider,
            prompts=PromptLibrary.load(),
            knowledge=KnowledgeBase({}),
            on_call=lambda record, error: told.append((record, error)),
        )

        def turn(n: int) -> Any:
            return reply(
                deps,
                call=f"rehearsal.turn-{n}.reply",
                character="You are Lorenzo.",
                situation="A claim.",
                state=CounterpartState(),
                plan=ReplyPlan(posture="hold", instructions=["Hold."]),
                conversation="(Nothing has been said yet.)",
                user_turn="We pay nothing.",
                language="English",
                on_token=lambda text: None,
            )

        await turn(1)
        with pytest.raises(openai.AuthenticationError):
            await turn(2)
    (ok, none), (failed, error) = told
    assert none is None and (ok.status, ok.cached_tokens, ok.requests) == ("ok", 2, 1)
    assert (ok.input_tokens, ok.output_tokens) == (3, 2)
    assert failed.status == "failed" and failed.call == "rehearsal.turn-2.reply"
    assert failure_kind(error) == "HTTP 401"


def test_a_killed_run_keeps_its_finished_calls_and_its_resume_adds_the_rest(
    tmp_path: Path, offline_env: Path
) -> None:
    """Each call is logged as it finishes: after `kill -9` the log holds every call that had
    finished and none that had not; `--resume` adds the calls it makes to the same run."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    from test_durable_runs import REPO, answers, env_for, part_no, prepare

    from negoprep.agents.extractor import FOCUSES

    case = tmp_path / "case"
    shutil.copytree(
        REPO / "cases" / "supplier-claim", case, ignore=shutil.ignore_patterns("cassettes")
    )
    run_dir, log_file = tmp_path / "run", offline_env / "runs" / calllog.LOG_FILE
    held = lambda call: call.startswith("extractor.part-") and part_no(call) > 2  # noqa: E731
    small = {"NEGOPREP_CONTEXT_TOKENS": "1500", "NEGOPREP_MAX_CONCURRENCY": "16"}

    def logged() -> list[str]:
        try:
            with contextlib.closing(sqlite3.connect(log_file)) as conn:
                return [r[0] for r in conn.execute(f"SELECT call_name FROM {calllog.CALLS}")]
        except sqlite3.Error:  # not created yet
            return []

    with StubOpenAI(answers(case, held)) as stub:
        proc = subprocess.Popen(
            [sys.executable, "-m", "negoprep", "prepare", str(case), "--out", str(run_dir)],
            env=env_for(stub, **small),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300  # a guard against a hang, not a timing
        while len(logged()) < 2 * len(FOCUSES):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "two parts were never logged"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    before = logged()
    assert sorted(before) == sorted(
        f"extractor.part-{n}.{focus.name}" for n in (1, 2) for focus in FOCUSES
    ), "every finished call, and none of the calls still waiting when the run was killed"

    with StubOpenAI(answers(case)) as stub:
        assert prepare(["--resume", str(run_dir)], env_for(stub, **small)).returncode == 0
        asked = [r.headers["x-negoprep-call"] for r in stub.requests]
    found, calls = calllog.run_calls(settings_mod.from_env(), str(run_dir))
    assert [c.call for c in calls][: len(before)] == before
    assert sorted(c.call for c in calls[len(before) :]) == sorted(asked)
    assert found.calls == len(before) + len(asked) and found.failed == 0
