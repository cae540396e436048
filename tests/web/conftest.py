"""Fixtures of the web tests: the app served on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, serve


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The app served by uvicorn on 127.0.0.1 in a thread; stopped after the test."""
    yield from serve(tmp_path)
