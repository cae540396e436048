"""Check every quote against the passage it cites, in time linear in the size of the case.

A quote is verified when, after normalising, it appears in the cited passage. Normalising folds
what layout and typography change but a reader does not see as different text: Unicode
compatibility forms (ligatures such as "ﬁ"), typographic quotes and dashes, case, whitespace and
line breaks, and hyphens inside a word (so "Sep-\\ntember" from a PDF line end, "Sep- tember" and
"September" are one word). A quote with an ellipsis is verified when its pieces appear in that
order. A passage read by OCR also accepts a quote that matches it closely but not exactly (OCR
confuses "l" and "1", drops accents...): the check then says "verified approximately (OCR)".

Anything else is marked, never silently kept: an unknown passage id, or a quote that is not in
the passage; the check then says where else it occurs, if anywhere. That search normalises each
passage once and looks all such quotes up at once (an Aho-Corasick automaton over the quotes),
so checking is one pass over the case whatever the number of quotes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel

from negoprep.agents.schemas import Citation
from negoprep.reading.case import Passage

Status = Literal[
    "verified", "verified approximately (OCR)", "quote not in passage", "unknown passage"
]
Progress = Callable[[int, int], None]
"""Called as progress(passages searched, passages in all) while quotes are looked up."""

OCR_MATCH = 90.0
"""How closely (rapidfuzz's partial ratio, 0-100) a quote must match an OCR passage."""
MAX_FOUND_IN = 3
PROGRESS_EVERY = 5000

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
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u00ad": "",
    }
)
# A hyphen between letters, and the line break or spaces after it (starts with the literal "-",
# so the regex engine skips to hyphens fast).
_WORD_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)\s*(?=[^\W\d_])")


def normalise(text: str) -> str:
    """The form quotes and passages are compared in (see the module doc)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = text.casefold()
    if "-" in text:
        text = _WORD_HYPHEN.sub("", text)
    return " ".join(text.split())


def _pieces(quote: str) -> list[str]:
    cleaned = normalise(quote).strip(" \"'")
    parts = re.split(r"\s*(?:\.\.\.|…|\[\.\.\.\])\s*", cleaned)
    return [p.strip(" \"'.,;:") for p in parts if p.strip(" \"'.,;:")]


def _in_order(pieces: list[str], haystack: str) -> bool:
    pos = 0
    for piece in pieces:
        found = haystack.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return bool(pieces)


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


def quote_spans(quote: str, passage_text: str) -> list[tuple[int, int]] | None:
    """Where the check that verifies `quote` matched it in `passage_text`, as positions in it.

    Returns one `(start, end)` character range of `passage_text` per piece of the quote (pieces
    are separated by an ellipsis), the same matches `quote_in` finds; None when the quote is not
    in the passage, or when the match cannot be mapped back to the original text exactly (then a
    reader gets no highlight rather than a wrong one).
    """
    if passage_text.isascii():
        chars, origin = _fold_ascii(passage_text)
    else:
        chars, origin = _fold(passage_text)
    mapped = "".join(chars)
    if "-" in mapped:  # hyphens inside words go, as in `normalise`
        dropped = {i for m in _WORD_HYPHEN.finditer(mapped) for i in range(m.start(), m.end())}
        chars = [c for i, c in enumerate(chars) if i not in dropped]
        origin = [o for i, o in enumerate(origin) if i not in dropped]
        mapped = "".join(chars)
    if mapped != normalise(passage_text):
        return None
    found = _find(_pieces(quote), mapped)
    if found is None:
        return None
    return [(origin[a][0], origin[b - 1][1]) for a, b in found]


def _fold_ascii(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """`_fold` for ASCII text, where NFKC and the translation change nothing and casefolding
    is lowercasing: one pass without per-character normalisation (several times faster)."""
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    last_space = True  # leading whitespace goes
    for i, ch in enumerate(text.lower()):
        if ch.isspace():
            if last_space:
                continue
            ch, last_space = " ", True
        else:
            last_space = False
        chars.append(ch)
        origin.append((i, i + 1))
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return chars, origin


def _fold(passage_text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The passage in `normalise`'s form before hyphens are dropped, one character at a time,
    with the range of the original text each character came from."""
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
    return chars, origin


def quote_in(quote: str, passage_text: str) -> bool:
    """True when `quote` (its pieces, in order) is in `passage_text`, both normalised."""
    return _in_order(_pieces(quote), normalise(passage_text))


def close_enough(quote: str, passage_text: str) -> bool:
    """True when every piece of `quote` matches some stretch of `passage_text` closely
    (`OCR_MATCH`), as OCR text of the same words does."""
    from rapidfuzz import fuzz

    haystack = normalise(passage_text)
    pieces = _pieces(quote)
    return bool(pieces) and all(
        fuzz.partial_ratio(piece, haystack) >= OCR_MATCH for piece in pieces
    )


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
        """True for an exact match and for a close match in OCR text."""
        return self.status.startswith("verified")

    @property
    def approximate(self) -> bool:
        return self.status == "verified approximately (OCR)"


def _status_in(quote: str, passage: Passage | None, normalised: str) -> Status:
    if passage is None:
        return "unknown passage"
    if _in_order(_pieces(quote), normalised):
        return "verified"
    if passage.ocr and close_enough(quote, passage.text):
        return "verified approximately (OCR)"
    return "quote not in passage"


def find_quotes(
    quotes: Iterable[str],
    passages: Iterable[Passage],
    total: int = 0,
    progress: Progress | None = None,
) -> dict[str, list[str]]:
    """Where each quote occurs: quote -> up to `MAX_FOUND_IN` passage ids, in passage order.

    One pass: each passage is normalised once and searched for all quotes at once with an
    Aho-Corasick automaton of each quote's longest piece; only passages holding that piece are
    checked for the whole quote. `progress(done, total)` is called every few thousand passages.
    """
    import ahocorasick

    wanted: dict[str, list[str]] = {}
    by_key: dict[str, list[str]] = {}
    for quote in quotes:
        pieces = _pieces(quote)
        if pieces and quote not in wanted:
            wanted[quote] = pieces
            by_key.setdefault(max(pieces, key=len), []).append(quote)
    found: dict[str, list[str]] = {quote: [] for quote in wanted}
    if not wanted:
        return found
    automaton = ahocorasick.Automaton()
    for key in by_key:
        automaton.add_word(key, key)
    automaton.make_automaton()
    open_quotes = len(wanted)
    for done, passage in enumerate(passages, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        text = normalise(passage.text)
        keys = {key for _end, key in automaton.iter(text)}
        for key in keys:
            for quote in by_key[key]:
                hits = found[quote]
                if len(hits) < MAX_FOUND_IN and _in_order(wanted[quote], text):
                    hits.append(passage.id)
                    open_quotes -= len(hits) == MAX_FOUND_IN
        if open_quotes == 0:
            break
    if progress is not None:
        progress(total, total)
    return found


def check_citation(citation: Citation, passages: dict[str, Passage]) -> CitationCheck:
    """Check one citation (see `check_all` for many)."""
    return check_all([citation], passages)[0]


def check_all(
    citations: Iterable[Citation],
    passages: dict[str, Passage],
    progress: Progress | None = None,
) -> list[CitationCheck]:
    """One check per distinct (passage id, quote) pair, in order of first appearance.

    `passages` maps ids to passages (`Case.passage_map()`). Each cited passage is normalised
    once; quotes not in their passage are then looked up in the whole case in one pass
    (`find_quotes`, reporting `progress`). Never raises for bad citations: they are marked.
    """
    normalised: dict[str, str] = {}
    checks: dict[tuple[str, str], CitationCheck] = {}
    for c in citations:
        key = (c.passage_id, c.quote)
        if key in checks:
            continue
        pid = clean_id(c.passage_id)
        passage = passages.get(pid)
        if passage is not None and pid not in normalised:
            normalised[pid] = normalise(passage.text)
        status = _status_in(c.quote, passage, normalised.get(pid, ""))
        checks[key] = CitationCheck(passage_id=c.passage_id, quote=c.quote, status=status)
    missing = [check.quote for check in checks.values() if not check.verified]
    if missing:
        where = find_quotes(missing, passages.values(), len(passages), progress)
        for check in checks.values():
            if not check.verified:
                check.found_in = where.get(check.quote, [])
    return list(checks.values())
