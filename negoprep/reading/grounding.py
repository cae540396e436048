"""Check every quote against the passage it cites.

A quote is verified when, after normalising (Unicode compatibility forms, typographic quotes and
dashes, case, whitespace), it appears in the cited passage. A quote with an ellipsis is verified
when its pieces appear in that order. Anything else is marked, never silently kept: an unknown
passage id, or a quote that is not in the passage (the check says where else it occurs, if
anywhere, so a reader can still find it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from negoprep.agents.schemas import Citation
from negoprep.reading.case import Passage

Status = Literal["verified", "quote not in passage", "unknown passage"]

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u00ad": "",
    }
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _pieces(quote: str) -> list[str]:
    cleaned = normalise(quote).strip(" \"'")
    parts = re.split(r"\s*(?:\.\.\.|…|\[\.\.\.\])\s*", cleaned)
    return [p.strip(" \"'.,;:") for p in parts if p.strip(" \"'.,;:")]


def quote_in(quote: str, passage_text: str) -> bool:
    haystack = normalise(passage_text)
    pieces = _pieces(quote)
    if not pieces:
        return False
    pos = 0
    for piece in pieces:
        found = haystack.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def clean_id(passage_id: str) -> str:
    return passage_id.strip().strip("[]()").strip()


class CitationCheck(BaseModel):
    passage_id: str
    quote: str
    status: Status
    found_in: list[str] = []
    """Where the quote does occur, when it is not in the cited passage."""

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def check_citation(citation: Citation, passages: dict[str, Passage]) -> CitationCheck:
    pid = clean_id(citation.passage_id)
    passage = passages.get(pid)
    if passage is not None and quote_in(citation.quote, passage.text):
        return CitationCheck(
            passage_id=citation.passage_id, quote=citation.quote, status="verified"
        )
    elsewhere = [p.id for p in passages.values() if quote_in(citation.quote, p.text)][:3]
    status: Status = "unknown passage" if passage is None else "quote not in passage"
    return CitationCheck(
        passage_id=citation.passage_id, quote=citation.quote, status=status, found_in=elsewhere
    )


def check_all(citations: Iterable[Citation], passages: dict[str, Passage]) -> list[CitationCheck]:
    """One check per distinct (passage id, quote) pair, in order of first appearance."""
    seen: dict[tuple[str, str], CitationCheck] = {}
    for c in citations:
        key = (c.passage_id, c.quote)
        if key not in seen:
            seen[key] = check_citation(c, passages)
    return list(seen.values())
