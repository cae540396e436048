"""Shared fixtures. Every test runs offline, in a temporary working folder, with no provider set.

Real provider settings from the developer's shell or a `.env` never leak into a test: the
variables negoprep reads are removed, and the working folder (where `.env` and `runs/` are looked
for) is a fresh temporary folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


@pytest.fixture
def example_case() -> Path:
    return EXAMPLE_CASE
