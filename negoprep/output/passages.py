"""The cited passages for the reading page: by document, each cut where grounding matched a quote.

Only verified citations whose match maps back exactly to the passage text carry spans (see
`negoprep.reading.grounding.quote_spans`), so a highlighted piece is always text the check found.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from negoprep.output.build import anchor
from negoprep.output.dossier import Dossier
from negoprep.output.view import (
    Block,
    Cite,
    Inline,
    Item,
    ListBlock,
    Notice,
    Paragraph,
    Section,
    SourceDocument,
    SourcePassage,
    Sources,
    Table,
)
from negoprep.reading.grounding import clean_id


def cited_passages(dossier: Dossier, cites: Iterable[Cite]) -> list[SourceDocument]:
    """The cited passages the dossier holds, by document, each cut at its verified quotes."""
    spans: dict[str, dict[int, tuple[tuple[int, int], ...]]] = {}
    for c in cites:
        if c.check is not None and c.spans:
            spans.setdefault(clean_id(c.passage_id), {})[c.check] = c.spans
    docs: dict[str, SourceDocument] = {}
    for info in dossier.case.documents:
        if info.id:
            docs[info.id] = SourceDocument(info.id, info.path, info.format, [])
    for p in dossier.case.passages:
        doc = docs.setdefault(p.doc_id, SourceDocument(p.doc_id, p.doc_id, "", []))
        doc.passages.append(
            SourcePassage(p.id, anchor(p.id), p.locator, p.text, cut(p.text, spans.get(p.id, {})))
        )
    return [doc for doc in docs.values() if doc.passages]


def cut(
    text: str, spans: dict[int, tuple[tuple[int, int], ...]]
) -> list[tuple[str, tuple[int, ...]]]:
    """`text` in pieces at every span boundary, each with the checks whose spans cover it."""
    bounds = sorted({0, len(text), *(x for ss in spans.values() for s in ss for x in s)})
    pieces = []
    for a, z in itertools.pairwise(bounds):
        covering = tuple(k for k, ss in spans.items() if any(s <= a and z <= e for s, e in ss))
        pieces.append((text[a:z], covering))
    return pieces


def all_cites(view_sections: Iterable[Section | Block]) -> Iterable[Cite]:
    for block in view_sections:
        if isinstance(block, Section):
            yield from all_cites(block.blocks)
            continue
        lines: list[list[Inline]] = []
        if isinstance(block, Paragraph):
            lines = [block.inlines]
        elif isinstance(block, ListBlock):
            lines = list(_item_lines(block.items))
        elif isinstance(block, Notice):
            lines = block.lines
        elif isinstance(block, Table):
            lines = [cell for row in block.rows for cell in row]
        for line in lines:
            for x in line:
                if isinstance(x, Sources):
                    yield from x.cites


def _item_lines(items: Sequence[Item]) -> Iterable[list[Inline]]:
    for item in items:
        yield item.inlines
        yield from _item_lines(item.children)
