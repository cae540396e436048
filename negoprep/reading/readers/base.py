"""What every document reader returns: text blocks with where they came from.

A reader turns one file into a `RawDocument`: an ordered list of `Block`s (a paragraph, a table
row, a comment, ...) with their page when the format has pages, plus warnings about anything it
could not read. Attachments (of a mail) are child documents. A file that cannot be read at all
raises `UnreadableFile` with a reason a user understands. Splitting blocks into citable passages
is done by `negoprep.reading.ingest`, not by readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal[
    "heading", "paragraph", "table", "header", "footer", "comment", "insertion", "deletion"
]


class UnreadableFile(Exception):
    """The file cannot be used at all; `str(exc)` is the reason, written for the user."""


@dataclass
class Block:
    text: str
    kind: BlockKind = "paragraph"
    page: int | None = None
    """1-based page number for paged formats (PDF); None otherwise."""


@dataclass
class RawDocument:
    name: str
    """File name (or attachment file name) as the user knows it."""
    format: str
    """Short format name: txt, md, eml, pdf, docx, html."""
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Parts that could not be read, said plainly (e.g. 'page 3 has no text layer')."""
    attachments: list[RawDocument] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    """Format-specific facts worth showing (mail From/To/Date/Subject, PDF page count, encoding)."""
