"""The knowledge base the challenger retrieves from: Markdown entries, loaded, checked, searched.

Each entry is one file `<dir>/<category>/<id>.md` with YAML front matter (see
`negoprep.knowledge.check` for the schema and the checks). `KnowledgeBase.load` reads the built-in
base, then each user directory in order; an entry whose id is already known replaces the earlier
one and `overridden` records the file it replaced. Any problem in any file makes loading fail
with a `KnowledgeError` listing every problem, so what `check_dirs` reports is exactly what
loading refuses.

Search is BM25 ranking by SQLite FTS5 (in memory, porter stemming) over title, tags, when_to_use
and body, with the first three weighted higher. A free-text query becomes an OR of quoted tokens
(stop words dropped), so no user text can raise an FTS syntax error; see `negoprep.knowledge.search`.

Light on purpose: no langchain/langgraph imports, only PyYAML, sqlite3 and the stdlib.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from negoprep.knowledge.check import MOVES, KnowledgeEntry, Problem, scan_dirs
from negoprep.knowledge.search import SearchIndex

__all__ = [
    "BUILTIN_KB_DIR",
    "MOVES",
    "KnowledgeBase",
    "KnowledgeEntry",
    "KnowledgeError",
    "Problem",
    "SearchHit",
    "check_dirs",
]

BUILTIN_KB_DIR: Path = Path(__file__).resolve().parents[2] / "knowledge_base"


@dataclass(frozen=True)
class SearchHit:
    entry: KnowledgeEntry
    score: float
    """BM25 relevance, higher is better; only comparable within one query."""


class KnowledgeError(Exception):
    """The knowledge base cannot be loaded; `problems` lists every reason (file and line)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        head = f"knowledge base has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


def _dirs(extra_dirs: Sequence[Path], builtin: bool) -> list[Path]:
    dirs = [BUILTIN_KB_DIR] if builtin else []
    return dirs + [Path(d) for d in extra_dirs]


def check_dirs(dirs: Sequence[Path], *, with_builtin: bool) -> list[Problem]:
    """Every problem in the entries under `dirs` (after the built-in base if `with_builtin`).

    `related` ids may point to any entry of the combined base. Sorted by file and line.
    """
    return _sorted(scan_dirs(_dirs(dirs, with_builtin)).problems)


def _sorted(problems: Sequence[Problem]) -> list[Problem]:
    """By file, then line; problems on one line keep the order they were found in."""
    return sorted(problems, key=lambda p: (str(p.path), p.line))


class KnowledgeBase:
    """Entries by id plus a search index built on first use (safe to share between threads)."""

    def __init__(
        self,
        entries: Mapping[str, KnowledgeEntry],
        overridden: Mapping[str, Path] | None = None,
    ) -> None:
        self.entries: Mapping[str, KnowledgeEntry] = MappingProxyType(dict(sorted(entries.items())))
        self.overridden: Mapping[str, Path] = MappingProxyType(dict(overridden or {}))
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> KnowledgeBase:
        """Load the built-in base (unless `builtin=False`), then each of `extra_dirs` in order."""
        result = scan_dirs(_dirs(extra_dirs, builtin))
        if result.problems:
            raise KnowledgeError(_sorted(result.problems))
        return cls(result.entries, result.overridden)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> KnowledgeEntry:
        try:
            return self.entries[entry_id]
        except KeyError:
            raise KeyError(
                f"no knowledge-base entry with id '{entry_id}' ({len(self.entries)} entries loaded;"
                " `negoprep kb list` shows them)"
            ) from None

    def search(
        self, query: str, k: int = 8, *, moves: Sequence[str] = (), expand: bool = True
    ) -> list[SearchHit]:
        """The `k` entries that best match `query`, best first; [] when nothing matches.

        `moves` keeps only entries tagged with at least one of those moves (ValueError for an
        unknown move). `expand` adds a few negotiation synonyms to the query (at a lower weight).
        Entries listed as `related` by the best match get a small share of its score.
        """
        unknown = [m for m in moves if m not in MOVES]
        if unknown:
            raise ValueError(f"unknown move(s) {unknown}; known: {', '.join(MOVES)}")
        if k <= 0 or not self.entries:
            return []
        ids = list(self.entries)
        allowed = set(moves)
        with self._lock:
            if self._index is None:
                self._index = SearchIndex(list(self.entries.values()))
            ranked = self._index.search(query, expand=expand)
        hits = []
        for pos, score in ranked:
            entry = self.entries[ids[pos]]
            if allowed and not allowed.intersection(entry.moves):
                continue
            hits.append(SearchHit(entry, score))
            if len(hits) == k:
                break
        return hits
