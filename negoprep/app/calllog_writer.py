"""Writing the call log while a run works: `RunLog`, the hook every model call reports to.

`negoprep.app.calllog` is the log itself (where it is, its tables, reading it). Here: the row of a
finished call (with its rehearsal session, and the kind of failure, never its message), written
in order by a thread of its own, so that the run never waits on the disk or the database.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from negoprep.app import calllog
from negoprep.app.calllog import CallRow, Store, hide_password, where

if TYPE_CHECKING:
    from negoprep.agents.base import CallRecord
    from negoprep.app.runs import RunFolder
    from negoprep.app.settings import Settings

log = logging.getLogger(__name__)


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
            cut = "finish_reason 'length'" in exc.reason
            return "cut off at the output limit" if cut else "invalid reply"
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
                finished=calllog.now(),
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
        reason = hide_password(reason, self.settings.database_url)
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
