"""The dossier as a format-neutral document: sections, blocks and inline runs, already translated.

`negoprep.output.build.build_view` makes a `DossierView` from a `Dossier`; the Markdown, HTML
(reading page), PDF and DOCX renderers only walk it. Every string in it is plain text as the
agents or the case wrote it, never markup: each renderer escapes it for its own format, so case
content can never become structure.

Shape:
    DossierView
      title, intro: [Block], sections: [Section], sources: [SourceDocument], labels
    Section(id, level 2..3, title, blocks: [Block | Section])
    Block = Paragraph(inlines) | ListBlock(items: [Item], ordered) | Table(header, rows) | Notice(lines)
    Inline = Text(text, style) | Break | Sources([Cite]) | Knowledge([KbRef])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Style = Literal["plain", "strong", "em", "del", "code"]


@dataclass(frozen=True)
class Text:
    """A run of text; `style` is how it is emphasised (`code` for paths, ids and hashes)."""

    text: str
    style: Style = "plain"
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Break:
    """A line break inside a paragraph or list item."""

    kind: Literal["break"] = "break"


@dataclass(frozen=True)
class Cite:
    """One citation as the dossier shows it, with its check.

    `number` is unique in the view (the reading page's anchor `cite-<number>`). `spans` are the
    character ranges of `passage_text` where grounding matched the quote: set only for verified
    quotes whose match maps back exactly, so a highlight is never a guess.
    """

    number: int
    check: int | None
    """Index of its check in `Dossier.citation_checks` (the same quote cited twice shares it)."""
    passage_id: str
    quote: str
    verified: bool
    status: str
    """`verified`, `quote not in passage` or `unknown passage` (grounding's status)."""
    mark: str
    """Translated flag for an unverified quote ('⚠ unverified: quote not in passage; found in
    D2.P3'); empty when verified."""
    found_in: tuple[str, ...] = ()
    source: str | None = None
    """Anchor id of the cited passage in `DossierView.sources`, when the dossier holds its text."""
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Sources:
    """The citations a statement rests on."""

    label: str
    cites: tuple[Cite, ...]
    kind: Literal["sources"] = "sources"


@dataclass(frozen=True)
class KbRef:
    """A knowledge-base id as named by an agent; `mark` flags an id that does not exist."""

    id: str
    mark: str = ""
    title: str = ""
    when_to_use: str = ""
    body: str = ""


@dataclass(frozen=True)
class Knowledge:
    """The knowledge entries an idea rests on."""

    label: str
    refs: tuple[KbRef, ...]
    kind: Literal["knowledge"] = "knowledge"


Inline = Text | Break | Sources | Knowledge


@dataclass
class Paragraph:
    inlines: list[Inline]
    kind: Literal["paragraph"] = "paragraph"


@dataclass
class Item:
    inlines: list[Inline]
    children: list[Item] = field(default_factory=list)


@dataclass
class ListBlock:
    items: list[Item]
    ordered: bool = False
    kind: Literal["list"] = "list"


@dataclass
class Table:
    """`header` and each row are lists of cells; a cell is a list of inlines."""

    header: list[list[Inline]]
    rows: list[list[list[Inline]]]
    kind: Literal["table"] = "table"


@dataclass
class Notice:
    """A warning (failed agent, unreadable file); each line is a list of inlines."""

    lines: list[list[Inline]]
    kind: Literal["notice"] = "notice"


Block = Paragraph | ListBlock | Table | Notice


@dataclass
class Section:
    """A heading (`level` 2 or 3) with its content; `id` is stable and unique in the view."""

    id: str
    level: int
    title: str
    blocks: list[Block | Section] = field(default_factory=list)
    kind: Literal["section"] = "section"

    def subsections(self) -> list[Section]:
        return [b for b in self.blocks if isinstance(b, Section)]


@dataclass
class SourcePassage:
    """A cited passage's full text; `anchor` is its id on the reading page."""

    id: str
    anchor: str
    locator: str
    text: str
    highlights: list[tuple[str, tuple[int, ...]]]
    """The text cut into pieces; each piece with the numbers of the verified citations whose
    matched quote covers it (empty tuple: not quoted)."""


@dataclass
class SourceDocument:
    id: str
    path: str
    format: str
    passages: list[SourcePassage]


@dataclass
class DossierView:
    """The whole dossier, ready for any renderer. `labels` holds the page's own words, translated."""

    title: str
    language: str
    """Language code for the page (`en`, `nb`)."""
    intro: list[Block]
    sections: list[Section]
    sources: list[SourceDocument]
    labels: dict[str, str]
    open_quote: str = "“"
    close_quote: str = "”"
