"""Tests refuse any connection beyond loopback by default (the autouse guard in conftest.py)."""

from __future__ import annotations

import socket

import httpx2
import pytest
from stub_openai import Reply, StubOpenAI

# A documentation address (TEST-NET-1, RFC 5737): never routed. The guard refuses it before any
# packet is sent; the first assertion of each test checks that the guard is in place.
OFF_MACHINE = "192.0.2.1"


def guard_installed() -> bool:
    return bool(getattr(socket.socket.connect, "negoprep_guard", False))


def test_a_request_off_the_machine_is_refused_at_the_transport() -> None:
    assert guard_installed()
    with httpx2.Client(timeout=1) as client, pytest.raises(httpx2.ConnectError) as info:
        client.get(f"http://{OFF_MACHINE}:9/v1/models")
    assert "only loopback is allowed" in str(info.value)


async def test_an_async_request_off_the_machine_is_refused() -> None:
    assert guard_installed()
    async with httpx2.AsyncClient(timeout=1) as client:
        with pytest.raises(httpx2.ConnectError) as info:
            await client.get(f"http://{OFF_MACHINE}:9/v1/models")
    assert any("only loopback is allowed" in str(e) for e in chain(info.value))


def chain(exc: BaseException | None) -> list[BaseException]:
    """An exception, its causes and contexts, and the members of exception groups."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or any(cur is s for s in seen):
            continue
        seen.append(cur)
        todo += [cur.__cause__, cur.__context__, *getattr(cur, "exceptions", ())]
    return seen


def test_loopback_is_allowed() -> None:
    assert guard_installed()
    with StubOpenAI() as stub:
        stub.script(Reply(content="{}"))
        response = httpx2.post(f"{stub.base_url}/chat/completions", json={"model": "m"})
    assert response.status_code == 200
