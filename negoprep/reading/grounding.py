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


def _find(pieces: list[str], haystack: str) -> list[tuple[int, int]] | None:
    """Where each piece occurs in `haystack`, in order (first match each); None if one does not."""
    if not pieces:
        return None
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in pieces:
        found = haystack.find(piece, pos)
        if found < 0:
            return None
        pos = found + len(piece)
        spans.append((found, pos))
    return spans


def quote_in(quote: str, passage_text: str) -> bool:
    return _find(_pieces(quote), normalise(passage_text)) is not None


def quote_spans(quote: str, passage_text: str) -> list[tuple[int, int]] | None:
    """Where the check that verifies `quote` matched it in `passage_text`, as positions in it.

    Returns one `(start, end)` character range of `passage_text` per piece of the quote (pieces
    are separated by an ellipsis), the same matches `quote_in` finds; None when the quote is not
    in the passage, or when the match cannot be mapped back to the original text exactly (then a
    reader gets no highlight rather than a wrong one).
    """
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(passage_text) + 1):
        if end < len(passage_text) and unicodedata.combining(passage_text[end]):
            continue  # keep a base character with its combining marks
        folded = unicodedata.normalize("NFKC", passage_text[start:end])
        for ch in folded.translate(_TRANSLATE).casefold():
            if ch.isspace() and (not chars or chars[-1] == " "):
                continue  # whitespace runs become one space; leading whitespace goes
            chars.append(" " if ch.isspace() else ch)
            origin.append((start, end))
        start = end
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    mapped = "".join(chars)
    if mapped != normalise(passage_text):
        return None
    found = _find(_pieces(quote), mapped)
    if found is None:
        return None
    return [(origin[a][0], origin[b - 1][1]) for a, b in found]


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
