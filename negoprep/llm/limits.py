"""One limit on the requests a process sends to the provider: how many at once, how many a minute.

Every HTTP request to the provider (each retry and each attempt counted as a request of its
own) takes a slot of the process's `RequestLimiter` before it is sent and gives it back when its
reply has been read (for a streamed reply: when the stream is closed). So NEGOPREP_MAX_CONCURRENCY
is the number of requests in flight over every case of a batch, every parallel agent and every
job of the web app, and NEGOPREP_MAX_RPM the number started in any 60 seconds. Replayed answers
never reach the network and take no slot.

The limiter is safe across threads and event loops (the web app and a LangGraph server may run
graphs on more than one); waiting for a slot is first come, first served. Its clock and its
sleep can be injected, so the per-minute limit is tested without waiting.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx2

WINDOW = 60.0
"""Seconds over which NEGOPREP_MAX_RPM counts the requests started."""


class RateWindow:
    """The starts of the last `WINDOW` seconds, and how long a new start must wait.

    `per_minute` None means no limit. Times are seconds on a monotonic clock. Not thread-safe on
    its own (the limiter holds its lock around it).
    """

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self.starts: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds from `now` until one more request may start (0.0: at once)."""
        if self.per_minute is None:
            return 0.0
        while self.starts and self.starts[0] <= now - WINDOW:
            self.starts.popleft()
        if len(self.starts) < self.per_minute:
            return 0.0
        return self.starts[0] + WINDOW - now

    def note(self, now: float) -> None:
        """Count a request started at `now`."""
        if self.per_minute is not None:
            self.starts.append(now)


class _Waiter:
    """One request waiting for a slot; `granted` is set (under the limiter's lock) when a slot
    is handed to it, and `wake` is then called from the releasing thread."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self.granted = False
        self.wake = wake


class RequestLimiter:
    """At most `max_in_flight` requests at once (>= 1) and at most `per_minute` started in any
    60 seconds (None: no such limit).

    `clock` (seconds, monotonic) and `sleep` (an async sleep of that many seconds) are injected
    by tests; `blocking_sleep` is the synchronous sleep of `blocking_slot`.
    """

    def __init__(
        self,
        max_in_flight: int,
        per_minute: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        blocking_sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if per_minute is not None and per_minute < 1:
            raise ValueError("per_minute must be at least 1 (or None for no limit)")
        self.max_in_flight = max_in_flight
        self.window = RateWindow(per_minute)
        self.clock = clock
        self.sleep = sleep
        self.blocking_sleep = blocking_sleep
        self.in_flight = 0
        """Slots held now (requests being sent or read, or waiting for their minute)."""
        self.started = 0
        """Requests let through since the limiter was made."""
        self.peak = 0
        """The most slots held at once."""
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    @property
    def per_minute(self) -> int | None:
        return self.window.per_minute

    # -- slots (how many at once) --------------------------------------------------------------

    def _take_or_queue(self, waiter: _Waiter) -> bool:
        """Take a slot now (True) or queue `waiter` for the next one freed (False)."""
        with self._lock:
            if self.in_flight < self.max_in_flight and not self._waiters:
                self._hold()
                return True
            self._waiters.append(waiter)
            return False

    def _hold(self) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def release(self) -> None:
        """Give a slot back: to the longest waiting request if there is one."""
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True  # the slot passes on; in_flight stays
            else:
                self.in_flight -= 1
                return
        waiter.wake()

    def _abandon(self, waiter: _Waiter) -> None:
        """A waiter gave up (cancelled): leave the queue, or pass on a slot it was handed."""
        with self._lock:
            if not waiter.granted:
                self._waiters.remove(waiter)
                return
        self.release()

    async def _acquire_slot(self) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not future.done():
                future.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(resolve)

        waiter = _Waiter(wake)
        if self._take_or_queue(waiter):
            return
        try:
            await future
        except BaseException:
            self._abandon(waiter)
            raise

    def _blocking_acquire_slot(self) -> None:
        event = threading.Event()
        waiter = _Waiter(event.set)
        if self._take_or_queue(waiter):
            return
        try:
            event.wait()
        except BaseException:
            self._abandon(waiter)
            raise

    # -- the minute (how many started) ---------------------------------------------------------

    def _start_delay(self) -> float:
        """0.0 and the start counted, or how long to wait before asking again."""
        with self._lock:
            now = self.clock()
            wait = self.window.delay(now)
            if wait <= 0:
                self.window.note(now)
                self.started += 1
            return max(wait, 0.0)

    async def acquire(self) -> None:
        """Wait for a slot, then for the minute to allow one more start; cancellation safe."""
        await self._acquire_slot()
        try:
            while (wait := self._start_delay()) > 0:
                await self.sleep(wait)
        except BaseException:
            self.release()
            raise

    def blocking_acquire(self) -> None:
        """`acquire` for synchronous code (a thread waits)."""
        self._blocking_acquire_slot()
        try:
            while (wait := self._start_delay()) > 0:
                self.blocking_sleep(wait)
        except BaseException:
            self.release()
            raise

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """`async with limiter.slot():` one request."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    @contextmanager
    def blocking_slot(self) -> Iterator[None]:
        """`with limiter.blocking_slot():` one request, from synchronous code."""
        self.blocking_acquire()
        try:
            yield
        finally:
            self.release()


_shared: dict[tuple[int, int | None], RequestLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(max_in_flight: int, per_minute: int | None = None) -> RequestLimiter:
    """The process's limiter for these limits: every caller with the same settings (every case
    of a batch, every job of the web app) gets the same one."""
    key = (max(1, max_in_flight), per_minute or None)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = RequestLimiter(*key)
        return _shared[key]


class _ReleasingStream(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, release: Callable[[], None]) -> None:
        self.inner = inner
        self.release = release
        self.released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            if not self.released:
                self.released = True
                self.release()


class _ReleasingSyncStream(httpx2.SyncByteStream):
    def __init__(self, inner: Any, release: Callable[[], None]) -> None:
        self.inner = inner
        self.release = release
        self.released = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.inner

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if not self.released:
                self.released = True
                self.release()


def _is_stream(response: httpx2.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


class LimitedAsyncTransport(httpx2.AsyncBaseTransport):
    """Sends each request through `inner` while holding a slot of `limiter`: the slot is taken
    before the request is sent and given back once the reply is read (a streamed reply: when
    the stream is closed), or at once when sending fails."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, limiter: RequestLimiter) -> None:
        self.inner = inner
        self.limiter = limiter

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await self.limiter.acquire()
        try:
            response = await self.inner.handle_async_request(request)
            if _is_stream(response) and not response.is_closed:
                response.stream = _ReleasingStream(response.stream, self.limiter.release)
                return response
            await response.aread()
        except BaseException:
            self.limiter.release()
            raise
        self.limiter.release()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class LimitedTransport(httpx2.BaseTransport):
    """The synchronous form of `LimitedAsyncTransport`."""

    def __init__(self, inner: httpx2.BaseTransport, limiter: RequestLimiter) -> None:
        self.inner = inner
        self.limiter = limiter

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.limiter.blocking_acquire()
        try:
            response = self.inner.handle_request(request)
            if _is_stream(response) and not response.is_closed:
                response.stream = _ReleasingSyncStream(response.stream, self.limiter.release)
                return response
            response.read()
        except BaseException:
            self.limiter.release()
            raise
        self.limiter.release()
        return response

    def close(self) -> None:
        self.inner.close()
