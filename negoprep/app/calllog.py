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

A log that cannot be written never stops a run: the run goes on, and `warn` says so once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.errors import UserError

if TYPE_CHECKING:
    from negoprep.agents.base import CallRecord
    from negoprep.app.runs import RunFolder
    from negoprep.app.settings import Settings

LOG_FILE = "calls.sqlite"
RUNS = "negoprep_call_runs"
CALLS = "negoprep_calls"
CONNECT_TIMEOUT = 10
"""Seconds to wait for the database (a connection, or SQLite's lock held by another run)."""
log = logging.getLogger(__name__)

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


def _now() -> str:
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
            (run_id, run_dir, case_name, _now()),
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


def failure_kind(error: BaseException | None) -> str | None:
    """What kind of failure `error` was, in a few words and without its message (which may
    quote the case): 'invalid reply', 'cut off at the output limit', 'HTTP 429', 'timeout',
    'connection failed', 'prompt too long', 'interrupted', 'empty reply', or the type's name."""
    if error is None:
        return None
    import asyncio

    import openai

    from negoprep.llm.budget import DoesNotFit
    from negoprep.llm.structured import InvalidReply

    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(chain) < 20:
        chain.append(seen)
        seen = seen.__cause__
    for exc in chain:
        if isinstance(exc, InvalidReply):
            return (
                "cut off at the output limit"
                if "finish_reason 'length'" in exc.reason
                else ("invalid reply")
            )
    for exc in reversed(chain):  # the innermost cause says most
        if isinstance(exc, openai.APIStatusError):
            return f"HTTP {exc.status_code}"
        if isinstance(exc, openai.APITimeoutError | TimeoutError):
            return "timeout"
        if isinstance(exc, openai.APIConnectionError):
            return "connection failed"
        if isinstance(exc, DoesNotFit):
            return "prompt too long"
        if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
            return "interrupted"
    if str(chain[-1]) == "the model returned an empty reply":
        return "empty reply"
    return type(chain[-1]).__name__


def _session() -> str | None:
    """The rehearsal session of the graph step this runs in (thread 'rehearsal:<run>:<name>')."""
    from langgraph.config import get_config

    try:
        thread = str(get_config().get("configurable", {}).get("thread_id") or "")
    except RuntimeError:  # not inside a graph step
        return None
    parts = thread.split(":", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "rehearsal" else None


class RunLog:
    """Writes the calls of one run to the log: `AgentDeps.on_call` (never raises). Use it as a
    context manager (sync or async) around the run, to write what is left and close at the end.

    Rows are written in order by a thread of their own, so a slow disk or database never holds
    up the run's model calls (they share its event loop); each row is stored a moment after its
    call finished. The database is opened on first use and again after an error (a dropped
    connection); when a call cannot be logged even so, `warn` is told once, from the thread
    that logs calls (at the next call or at the end), and the run goes on.
    """

    def __init__(
        self, settings: Settings, run: RunFolder, source: str, warn: Callable[[str], None]
    ) -> None:
        self.settings = settings
        self.run = run
        self.source = source
        self.warn = warn
        self.failures = 0
        """Calls that could not be logged."""
        self._store: Store | None = None
        self._queue: queue.SimpleQueue[CallRow | threading.Event | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._unsaid: str | None = None
        """A warning the writer left for the caller's thread to say."""

    def __call__(self, record: CallRecord, error: BaseException | None = None) -> None:
        """Log `record` (`error`: why the call failed, if it did)."""
        try:
            row = CallRow(
                run_id=self.run.run_id,
                session=_session(),
                finished=_now(),
                source=self.source,
                call=record.call,
                agent=record.agent,
                model=record.model,
                prompt_id=record.prompt_id,
                prompt_version=record.prompt_version,
                prompt_hash=record.prompt_hash,
                input_tokens=record.input_tokens,
                output_tokens=record.output_tokens,
                cached_tokens=record.cached_tokens,
                seconds=record.seconds,
                outcome=record.status,
                error=failure_kind(error) if record.status != "ok" else None,
                attempts=record.attempts,
                requests=record.requests,
            )
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._drain, name="negoprep-calllog", daemon=True
                    )
                    self._thread.start()
                self._queue.put(row)
        except Exception as exc:
            self._failed(exc)
        self._say()

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every call logged so far is written (or `timeout` seconds pass)."""
        with self._lock:
            if self._thread is None:
                return
            done = threading.Event()
            self._queue.put(done)
        done.wait(timeout)
        self._say()

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued (waiting at most `timeout` seconds), then close the connection;
        a later call opens it again."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout)
        self._say()

    def _drain(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
            else:
                self._save(item)
        self._disconnect()

    def _save(self, row: CallRow) -> None:
        try:
            for attempt in (1, 2):  # once more on a new connection (a dropped one)
                try:
                    if self._store is None:
                        store = Store.open(self.settings)
                        assert store is not None
                        self._store = store
                        store.add_run(self.run.run_id, str(self.run.path), self.run.case_dir.name)
                    self._store.add_call(row)
                    return
                except Exception:
                    self._disconnect()
                    if attempt == 2:
                        raise
        except Exception as exc:
            self._failed(exc)

    def _disconnect(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _failed(self, exc: Exception) -> None:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        password = _password(self.settings.database_url)
        if password:
            reason = reason.replace(password, "***")
        log.warning("call log %s: a call was not logged (%s)", where(self.settings), reason)
        with self._lock:
            self.failures += 1
            if self.failures == 1:
                self._unsaid = (
                    f"the call log ({where(self.settings)}) cannot be written ({reason}); the "
                    "run goes on, but its calls are not logged"
                )

    def _say(self) -> None:
        with self._lock:
            text, self._unsaid = self._unsaid, None
        if text:
            self.warn(text)

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> RunLog:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


def _password(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    with contextlib.suppress(ValueError):
        return urlsplit(url).password
    return None


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
    password = _password(settings.database_url)
    if password:
        reason = reason.replace(password, "***")
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
