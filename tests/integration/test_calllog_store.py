"""The call log's store and writer on both databases: the SQLite file beside the runs and
PostgreSQL (`backend`), plus what a failure to write it does (a warning, never a broken run)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from negoprep.agents.base import CallRecord
from negoprep.app import calllog, runs
from negoprep.app import settings as settings_mod
from negoprep.app.calllog import Store
from negoprep.app.calllog_writer import RunLog, failure_kind
from negoprep.app.settings import Settings
from negoprep.errors import UserError
from negoprep.llm.compat import Usage
from negoprep.llm.structured import CallFailed, InvalidReply


def settings_for(
    backend: dict[str, str], monkeypatch: pytest.MonkeyPatch, runs_dir: Path
) -> Settings:
    for name, value in {**backend, "NEGOPREP_RUNS_DIR": str(runs_dir)}.items():
        monkeypatch.setenv(name, value)
    return settings_mod.from_env()


def record(
    call: str, *, tokens: int = 100, cached: int | None = None, ok: bool = True
) -> CallRecord:
    return CallRecord(
        call=call,
        agent=call.split(".")[0],
        model="m-1",
        prompt_id=call.split(".")[0],
        prompt_version="2",
        prompt_hash="abcdef012345",
        input_tokens=tokens,
        output_tokens=tokens // 10,
        cached_tokens=cached,
        attempts=1 if ok else 3,
        seconds=1.5,
        requests=1 if ok else 3,
        status="ok" if ok else "failed",
    )


def new_run(tmp_path: Path, runs_dir: Path, name: str) -> runs.RunFolder:
    case = tmp_path / name
    case.mkdir()
    run = runs.new_run(runs_dir, case, {})
    run.release()
    return run


def test_calls_and_totals_round_trip(
    backend: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runs_dir = tmp_path / "runs"
    settings = settings_for(backend, monkeypatch, runs_dir)
    assert calllog.recent_runs(settings) == [], "no log yet: nothing listed, nothing created"
    assert not (runs_dir / calllog.LOG_FILE).exists()
    first, second = new_run(tmp_path, runs_dir, "case-a"), new_run(tmp_path, runs_dir, "case-b")
    warnings: list[str] = []
    with RunLog(settings, first, "live", warnings.append) as log:
        log(record("extractor.parties", tokens=1000, cached=600))
        log(record("extractor.facts", tokens=500, cached=None))
        log(record("counterpart", tokens=300, ok=False), CallFailed("x", Usage(), 3))
    with RunLog(settings, second, "replay", warnings.append) as log:
        log(record("synthesis", tokens=40))
    with RunLog(settings, first, "record", warnings.append) as log:  # a later rehearsal
        log(record("coach.hint", tokens=7))
    assert warnings == []

    listed = calllog.recent_runs(settings)
    assert sorted(r.run_id for r in listed) == sorted([first.run_id, second.run_id])
    a = next(r for r in listed if r.run_id == first.run_id)
    assert (a.case_name, a.run_dir) == ("case-a", str(first.path))
    assert (a.calls, a.failed) == (4, 1)
    assert (a.input_tokens, a.output_tokens, a.cached_tokens) == (1807, 180, 600)
    assert a.seconds == pytest.approx(6.0)
    assert a.sources == "live, record"
    b = next(r for r in listed if r.run_id == second.run_id)
    assert (b.calls, b.failed, b.cached_tokens, b.sources) == (1, 0, None, "replay")
    assert len(calllog.recent_runs(settings, limit=1)) == 1

    found, calls = calllog.run_calls(settings, str(first.path))
    assert found == a
    assert [c.call for c in calls] == [
        "extractor.parties",
        "extractor.facts",
        "counterpart",
        "coach.hint",
    ]
    failed = calls[2]
    assert (failed.outcome, failed.error, failed.attempts, failed.requests) == (
        "failed",
        "CallFailed",
        3,
        3,
    )
    assert calls[0].cached_tokens == 600 and calls[1].cached_tokens is None
    assert calls[0].error is None and calls[0].session is None
    assert calls[0].finished.endswith("Z") and calls[0].prompt_hash == "abcdef012345"
    assert calllog.run_calls(settings, first.run_id[:8])[0].run_id == first.run_id
    assert calllog.run_calls(settings, first.run_id.upper())[0].run_id == first.run_id


def test_unknown_runs_are_one_clear_error(
    backend: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runs_dir = tmp_path / "runs"
    settings = settings_for(backend, monkeypatch, runs_dir)
    logged, unlogged = new_run(tmp_path, runs_dir, "a"), new_run(tmp_path, runs_dir, "b")
    with RunLog(settings, logged, "live", lambda text: None) as log:
        log(record("synthesis"))
    with pytest.raises(UserError, match=r"^0123abcd: no run with this id in the call log"):
        calllog.run_calls(settings, "0123abcd")
    with pytest.raises(UserError, match="this run has no calls in the call log"):
        calllog.run_calls(settings, str(unlogged.path))
    with pytest.raises(UserError, match="not a negoprep run folder"):
        calllog.run_calls(settings, str(tmp_path / "a"))
    with pytest.raises(UserError, match="no such folder"):
        calllog.run_calls(settings, str(tmp_path / "gone"))
    with pytest.raises(UserError, match="no run with this id"):
        calllog.run_calls(settings, "%")  # a LIKE pattern is no wildcard here


def test_an_ambiguous_id_asks_for_more(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_for({}, monkeypatch, tmp_path / "runs")
    store = Store.open(settings)
    assert store is not None
    for run_id in ("aa11", "aa22"):
        store.add_run(run_id, f"/runs/{run_id}", "case")
    store.close()
    with pytest.raises(UserError, match=r"2 runs in the call log have ids beginning so"):
        calllog.run_calls(settings, "aa")
    assert calllog.run_calls(settings, "aa2")[0].run_id == "aa22"


def test_a_log_that_cannot_be_written_warns_once_and_never_raises(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    in_the_way = tmp_path / "runs"
    in_the_way.write_text("a file where the runs folder should be")
    settings = settings_for({}, monkeypatch, in_the_way)
    case = tmp_path / "case"
    case.mkdir()
    run = runs.claim_out_dir(tmp_path / "out", case, {})
    warnings: list[str] = []
    with RunLog(settings, run, "live", warnings.append) as log:
        log(record("extractor.parties"))
        log(record("synthesis"))
    assert log.failures == 2
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"the call log ({in_the_way / calllog.LOG_FILE}) cannot be written"
    )
    assert "the run goes on" in warnings[0]


def test_a_dropped_connection_is_opened_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = settings_for({}, monkeypatch, tmp_path / "runs")
    run = new_run(tmp_path, tmp_path / "runs", "case")
    warnings: list[str] = []
    with RunLog(settings, run, "live", warnings.append) as log:
        log(record("extractor.parties"))
        log.flush()
        assert log._store is not None
        log._store.conn.close()  # as a server restart would
        log(record("synthesis"))
    assert warnings == [] and log.failures == 0
    assert [c.call for c in calllog.run_calls(settings, run.run_id)[1]] == [
        "extractor.parties",
        "synthesis",
    ]


def test_the_sqlite_log_is_private_and_reading_never_creates_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = settings_for({}, monkeypatch, tmp_path / "runs")
    with pytest.raises(UserError, match="no run with this id"):
        calllog.run_calls(settings, "abc")
    assert not (tmp_path / "runs").exists()
    run = new_run(tmp_path, tmp_path / "runs", "case")
    with RunLog(settings, run, "live", lambda text: None) as log:
        log(record("synthesis"))
    path = tmp_path / "runs" / calllog.LOG_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {calllog.RUNS, calllog.CALLS} <= tables


def test_failure_kinds_name_the_kind_never_the_message() -> None:
    secret = "the quoted case sentence"
    assert failure_kind(None) is None
    invalid = InvalidReply("DealProfile", 3, f"x: {secret}", secret)
    assert failure_kind(invalid) == "invalid reply"
    cut = InvalidReply("DealProfile", 1, "the reply was cut off (finish_reason 'length', ...)", "")
    assert failure_kind(cut) == "cut off at the output limit"
    timed_out = CallFailed(secret, Usage(), 1)
    timed_out.__cause__ = TimeoutError()
    assert failure_kind(timed_out) == "timeout"
    assert failure_kind(asyncio.CancelledError()) == "interrupted"
    assert failure_kind(ValueError("the model returned an empty reply")) == "empty reply"
    assert failure_kind(ValueError(secret)) == "ValueError"


def test_the_newest_runs_come_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_for({}, monkeypatch, tmp_path / "runs")
    order = [new_run(tmp_path, tmp_path / "runs", name) for name in ("old", "mid", "new")]
    for day, run in enumerate(order, 1):
        monkeypatch.setattr(calllog, "now", lambda day=day: f"2026-01-0{day}T10:00:00Z")
        with RunLog(settings, run, "live", lambda text: None) as log:
            log(record("synthesis"))
    monkeypatch.setattr(calllog, "now", lambda: "2026-01-09T10:00:00Z")
    with RunLog(settings, order[0], "live", lambda text: None) as log:  # resumed later
        log(record("challenger"))
    listed = calllog.recent_runs(settings)
    assert [r.case_name for r in listed] == ["new", "mid", "old"], "by start, not last call"
    assert listed[2].started == "2026-01-01T10:00:00Z"
    assert listed[2].last_call == "2026-01-09T10:00:00Z"
    assert [r.case_name for r in calllog.recent_runs(settings, limit=2)] == ["new", "mid"]
