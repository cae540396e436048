"""Retrieval quality on a labelled set: recall@k, MRR, hit@1, misses, unreachable entries.

The set is a YAML list of `{query: str, expected: [id, ...]}`. Used by
`scripts/bench_retrieval.py` and `tests/unit/test_retrieval_quality.py`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from negoprep.knowledge.base import KnowledgeBase


@dataclass(frozen=True)
class Case:
    query: str
    expected: tuple[str, ...]


@dataclass
class CaseResult:
    case: Case
    returned: list[str]
    """Ids in the top k, best first."""
    recall: float
    reciprocal_rank: float
    """1/rank of the first expected id in the whole ranking (0 when none is returned at all)."""

    @property
    def missed(self) -> list[str]:
        return [e for e in self.case.expected if e not in self.returned]


@dataclass
class Report:
    k: int
    results: list[CaseResult]
    unreachable: list[str]
    """Entries that are in no query's top k."""
    mean_query_ms: float
    unknown_expected: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return _mean([r.recall for r in self.results])

    @property
    def mrr(self) -> float:
        return _mean([r.reciprocal_rank for r in self.results])

    @property
    def hit_at_1(self) -> float:
        return _mean([1.0 if r.reciprocal_rank == 1.0 else 0.0 for r in self.results])


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a YAML list of {{query, expected}} items")
    cases = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("query"), str):
            raise ValueError(f"{path}: item {i} has no 'query' text")
        expected = item.get("expected")
        if not isinstance(expected, list) or not expected:
            raise ValueError(f"{path}: item {i} has no 'expected' ids")
        cases.append(Case(item["query"], tuple(str(e) for e in expected)))
    return cases


def split_cases(cases: Sequence[Case], every: int = 4) -> tuple[list[Case], list[Case]]:
    """(tuning part, held-out part): every `every`-th case (the 4th, 8th, ...) is held out."""
    tune = [c for i, c in enumerate(cases, start=1) if i % every]
    held = [c for i, c in enumerate(cases, start=1) if not i % every]
    return tune, held


def evaluate(
    kb: KnowledgeBase, cases: Sequence[Case], k: int = 5, *, expand: bool = True
) -> Report:
    results = []
    reached: set[str] = set()
    elapsed = 0.0
    kb.search("warm up")  # the index is built on the first search; time only the queries
    for case in cases:
        start = time.perf_counter()
        ranking = [h.entry.id for h in kb.search(case.query, k=len(kb.entries), expand=expand)]
        elapsed += time.perf_counter() - start
        top = ranking[:k]
        reached.update(top)
        expected = set(case.expected)
        recall = len(expected.intersection(top)) / len(expected)
        first = next((i for i, e in enumerate(ranking, start=1) if e in expected), None)
        results.append(CaseResult(case, top, recall, 1.0 / first if first else 0.0))
    unknown = sorted({e for c in cases for e in c.expected if e not in kb.entries})
    return Report(
        k=k,
        results=results,
        unreachable=sorted(set(kb.entries) - reached),
        mean_query_ms=1000 * elapsed / len(cases) if cases else 0.0,
        unknown_expected=unknown,
    )
