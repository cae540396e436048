"""The dossier as a Word document (DOCX), written with python-docx from the dossier's view.

Real structure, not look-alike formatting: sections are `Heading 1`/`Heading 2`, lists use the
`List Bullet`/`List Number` styles (each numbered list restarts at 1), tables are Word tables
with a repeating header row, warnings use `Intense Quote`. Citations follow their statement in
small type, an unverified one flagged in place; the cited passages come last, with the words
grounding matched highlighted. Text is added as text runs, so case content cannot become
structure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from negoprep.output.view import (
    Block,
    Cite,
    DossierView,
    Inline,
    Item,
    ListBlock,
    Notice,
    Paragraph,
    Section,
    Table,
)

SMALL = 8
WARN = (0x9A, 0x3B, 0x00)
MUTED = (0x5B, 0x65, 0x75)


def render_docx(view: DossierView) -> bytes:
    """The dossier as DOCX bytes (python-docx's default template: Word's built-in styles)."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = view.title
    doc.core_properties.language = view.language
    doc.add_heading(view.title, 0)
    writer = _Writer(doc, view)
    for block in view.intro:
        writer.block(block)
    for section in view.sections:
        writer.block(section)
    writer.sources()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class _Writer:
    def __init__(self, doc: Any, view: DossierView) -> None:
        self.doc = doc
        self.view = view

    def block(self, block: Block | Section) -> None:
        if isinstance(block, Section):
            self.doc.add_heading(block.title, block.level - 1)
            for child in block.blocks:
                self.block(child)
        elif isinstance(block, Paragraph):
            self.runs(self.doc.add_paragraph(), block.inlines)
        elif isinstance(block, ListBlock):
            self.items(block.items, block.ordered, 1)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Notice):
            for line in block.lines:
                self.runs(self.doc.add_paragraph(style="Intense Quote"), line)

    def items(self, items: Sequence[Item], ordered: bool, level: int) -> None:
        style = (
            f"List {'Number' if ordered else 'Bullet'}{'' if level == 1 else f' {min(level, 3)}'}"
        )
        num_id = _restart_numbering(self.doc, style) if ordered and items else None
        for item in items:
            paragraph = self.doc.add_paragraph(style=style)
            if num_id is not None:
                _set_num(paragraph, num_id)
            self.runs(paragraph, item.inlines)
            self.items(item.children, False, level + 1)

    def table(self, block: Table) -> None:
        table = self.doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
        table.style = self.doc.styles["Table Grid"]
        for i, row in enumerate([block.header, *block.rows]):
            for j, cell in enumerate(row[: len(block.header)]):
                paragraph = table.rows[i].cells[j].paragraphs[0]
                self.runs(paragraph, cell, bold=i == 0)
        _repeat_header(table.rows[0])
        self.doc.add_paragraph()

    def runs(self, paragraph: Any, inlines: Sequence[Inline], bold: bool = False) -> None:
        for x in inlines:
            if x.kind == "text":
                run = paragraph.add_run(x.text)
                run.bold = bold or x.style == "strong" or None
                run.italic = x.style == "em" or None
                run.font.strike = x.style == "del" or None
                if x.style == "code":
                    run.font.name = "Consolas"
            elif x.kind == "break":
                paragraph.add_run().add_break()
            elif x.kind == "sources":
                paragraph.add_run().add_break()
                self.small(paragraph, f"{x.label}: ", bold=True)
                for i, cite in enumerate(x.cites):
                    self.cite(paragraph, cite, first=i == 0)
            else:
                paragraph.add_run().add_break()
                self.small(paragraph, f"{x.label}: ", bold=True)
                for i, ref in enumerate(x.refs):
                    title = f" ({ref.title})" if ref.title else ""
                    self.small(paragraph, f"{'' if i == 0 else ', '}{ref.id}{title}")
                    if ref.mark:
                        self.small(paragraph, f" {ref.mark}", color=WARN, bold=True)

    def cite(self, paragraph: Any, cite: Cite, first: bool) -> None:
        v = self.view
        self.small(paragraph, f"{'' if first else ' · '}{cite.passage_id} ", color=MUTED)
        self.small(paragraph, f"{v.open_quote}{cite.quote}{v.close_quote}")
        if cite.mark:
            self.small(paragraph, f" {cite.mark}", color=WARN, bold=True)

    def small(
        self, paragraph: Any, text: str, *, bold: bool = False, color: tuple[int, ...] = ()
    ) -> Any:
        from docx.shared import Pt, RGBColor

        run = paragraph.add_run(text)
        run.font.size = Pt(SMALL)
        run.bold = bold or None
        if color:
            run.font.color.rgb = RGBColor(*color)
        return run

    def sources(self) -> None:
        """The cited passages, by document; the words grounding matched are highlighted."""
        from docx.enum.text import WD_COLOR_INDEX

        if not self.view.sources:
            return
        self.doc.add_page_break()
        self.doc.add_heading(self.view.labels["Source passages"], 1)
        self.doc.add_paragraph(
            self.view.labels["Only the passages the dossier cites are kept with it."]
        )
        for source in self.view.sources:
            self.doc.add_heading(f"{source.id} {source.path}", 2)
            for passage in source.passages:
                self.small(
                    self.doc.add_paragraph(), f"{passage.id} · {passage.locator}", color=MUTED
                )
                paragraph = self.doc.add_paragraph()
                for piece, checks in passage.highlights:
                    run = paragraph.add_run(piece)
                    if checks:
                        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _restart_numbering(doc: Any, style: str) -> int:
    """A new numbering instance for `style`'s list that starts again at 1; returns its id."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    numbering = doc.part.numbering_part.element
    style_num = doc.styles[style].element.pPr.numPr.numId.val
    abstract = next(
        n.find(qn("w:abstractNumId")).get(qn("w:val"))
        for n in numbering.findall(qn("w:num"))
        if n.get(qn("w:numId")) == str(style_num)
    )
    num_id = max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(num_id))
    abstract_ref = OxmlElement("w:abstractNumId")
    abstract_ref.set(qn("w:val"), abstract)
    override = OxmlElement("w:lvlOverride")
    override.set(qn("w:ilvl"), "0")
    start = OxmlElement("w:startOverride")
    start.set(qn("w:val"), "1")
    override.append(start)
    num.extend([abstract_ref, override])
    numbering.append(num)
    return num_id


def _set_num(paragraph: Any, num_id: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)
