"""Split a case into parts that each fit one extraction call, and render them for prompts.

The rendered document block is delimited so that no document text can imitate its structure:
a document starts with a line `=== D1: file name (format) ===`, a passage with its id in
square brackets at the start of a line, and every further line of a passage is indented by four
spaces. Names are put on one line (`sanitise.one_line`), so a line break in a file or
attachment name cannot forge a passage either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from negoprep.reading.case import Case, Passage
from negoprep.reading.sanitise import one_line

CONTINUATION = "    "
"""The indent of a passage's second and further lines in a prompt."""

CHARS_PER_TOKEN = 4
"""A deliberately cautious estimate; real tokenisers give about 4 characters a token in English."""


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


@dataclass
class Part:
    passages: list[Passage] = field(default_factory=list)
    tokens: int = 0

    def scope(self, index: int, total: int, case: Case) -> str:
        if total == 1:
            return "The whole case: all documents."
        docs = sorted({p.doc_id for p in self.passages}, key=_doc_order)
        first, last = self.passages[0].id, self.passages[-1].id
        return (
            f"Part {index} of {total} of a large case: passages {first} to {last} "
            f"(documents {', '.join(docs)}). Other parts are read separately and merged later; "
            "extract what this part shows."
        )


def _doc_order(doc_id: str) -> tuple[int, str]:
    head = doc_id.split(".")[0].lstrip("D")
    return (int(head) if head.isdigit() else 0, doc_id)


def render_passages(case: Case, passages: Iterable[Passage]) -> str:
    """Documents with a header each, every passage prefixed with its id (see the module doc).

    A document read by OCR says so in its header. Returns the block as one string.
    """
    titles = {d.id: d for d in case.documents if d.id}
    lines: list[str] = []
    current = None
    for p in passages:
        if p.doc_id != current:
            current = p.doc_id
            doc = titles.get(p.doc_id)
            label = f"{one_line(doc.path)} ({one_line(doc.format)})" if doc else p.doc_id
            if doc is not None and "read by OCR" in doc.metadata:
                label += " [text recognised by OCR from a scan: may hold recognition errors]"
            lines.append(f"\n=== {p.doc_id}: {label} ===")
        text = f"\n{CONTINUATION}".join(line.strip() for line in p.text.splitlines())
        lines.append(f"[{p.id}] {text}")
    return "\n".join(lines).strip()


def describe_passages(case: Case, passages: Sequence[Passage], limit: int = 10) -> str:
    """Which files (and pages or passages) `passages` come from, for a message about what was
    not read: "`big.txt` (D7, passages D7.P3 to D7.P900); `scan.pdf` (D8, pages 2-30)"."""
    paths = {d.id: one_line(d.path) for d in case.documents if d.id}
    spans: dict[str, list[Passage]] = {}
    for p in passages:
        spans.setdefault(p.doc_id, []).append(p)
    described = []
    for doc_id, own in spans.items():
        pages = sorted({int(p.id.split(".p")[1].split(".")[0]) for p in own if ".p" in p.id})
        if pages:
            where = f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}"
        else:
            where = own[0].id if len(own) == 1 else f"passages {own[0].id} to {own[-1].id}"
        described.append(f"`{paths.get(doc_id, doc_id)}` ({doc_id}, {where})")
    if len(described) > limit:
        return "; ".join(described[:limit]) + f"; and {len(described) - limit} more files"
    return "; ".join(described)


def split_into_parts(case: Case, budget_tokens: int) -> list[Part]:
    """Consecutive passages grouped so that each group's rendered text fits `budget_tokens`."""
    parts: list[Part] = [Part()]
    for p in case.passages:
        cost = estimate_tokens(p.text) + 6
        if parts[-1].passages and parts[-1].tokens + cost > budget_tokens:
            parts.append(Part())
        parts[-1].passages.append(p)
        parts[-1].tokens += cost
    return parts
