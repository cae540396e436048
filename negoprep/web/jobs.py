"""Background work the pages watch: a preparation run or one rehearsal step, as an asyncio task.

A `Job` keeps every event it emitted (so a page opened late, or reloaded, sees the whole story)
and wakes the server-sent-event streams that follow it. Cancelling a job cancels its task; the
preparation's checkpointer keeps what finished, so the run can be resumed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]


@dataclass
class Job:
    """One task and its events; `state` is running, finished, failed or cancelled."""

    id: str
    kind: str
    key: str
    """What it works on: a run folder's name, or `run/session` for a rehearsal step."""
    events: list[Event] = field(default_factory=list)
    state: str = "running"
    error: str | None = None
    result: Any = None
    started: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def emit(self, event: Event) -> None:
        """Record an event (with the seconds since the start) and wake the followers."""
        self.events.append({**event, "t": round(time.monotonic() - self.started, 1)})
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    @property
    def done(self) -> bool:
        return self.state != "running"

    async def follow(self) -> AsyncIterator[Event]:
        """Every event from the first, then new ones as they come, until the job ends."""
        sent = 0
        while True:
            while sent < len(self.events):
                sent += 1
                yield self.events[sent - 1]
            if self.done:
                return
            async with self._changed:
                if sent == len(self.events) and not self.done:
                    await self._changed.wait()


class Jobs:
    """The jobs of this server process, by id and by what they work on."""

    def __init__(self) -> None:
        self.by_id: dict[str, Job] = {}
        self.latest: dict[str, Job] = {}

    def start(
        self,
        kind: str,
        key: str,
        work: Callable[[Job], Awaitable[Any]],
        describe_error: Callable[[BaseException], str] = str,
    ) -> Job:
        """Run `work(job)` as a task; its exception becomes the job's error (never raised)."""
        job = Job(id=uuid.uuid4().hex[:16], kind=kind, key=key)

        async def runner() -> None:
            try:
                job.result = await work(job)
                job.state = "finished"
            except asyncio.CancelledError:
                job.state = "cancelled"
            except Exception as exc:  # shown on the page, named; the server goes on
                job.state, job.error = "failed", describe_error(exc)
            job.emit({"kind": "end", "state": job.state, "error": job.error})

        job.task = asyncio.get_running_loop().create_task(runner())
        self.by_id[job.id] = job
        self.latest[key] = job
        return job

    def running(self, key: str) -> Job | None:
        """The job working on `key` now, if any."""
        job = self.latest.get(key)
        return job if job is not None and not job.done else None

    def cancel(self, key: str) -> bool:
        """Cancel the running job on `key`; False when none runs."""
        job = self.running(key)
        if job is None or job.task is None:
            return False
        job.task.cancel()
        return True
