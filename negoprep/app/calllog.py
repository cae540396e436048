"""The call log: every model call of every run, in a database the user can query (`negoprep log`).

Each model call is one row, written as the call finishes (so a run that is killed still has its
finished calls): run, rehearsal session, call, agent, model, prompt id, version and hash, prompt,
output and cached tokens, seconds, outcome ('ok' or 'failed', with the kind of failure),
attempts and HTTP requests, and where the answers came from (live, replay, record, author). A
run's row adds its folder, its case folder's name and when it was first logged.

Where: a SQLite file beside the runs, `<runs folder>/calls.sqlite` (readable by its owner only),
for every run whatever its `--out`; or, with `NEGOPREP_DATABASE_URL`, two tables in that
PostgreSQL database (`negoprep_call_runs`, `negoprep_calls`, created on first use).

Nothing of the case's text and no keys: prompts and replies are never stored (their hashes and
token counts are), and a failure is stored as its kind ("HTTP 500", "timeout", "invalid reply"),
never its message, which may quote a server's or model's words.

Rows are written by `negoprep.app.calllog_writer.RunLog`; a log that cannot be written never
stops a run.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.errors import UserError

if TYPE_CHECKING:
    from negoprep.app.settings import Settings

LOG_FILE = "calls.sqlite"
RUNS = "negoprep_call_runs"
CALLS = "negoprep_calls"
CONNECT_TIMEOUT = 10
"""Seconds to wait for the database (a connection, or SQLite's lock held by another run)."""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {RUNS} (
    run_id TEXT PRIMARY KEY, run_dir TEXT NOT NULL, case_name TEXT NOT NULL,
    started TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {CALLS} (
    id {{id}}, run_id TEXT NOT NULL, session TEXT, finished TEXT NOT NULL, source TEXT NOT NULL,
    call_name TEXT NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL, prompt_id TEXT NOT NULL,
    prompt_version TEXT NOT NULL, prompt_hash TEXT NOT NULL, input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL, cached_tokens BIGINT, seconds {{real}} NOT NULL,
    outcome TEXT NOT NULL, error TEXT, attempts INTEGER NOT NULL, requests INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS {CALLS}_run ON {CALLS} (run_id, id)
"""


@dataclass(frozen=True)
class CallRow:
    """One logged model call. Tokens are counts; `seconds` is the call's wall time over all its
    attempts; `cached_tokens` is None when the provider did not report it; `error` is the kind
    of failure (None when `outcome` is 'ok'); times are UTC, ISO 8601."""

    run_id: str
    session: str | None
    finished: str
    source: str
    call: str
    agent: str
    model: str
    prompt_id: str
    prompt_version: str
    prompt_hash: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int | None
    seconds: float
    outcome: str
    error: str | None
    attempts: int
    requests: int


@dataclass(frozen=True)
class RunRow:
    """One logged run with its totals over its calls (`cached_tokens` None: never reported)."""

    run_id: str
    started: str
    case_name: str
    run_dir: str
    sources: str
    """Where its answers came from, e.g. 'replay' or 'live, replay'."""
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int | None
    seconds: float
    last_call: str | None


CALL_COLUMNS = [f.name for f in fields(CallRow)]
RUN_COLUMNS = [f.name for f in fields(RunRow)]


def now() -> str:
    """The time now, UTC, ISO 8601 to the second ('2026-11-30T07:32:36Z')."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def where(settings: Settings) -> str:
    """Where `settings` keep the call log, fit to show: the SQLite file, or the database URL
    without its password."""
    if settings.database_url:
        from negoprep.app.checkpoints import redact

        return redact(settings.database_url)
    return str(settings.runs_dir / LOG_FILE)


class Store:
    """A connection to the call log (SQLite file or PostgreSQL), used by one thread at a time.

    Open with `Store.open(settings)` (creates the log) or `Store.open(settings, create=False)`
    (reading: `None` when there is no log file yet). Raises `sqlite3.Error` or `psycopg.Error`
    when the database cannot be used.
    """

    def __init__(self, conn: Any, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True) -> Store | None:
        """The log of `settings`; with `create`, made (file and tables) if missing."""
        if settings.database_url:
            import psycopg

            pg = psycopg.connect(
                settings.database_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            )
            store = cls(pg, postgres=True)
            if not create and store._sql("SELECT to_regclass(?)", (CALLS,)) == [(None,)]:
                store.close()
                return None
        else:
            path = settings.runs_dir / LOG_FILE
            if not create and not path.is_file():
                return None
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner-only
                conn = sqlite3.connect(path, timeout=CONNECT_TIMEOUT, check_same_thread=False)
            else:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=CONNECT_TIMEOUT)
            conn.isolation_level = None  # autocommit: each row is on disk when written
            store = cls(conn, postgres=False)
        if create:
            store.create_tables()
        return store

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    def _sql(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.postgres:
            sql = sql.replace("?", "%s")
        cur = self.conn.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []

    def create_tables(self) -> None:
        """The log's tables and index, if missing."""
        kinds = (
            {"id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "real": "DOUBLE PRECISION"}
            if self.postgres
            else {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL"}
        )
        for statement in _SCHEMA.format(**kinds).split(";"):
            self._sql(statement)

    def add_run(self, run_id: str, run_dir: str, case_name: str) -> None:
        """Log a run (again: its folder is updated, its start kept)."""
        self._sql(
            f"INSERT INTO {RUNS} (run_id, run_dir, case_name, started) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (run_id) DO UPDATE SET run_dir = excluded.run_dir",
            (run_id, run_dir, case_name, now()),
        )

    def add_call(self, row: CallRow) -> None:
        """Log one call (its run should be logged with `add_run`)."""
        names = ", ".join("call_name" if c == "call" else c for c in CALL_COLUMNS)
        marks = ", ".join("?" for _ in CALL_COLUMNS)
        values = tuple(getattr(row, c) for c in CALL_COLUMNS)
        self._sql(f"INSERT INTO {CALLS} ({names}) VALUES ({marks})", values)

    def runs(self, limit: int = 20) -> list[RunRow]:
        """The `limit` most recently started runs, newest first, with their totals."""
        return self._runs("", (), limit)

    def run(self, run_id: str) -> RunRow | None:
        """One run with its totals, or None if it is not in the log."""
        found = self._runs("WHERE r.run_id = ?", (run_id,), 1)
        return found[0] if found else None

    def _runs(self, where_sql: str, params: tuple[Any, ...], limit: int) -> list[RunRow]:
        rows = self._sql(
            "SELECT r.run_id, r.started, r.case_name, r.run_dir, count(c.id), "
            "coalesce(sum(CASE WHEN c.outcome = 'ok' THEN 0 ELSE 1 END), 0), "
            "coalesce(sum(c.input_tokens), 0), coalesce(sum(c.output_tokens), 0), "
            "sum(c.cached_tokens), coalesce(sum(c.seconds), 0), max(c.finished) "
            f"FROM {RUNS} r LEFT JOIN {CALLS} c ON c.run_id = r.run_id {where_sql} "
            "GROUP BY r.run_id, r.started, r.case_name, r.run_dir "
            "ORDER BY r.started DESC, max(c.id) DESC LIMIT ?",
            (*params, limit),
        )
        sources: dict[str, set[str]] = {}
        if rows:
            marks = ", ".join("?" for _ in rows)
            for run_id, source in self._sql(
                f"SELECT DISTINCT run_id, source FROM {CALLS} WHERE run_id IN ({marks})",
                tuple(r[0] for r in rows),
            ):
                sources.setdefault(run_id, set()).add(source)
        return [
            RunRow(
                run_id=r[0],
                started=r[1],
                case_name=r[2],
                run_dir=r[3],
                sources=", ".join(sorted(sources.get(r[0], ()))),
                calls=int(r[4]),
                failed=int(r[5]),
                input_tokens=int(r[6]),
                output_tokens=int(r[7]),
                cached_tokens=None if r[8] is None else int(r[8]),
                seconds=round(float(r[9]), 3),
                last_call=r[10],
            )
            for r in rows
        ]

    def matching(self, prefix: str) -> list[str]:
        """The logged run ids that begin with `prefix` (case-insensitive)."""
        if not prefix.isalnum():  # run ids are hex: no LIKE wildcards, nothing empty
            return []
        rows = self._sql(
            f"SELECT run_id FROM {RUNS} WHERE run_id LIKE ? ORDER BY run_id",
            (prefix.lower() + "%",),
        )
        return [r[0] for r in rows]

    def calls(self, run_id: str) -> list[CallRow]:
        """A run's calls in the order they finished."""
        names = ", ".join("call_name" if c == "call" else c for c in CALL_COLUMNS)
        rows = self._sql(f"SELECT {names} FROM {CALLS} WHERE run_id = ? ORDER BY id", (run_id,))
        return [CallRow(*r) for r in rows]


def hide_password(text: str, url: str | None) -> str:
    """`text` with the password of the database `url` (if any) replaced by ***."""
    from urllib.parse import urlsplit

    password = None
    if url:
        with contextlib.suppress(ValueError):
            password = urlsplit(url).password
    return text.replace(password, "***") if password else text


# -- reading -----------------------------------------------------------------------------------


@contextlib.contextmanager
def reading(settings: Settings) -> Iterator[Store | None]:
    """The log to read (None: there is no log file yet). Raises `UserError` naming the log
    when it cannot be read."""
    try:
        store = Store.open(settings, create=False)
    except Exception as exc:
        raise _unreadable(settings, exc) from None
    try:
        yield store
    except (sqlite3.Error, OSError) as exc:
        raise _unreadable(settings, exc) from None
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise _unreadable(settings, exc) from None
        raise
    finally:
        if store is not None:
            store.close()


def _unreadable(settings: Settings, exc: Exception) -> UserError:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    reason = hide_password(reason, settings.database_url)
    if "no such table" in reason or "does not exist" in reason:
        return UserError(f"{where(settings)}: holds no call log yet (no run has logged a call)")
    return UserError(f"{where(settings)}: the call log cannot be read ({reason})")


def recent_runs(settings: Settings, limit: int = 20) -> list[RunRow]:
    """The `limit` most recent runs of the log, newest first ([] when there is no log yet).

    Raises `UserError` when the log cannot be read."""
    with reading(settings) as store:
        return [] if store is None else store.runs(limit)


def run_calls(settings: Settings, run: str) -> tuple[RunRow, list[CallRow]]:
    """A run of the log and its calls, in the order they finished. `run` is a run folder (its
    `.negoprep-run` names the run) or a run id, or the start of one.

    Raises `UserError` when no logged run matches (or several do), or the log cannot be read.
    """
    from negoprep.app.runs import MARKER, open_run

    text = run.strip()
    path = Path(text).expanduser()
    if (path / MARKER).is_file():
        run_id, what = open_run(path).run_id, "this run has no calls"
    elif path.exists() or "/" in text or os.sep in text:
        why = f"not a negoprep run folder (no {MARKER})" if path.exists() else "no such folder"
        raise UserError(f"{run}: {why}; give a run folder or a run id (`negoprep log` lists them)")
    else:
        run_id, what = text, "no run with this id"
    with reading(settings) as store:
        found = [] if store is None or not run_id else store.matching(run_id)
        if len(found) > 1:
            raise UserError(
                f"{run}: {len(found)} runs in the call log have ids beginning so "
                f"({', '.join(f[:12] for f in found[:5])}); give more of the id"
            )
        if not found:
            raise UserError(
                f"{run}: {what} in the call log ({where(settings)}); `negoprep log` lists "
                "the runs it holds"
            )
        assert store is not None
        row = store.run(found[0])
        assert row is not None
        return row, store.calls(found[0])
