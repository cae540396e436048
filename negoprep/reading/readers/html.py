"""HTML pages (and HTML mail bodies): visible text, one block per block-level element.

Scripts, styles and other invisible parts are dropped. Headings h1-h6 become heading blocks; a
table row of two or more plain cells becomes one table block (cells joined with " | "), while a
layout row (one cell, or cells holding tables or several paragraphs, as in most HTML mails) is
read as ordinary content.
Whitespace inside a paragraph collapses as a browser shows it; <br> keeps a line break.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.text import decode_declared, decode_text

if TYPE_CHECKING:
    from bs4 import Tag
    from bs4.element import PageElement

_DROP = ["script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object"]
_CELLS = ["td", "th"]
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "ul",
}  # fmt: skip
_BLOCKY = ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre"]
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class _Collector:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        lines = (re.sub(r" {2,}", " ", line).strip() for line in text.split("\n"))
        joined = "\n".join(line for line in lines if line)
        if joined:
            self.blocks.append(Block(text=joined))

    def walk(self, node: PageElement) -> None:
        from bs4.element import (
            Comment,
            Declaration,
            Doctype,
            NavigableString,
            ProcessingInstruction,
            Tag,
        )

        if isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
            return
        if isinstance(node, NavigableString):
            self.buffer.append(_SPACES.sub(" ", str(node)))
            return
        if not isinstance(node, Tag):
            return
        name = node.name.lower()
        if name == "br":
            self.buffer.append("\n")
        elif name in _HEADINGS:
            self.flush()
            text = _collapse(node.get_text(" "))
            if text:
                self.blocks.append(Block(text=text, kind="heading"))
        elif name == "pre":
            self.flush()
            text = node.get_text().strip("\n").rstrip()
            if text.strip():
                self.blocks.append(Block(text=text))
        elif name == "tr" and not _is_layout_row(node):
            self.flush()
            cells = [_collapse(c.get_text(" ")) for c in node.find_all(_CELLS, recursive=False)]
            if any(cells):
                self.blocks.append(Block(text=" | ".join(cells), kind="table"))
        else:
            block = name in _BLOCKS
            if block:
                self.flush()
            for child in list(node.children):
                self.walk(child)
            if block:
                self.flush()


def _is_layout_row(row: Tag) -> bool:
    """A row of one cell, or with a cell holding a table or several paragraphs, lays out content
    (as in most HTML mails); it is no data row. One <p> per cell (Outlook) is still data."""
    cells = row.find_all(_CELLS, recursive=False)
    if len(cells) < 2:
        return True
    return any(cell.find("table") or len(cell.find_all(_BLOCKY, limit=2)) > 1 for cell in cells)


def html_blocks(markup: str) -> tuple[list[Block], str]:
    """Blocks of an HTML string, and its <title> ("" if none)."""
    from bs4 import BeautifulSoup

    with warnings.catch_warnings():  # bs4 warns about markup that looks like a file name or XML
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(markup, "html.parser")
    title = _collapse(soup.title.get_text()) if soup.title else ""
    for tag in soup.find_all(_DROP):
        tag.decompose()
    collector = _Collector()
    collector.walk(soup)
    collector.flush()
    return collector.blocks, title


def decode_html(data: bytes) -> tuple[str, str, list[str]]:
    """Decode HTML bytes by BOM, then <meta charset> (a hint, as in a browser: see
    `text.decode_declared`), then as text: (markup, encoding, warnings)."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET.search(data[:8192])
        if declared:
            charset = declared.group(1).decode("ascii")
            return decode_declared(data, charset, "the page")
    return decode_text(data)


def read_html(data: bytes, name: str) -> RawDocument:
    if not data.strip():
        raise UnreadableFile("the file is empty")
    markup, encoding, warnings = decode_html(data)
    blocks, title = html_blocks(markup)
    if not blocks:
        raise UnreadableFile("the page has no visible text")
    doc = RawDocument(name=name, format="html", blocks=blocks, warnings=warnings)
    doc.metadata["encoding"] = encoding
    if title:
        doc.metadata["title"] = title
    return doc


def _read(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_html(data, name)


READER = FormatReader(
    format="html",
    name="HTML",
    label="an HTML page",
    suffixes=frozenset({".html", ".htm", ".xhtml"}),
    media_types=frozenset({"text/html", "application/xhtml+xml"}),
    read_function=_read,
)
