"""Split a case into parts that each fit one extraction call, and render them for prompts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from negoprep.reading.case import Case, Passage

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
    """Documents with a header each, every passage prefixed with its id."""
    titles = {d.id: d for d in case.documents if d.id}
    lines: list[str] = []
    current = None
    for p in passages:
        if p.doc_id != current:
            current = p.doc_id
            doc = titles.get(p.doc_id)
            label = f"{doc.path} ({doc.format})" if doc else p.doc_id
            lines.append(f"\n=== {p.doc_id}: {label} ===")
        lines.append(f"[{p.id}] {p.text}")
    return "\n".join(lines).strip()


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
