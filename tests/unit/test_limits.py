"""The process's request limiter: how many requests at once, how many a minute (no real waiting:
the clock and the sleep are injected)."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from negoprep.llm.limits import (
    LimitedAsyncTransport,
    RateWindow,
    RequestLimiter,
    shared_limiter,
)


class FakeClock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def blocking_sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(max_in_flight: int, per_minute: int | None, clock: FakeClock) -> RequestLimiter:
    return RequestLimiter(
        max_in_flight,
        per_minute,
        clock=clock,
        sleep=clock.sleep,
        blocking_sleep=clock.blocking_sleep,
    )


def test_the_window_counts_starts_of_the_last_minute() -> None:
    window = RateWindow(2)
    assert window.delay(0.0) == 0.0
    window.note(0.0)
    window.note(10.0)
    assert window.delay(30.0) == pytest.approx(30.0), "the first start leaves the window at 60 s"
    assert window.delay(60.0) == 0.0
    window.note(60.0)
    assert window.delay(61.0) == pytest.approx(9.0), "now the one at 10 s is the oldest"
    assert RateWindow(None).delay(0.0) == 0.0


async def test_requests_above_the_per_minute_limit_wait_for_the_window() -> None:
    clock = FakeClock()
    limit = limiter(8, 3, clock)
    starts = []
    for _ in range(7):
        async with limit.slot():
            starts.append(clock.now - 1000.0)
    assert starts == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
    assert limit.started == 7


def test_the_blocking_form_keeps_the_same_minute() -> None:
    clock = FakeClock()
    limit = limiter(2, 2, clock)
    starts = []
    for _ in range(3):
        with limit.blocking_slot():
            starts.append(clock.now - 1000.0)
    assert starts == [0.0, 0.0, 60.0]


async def test_at_most_max_in_flight_hold_a_slot_and_waiters_go_in_order() -> None:
    limit = limiter(2, None, FakeClock())
    order: list[int] = []
    release = asyncio.Event()

    async def request(n: int) -> None:
        async with limit.slot():
            order.append(n)
            await release.wait()

    tasks = [asyncio.create_task(request(n)) for n in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == [0, 1] and limit.in_flight == 2
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert limit.peak == 2 and limit.in_flight == 0


async def test_a_cancelled_waiter_does_not_keep_a_slot() -> None:
    limit = limiter(1, None, FakeClock())
    await limit.acquire()
    waiting = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    limit.release()
    assert limit.in_flight == 0
    await asyncio.wait_for(limit.acquire(), 5)  # a guard, not a timing: the slot is free
    assert limit.in_flight == 1


async def test_a_request_cancelled_while_waiting_for_its_minute_gives_its_slot_back() -> None:
    clock = FakeClock()

    async def never(seconds: float) -> None:
        await asyncio.Event().wait()

    limit = RequestLimiter(2, 1, clock=clock, sleep=never)
    await limit.acquire()
    second = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0)
    assert limit.in_flight == 2, "it holds a slot while it waits for the minute"
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert limit.in_flight == 1


def test_every_caller_with_the_same_settings_shares_one_limiter() -> None:
    assert shared_limiter(3, 40) is shared_limiter(3, 40)
    assert shared_limiter(3, 0) is shared_limiter(3, None)
    assert shared_limiter(3, 40) is not shared_limiter(4, 40)


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RequestLimiter(0)
    with pytest.raises(ValueError):
        RequestLimiter(1, 0)


async def test_the_transport_holds_a_slot_until_the_reply_is_read() -> None:
    limit = limiter(1, None, FakeClock())
    seen: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(limit.in_flight)
        if request.url.path == "/fail":
            raise httpx2.ConnectError("refused", request=request)
        return httpx2.Response(200, json={"ok": True})

    transport = LimitedAsyncTransport(httpx2.MockTransport(handler), limit)
    async with httpx2.AsyncClient(transport=transport) as client:
        assert (await client.get("http://127.0.0.1/a")).json() == {"ok": True}
        with pytest.raises(httpx2.ConnectError):
            await client.get("http://127.0.0.1/fail")
        await client.get("http://127.0.0.1/b")
    assert seen == [1, 1, 1], "each request held the one slot while it was sent"
    assert limit.in_flight == 0 and limit.started == 3, "a failed request counts and frees it"


async def test_a_streamed_reply_holds_its_slot_until_the_stream_is_closed() -> None:
    limit = limiter(1, None, FakeClock())

    def handler(request: httpx2.Request) -> httpx2.Response:
        stream = httpx2.ByteStream(b"data: 1\n\n")  # open, as a network reply is
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)

    transport = LimitedAsyncTransport(httpx2.MockTransport(handler), limit)
    async with httpx2.AsyncClient(transport=transport) as client:
        async with client.stream("POST", "http://127.0.0.1/s") as response:
            assert limit.in_flight == 1
            lines = [line async for line in response.aiter_lines()]
            assert lines[0] == "data: 1"
        assert limit.in_flight == 0
