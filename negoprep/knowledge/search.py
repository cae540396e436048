"""BM25 search over knowledge-base entries with SQLite FTS5 (in memory).

The index has one row per entry and the columns title, tags, when_to_use, body, weighted by
`COLUMN_WEIGHTS` in FTS5's bm25(). A free-text query is cut into word tokens, stop words are
dropped, each token is quoted (a quoted token is a plain string to FTS5, so `AND`, `*`, `(`, `"`
and the like in the user's text are never syntax) and the tokens are joined with OR.

Two light additions, each kept because it raised recall on the labelled set (tuning part and
held-out part both; see scripts/bench_retrieval.py):
- `SYNONYMS` maps everyday words a worried negotiator uses to the vocabulary of the entries; the
  added words are searched separately and count `EXPANSION_WEIGHT` times a word of the query.
- Each of the `RELATED_TOP` best entries passes `RELATED_BOOST` times its score to the entries
  it lists as `related`, so the curated neighbours of a strong match move up.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from negoprep.knowledge.check import KnowledgeEntry

COLUMNS: tuple[str, ...] = ("title", "tags", "when_to_use", "body")
COLUMN_WEIGHTS: dict[str, float] = {"title": 3.0, "tags": 3.0, "when_to_use": 2.0, "body": 1.0}
EXPANSION_WEIGHT = 0.3
RELATED_BOOST = 0.2
RELATED_TOP = 1
MAX_QUERY_TERMS = 200

_STOP_WORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves let lets s t d ll m re
    ve us also get got may might must shall cannot don doesn didn won wouldn shouldn couldn isn
    aren wasn weren haven hasn hadn"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())

SYNONYMS: dict[str, tuple[str, ...]] = {
    # alternatives and dependence
    "plan b": ("batna", "alternative", "fallback"),
    "no alternative": ("batna", "fallback", "partial"),
    "no choice": ("batna", "fallback", "partial"),
    "walk away": ("batna", "alternative", "reservation"),
    "fallback": ("batna", "alternative"),
    "nobody else": ("alternative", "second source", "dependency"),
    "no one else": ("alternative", "second source", "dependency"),
    "only one": ("single source", "dependency"),
    "depend": ("dependency", "leverage"),
    "reliant": ("dependency", "leverage"),
    "captive": ("dependency", "leverage"),
    "leverage": ("dependency", "power"),
    "power": ("leverage", "dependency"),
    "manufacturer": ("supplier",),
    "vendor": ("supplier",),
    "contractor": ("supplier",),
    "spare": ("parts", "second source"),
    "component": ("parts", "second source"),
    "lease": ("temporary", "interim", "rent"),
    "rent": ("temporary", "interim", "lease"),
    "charter": ("temporary", "interim", "lease"),
    "guarantee": ("insurance", "bond", "escrow"),
    "insur": ("insurance", "guarantee", "risk"),
    # disputes and outside procedures
    "court": ("litigation", "arbitration"),
    "sue": ("litigation", "arbitration"),
    "lawsuit": ("litigation", "arbitration"),
    "legal": ("litigation", "arbitration"),
    "lawyer": ("litigation", "arbitration"),
    "tribunal": ("arbitration", "litigation"),
    "expert": ("independent", "verification"),
    "audit": ("independent", "verification"),
    "fair": ("objective", "criteria", "legitimacy"),
    "benchmark": ("objective", "criteria"),
    # money, issues and trades
    "money": ("price", "payment"),
    "cash": ("payment", "liquidity"),
    "euro": ("price", "payment"),
    "dollar": ("price", "payment"),
    "cheap": ("price", "cost"),
    "expensive": ("price", "cost"),
    "date": ("timing", "schedule"),
    "late": ("delay", "schedule"),
    "earlier": ("timing",),
    "sooner": ("timing",),
    "option": ("alternative", "offers"),
    "package": ("offers", "trades"),
    # process and pressure
    "stuck": ("impasse", "deadlock"),
    "stall": ("impasse", "pause", "sequence"),
    "deadlock": ("impasse",),
    "stalemate": ("impasse", "deadlock"),
    "circles": ("impasse", "pause"),
    "deadline": ("pressure", "time"),
    "rush": ("pressure", "time"),
    "exhausted": ("pressure", "fatigue", "pause"),
    "tired": ("pressure", "fatigue", "pause"),
    "stress": ("pressure",),
    "break": ("pause",),
    "next step": ("process", "consent"),
    "automatic": ("default", "inertia"),
    "small yes": ("consent",),
    # people, mandates and communication
    "board": ("mandate", "authority", "approval"),
    "boss": ("mandate", "authority", "approval"),
    "cfo": ("mandate", "finance", "approval"),
    "sign off": ("mandate", "authority", "approval"),
    "approv": ("mandate", "authority"),
    "personality": ("behaviour", "style", "profile"),
    "listen": ("listening", "questions"),
    "trust": ("relationship",),
    "threat": ("warning", "consequence"),
    "ultimatum": ("warning", "threat"),
    "refus": ("no", "rejection"),
    "reject": ("no", "refusal"),
    "turn down": ("no", "refusal"),
    "give in": ("concession",),
    "cave": ("concession",),
    "concede": ("concession",),
    "bluff": ("alternatives", "overconfidence"),
    "certain": ("overconfidence",),
    "sure": ("overconfidence",),
    "precedent": ("exception", "coalition"),
    "join forces": ("coalition",),
    "other buyers": ("coalition", "precedent"),
    "lose": ("loss",),
    "losing": ("loss",),
}
"""Query word or phrase -> extra words searched at `EXPANSION_WEIGHT`.

A one-word key of 4 letters or more also matches words that start with it ('threat' matches
'threatening'); shorter keys and phrases match whole words only.
"""

_TOKEN_RE = re.compile(r"[^\W_]+")


def query_terms(query: str) -> list[str]:
    """The distinct non-stop-word tokens of `query`, lower case, in order of first appearance."""
    seen: dict[str, None] = {}
    for token in _TOKEN_RE.findall(query.lower()):
        if token not in STOP_WORDS and token not in seen:
            seen[token] = None
    return list(seen)[:MAX_QUERY_TERMS]


def _key_matches(key: str, token: str) -> bool:
    return token == key or (len(key) >= 4 and token.startswith(key))


def expansion_terms(query: str) -> list[str]:
    """Synonyms for the words and phrases of `query` that are not in it already."""
    tokens = _TOKEN_RE.findall(query.lower())
    present = set(tokens)
    joined = f" {' '.join(tokens)} "
    extra: dict[str, None] = {}
    for key, words in SYNONYMS.items():
        if " " in key:
            hit = f" {key} " in joined
        else:
            hit = any(_key_matches(key, token) for token in present)
        if hit:
            for word in words:
                for token in query_terms(word):
                    if token not in present:
                        extra[token] = None
    return list(extra)


def match_expression(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression that ORs the terms, each quoted as a plain string."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SearchIndex:
    """FTS5 index of `entries`; `search` gives (position in `entries`, score), best first.

    Not thread-safe by itself (the caller holds a lock); the connection may be used from any
    thread.
    """

    def __init__(self, entries: Sequence[KnowledgeEntry]) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        cols = ", ".join(COLUMNS)
        self._db.execute(f"CREATE VIRTUAL TABLE kb USING fts5({cols}, tokenize='porter unicode61')")
        self._db.executemany(
            f"INSERT INTO kb (rowid, {cols}) VALUES (?, ?, ?, ?, ?)",
            [(i, e.title, " ".join(e.tags), e.when_to_use, e.body) for i, e in enumerate(entries)],
        )
        position = {e.id: i for i, e in enumerate(entries)}
        self._related = [[position[r] for r in e.related if r in position] for e in entries]

    def close(self) -> None:
        self._db.close()

    def _bm25(self, terms: Sequence[str]) -> dict[int, float]:
        if not terms:
            return {}
        weights = ", ".join(str(COLUMN_WEIGHTS[c]) for c in COLUMNS)
        rows = self._db.execute(
            f"SELECT rowid, -bm25(kb, {weights}) FROM kb WHERE kb MATCH ?",
            (match_expression(terms),),
        ).fetchall()
        return {int(rowid): float(score) for rowid, score in rows}

    def search(self, query: str, *, expand: bool = True) -> list[tuple[int, float]]:
        """(position, score) of every matching entry, best first (ties: lower position first)."""
        scores = self._bm25(query_terms(query))
        if expand:
            for pos, score in self._bm25(expansion_terms(query)).items():
                scores[pos] = scores.get(pos, 0.0) + EXPANSION_WEIGHT * score
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if RELATED_BOOST:
            for pos, score in ranked[:RELATED_TOP]:
                for rel in self._related[pos]:
                    scores[rel] = scores.get(rel, 0.0) + RELATED_BOOST * score
            ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return ranked
