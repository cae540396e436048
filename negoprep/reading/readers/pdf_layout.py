"""Undo what page layout does to a PDF's text layer, so passages read as the page does.

- Paragraphs: a page whose text has blank lines is split there. Most text layers have none, so
  a page without blank lines is split at a line break when the next line starts a list item, or
  when the next line starts with a capital letter or a digit and the line before is clearly
  shorter than the page's lines (a paragraph's last line or a heading), or a little shorter and
  ends a sentence. Lines inside a paragraph are kept (joined with "\\n").
- Hyphenation: a word broken at a line end ("Sep-" / "tember") is joined ("September"); the
  hyphen stays when the second part starts with a capital or a digit ("Jean-Pierre").
  Typographic ligatures ("ﬁ", "ﬂ") and soft hyphens become the letters a reader sees.
- Running headers and footers (the same first or last line on most pages, page numbers aside)
  are taken out of the page text and kept once; page numbers ("3", "Page 3 of 9", "- 3 -") go.
- A paragraph cut by a page break (no sentence end, next page starts in lower case) is joined
  to its start, on the page where it starts.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_LIST_ITEM = re.compile(
    r"^\s*([•●▪■◦‣∙·\-–—*]\s|\(?[0-9]{1,3}[.)]\s|\(?[a-zA-Z][.)]\s|\([ivx]+\)\s)"
)
_NO_BREAK_AFTER = (",", "-", "‐", "‑", "(", "/", "&")
_SENTENCE_END = re.compile(r"[.!?:;][\"'’”)\]]*$")
_HYPHENATED = re.compile(r"([^\W\d_])[-‐](?:[ \t]*)\n[ \t]*([^\W\d_]+)([^\S\n]?)")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:page|side|seite|sida|p\.)\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?"
    r"(?:\s*(?:of|av|von|af|/)\s*\d{1,3})?\s*$",
    re.IGNORECASE,
)
SHORT_LINE = 0.75
"""A line shorter than this share of the page's usual line length ends a paragraph..."""
ENDED_LINE = 0.9
"""... and so does a line shorter than this share that ends a sentence."""
RUNNING_SHARE = 0.5
"""A first or last line found on at least this share of the pages (and on two) is running."""


def _starts_paragraph(line: str) -> bool:
    first = line.lstrip()[:1]
    return bool(first) and (first.isupper() or first.isdigit() or bool(_LIST_ITEM.match(line)))


def split_page(text: str) -> list[str]:
    """Split one page's text into paragraphs (see the module doc); deterministic."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if not lines:
        return []
    lengths = sorted(len(line.strip()) for line in lines)
    usual = lengths[(len(lengths) * 9) // 10 if len(lengths) > 2 else -1]
    paragraphs: list[list[str]] = [[lines[0]]]
    for before, line in itertools.pairwise(lines):
        previous = before.strip()
        short = len(previous) < usual * SHORT_LINE
        ends_sentence = _SENTENCE_END.search(previous) and len(previous) < usual * ENDED_LINE
        if _LIST_ITEM.match(line) or (
            (short or ends_sentence)
            and _starts_paragraph(line)
            and not previous.endswith(_NO_BREAK_AFTER)
        ):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return ["\n".join(lines_).strip() for lines_ in paragraphs]


_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
     "\ufb05": "st", "\ufb06": "st", "\u00ad": ""}
)  # fmt: skip


def dehyphenate(text: str) -> str:
    """Join words broken at line ends: "30 Sep-\\ntember 2025" -> "30 September\\n2025"; spell
    out ligatures."""
    text = text.translate(_LIGATURES)

    def join(match: re.Match[str]) -> str:
        head, tail, space = match.group(1), match.group(2), match.group(3)
        hyphen = "" if tail[0].islower() else "-"
        return f"{head}{hyphen}{tail}" + ("\n" if space else "")

    return _HYPHENATED.sub(join, text)


def _shape(line: str) -> str:
    """A line with its digits masked: "Draft 3 - page 2" and "Draft 3 - page 5" are one header."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


@dataclass
class PageText:
    number: int
    body: str
    header: str = ""
    footer: str = ""
    dropped: list[str] = field(default_factory=list)
    """Page numbers taken out."""


def strip_running(pages: dict[int, str]) -> list[PageText]:
    """Each page's text without its running header, footer and page number (see the doc)."""
    lines = {
        n: [ln for ln in t.replace("\r", "\n").split("\n") if ln.strip()] for n, t in pages.items()
    }
    firsts = Counter(_shape(ls[0]) for ls in lines.values() if len(ls) > 1)
    lasts = Counter(_shape(ls[-1]) for ls in lines.values() if len(ls) > 1)
    need = max(2, int(len(pages) * RUNNING_SHARE + 0.999))
    out: list[PageText] = []
    for number, text in pages.items():
        own = lines[number]
        page = PageText(number=number, body=text)
        if len(own) < 2:
            out.append(page)
            continue
        head, tail = 0, len(own)
        for _ in range(2):  # a page number and a running line, in either order
            if head < tail and _PAGE_NUMBER.match(own[head]):
                page.dropped.append(own[head].strip())
                head += 1
            elif head < tail and firsts[_shape(own[head])] >= need and not page.header:
                page.header = own[head].strip()
                head += 1
            if head < tail - 1 and _PAGE_NUMBER.match(own[tail - 1]):
                page.dropped.append(own[tail - 1].strip())
                tail -= 1
            elif head < tail - 1 and lasts[_shape(own[tail - 1])] >= need and not page.footer:
                page.footer = own[tail - 1].strip()
                tail -= 1
        if (head, tail) != (0, len(own)):
            page.body = "\n".join(own[head:tail])
        out.append(page)
    return out


def continues(paragraph: str, next_paragraph: str) -> bool:
    """True when `next_paragraph` (top of the next page) goes on with `paragraph`."""
    last, first = paragraph.rstrip(), next_paragraph.lstrip()
    return bool(last and first) and not _SENTENCE_END.search(last) and first[0].islower()


@dataclass
class Fragment:
    """A piece of text as a PDF draws it: where (points from the bottom left), what, how big."""

    x: float
    y: float
    text: str
    size: float


CHAR_WIDTH = 0.5
"""Average character width as a share of the font size (for a fragment's extent)."""
PROSE_CHARS = 25
"""Both columns' lines are at least this long (median): prose, not a label-value table."""


def _lines(fragments: list[Fragment]) -> list[str]:
    rows: dict[float, list[Fragment]] = {}
    for f in fragments:
        key = next((y for y in rows if abs(y - f.y) <= f.size * 0.3), f.y)
        rows.setdefault(key, []).append(f)
    ordered = sorted(rows.items(), key=lambda item: -item[0])
    return [" ".join(f.text.strip() for f in sorted(row, key=lambda f: f.x)) for _, row in ordered]


def column_text(fragments: list[Fragment], page_width: float) -> str | None:
    """The page's text column by column when it is set in two columns of prose whose lines the
    PDF draws across both columns (so the text layer interleaves them); None otherwise."""
    shown = [f for f in fragments if f.text.strip()]
    left = [f for f in shown if f.x < page_width * 0.45]
    right = [f for f in shown if f.x >= page_width * 0.45]
    if len(left) < 3 or len(right) < 3:
        return None
    gutter = min(f.x for f in right)
    if any(f.x + len(f.text.strip()) * f.size * CHAR_WIDTH > gutter + f.size for f in left):
        return None  # a line runs across the gutter: not two columns
    lengths = [sorted(len(f.text.strip()) for f in side) for side in (left, right)]
    if min(side[len(side) // 2] for side in lengths) < PROSE_CHARS:
        return None
    low = max(min(f.y for f in left), min(f.y for f in right))
    high = min(max(f.y for f in left), max(f.y for f in right))
    if high <= low:
        return None  # one column above the other: the text layer is already in order
    columns = ("\n".join(_lines(side)) for side in (left, right))
    return "\n\n".join(p for column in columns for p in split_page(column))
