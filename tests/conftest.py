"""Shared fixtures. Every test runs offline, in a temporary working folder, with no provider set.

Real provider settings from the developer's shell or a `.env` never leak into a test: the
variables negoprep reads are removed, and the working folder (where `.env` and `runs/` are looked
for) is a fresh temporary folder.

No test reaches beyond this machine: every socket connection (the one place httpx2's transports,
sync and async, open one) to an address that is not loopback is refused with `NetworkRefused`,
before any packet is sent, like pydantic-ai's ALLOW_MODEL_REQUESTS. A test that really needs the
network says so with ``@pytest.mark.allow_network``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
EXAMPLE_CASE = REPO / "cases" / "supplier-claim"
sys.path.insert(0, str(TESTS))


@pytest.fixture(autouse=True)
def offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "NEGOPREP_", "LANGSMITH_", "LANGCHAIN_")):
            monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


class NetworkRefused(ConnectionRefusedError):
    """A test tried to connect to an address off this machine."""


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like stay on the machine
        return True
    host = str(address[0]).split("%")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # an unresolved name: refuse rather than guess


def guarded_connect(original: Any) -> Any:
    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkRefused(
                f"tests may not connect to {address!r}: only loopback is allowed "
                "(mark the test @pytest.mark.allow_network if it truly needs the network)"
            )
        return original(sock, address)

    connect.negoprep_guard = True  # type: ignore[attr-defined]
    return connect


@pytest.fixture(autouse=True)
def loopback_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("allow_network"):
        return
    monkeypatch.setattr(socket.socket, "connect", guarded_connect(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect(socket.socket.connect_ex))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_network: let this test connect beyond loopback")


@pytest.fixture
def example_case() -> Path:
    return EXAMPLE_CASE
