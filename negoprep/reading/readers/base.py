"""What every document reader is and returns: the `Reader` protocol, and text blocks with where
they came from.

A reader turns one file into a `RawDocument`: an ordered list of `Block`s (a paragraph, a table
row, a comment, a form value, ...) with their page when the format has pages, plus warnings about
anything it could not read. Attachments (of a mail) and embedded files are child documents. A
file that cannot be read at all raises `UnreadableFile` with a reason a user understands.
Splitting blocks into citable passages is done by `negoprep.reading.ingest`, not by readers.

A new format is one module with one `Reader` and one line in `registry.READERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

BlockKind = Literal[
    "heading",
    "paragraph",
    "table",
    "header",
    "footer",
    "comment",
    "insertion",
    "deletion",
    "footnote",
    "annotation",
    "form",
    "event",
]


class UnreadableFile(Exception):
    """The file cannot be used at all; `str(exc)` is the reason, written for the user."""


@dataclass
class Block:
    text: str
    kind: BlockKind = "paragraph"
    page: int | None = None
    """1-based page number for paged formats (PDF, TIFF); None otherwise."""
    ocr: bool = False
    """True when the text was recognised from an image (OCR), so it may contain OCR errors."""


@dataclass
class RawDocument:
    name: str
    """File name (or attachment file name) as the user knows it."""
    format: str
    """Short format name: txt, md, eml, msg, pdf, docx, html, ics, image."""
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Parts that could not be read, said plainly (e.g. 'page 3 has no text layer')."""
    attachments: list[RawDocument] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    """Format-specific facts worth showing (mail From/To/Date/Subject, PDF page count, encoding)."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read: passed unchanged to every reader (and on to attachments)."""

    ocr_languages: tuple[str, ...] | None = None
    """Tesseract language codes ("eng", "nor") for text without a text layer; None: every
    installed language pack (see `negoprep.reading.ocr`)."""
    depth: int = 0
    """How deep inside other documents (mail attachments) this one sits; 0 for a case file."""

    def nested(self) -> ReadOptions:
        """The options for a document inside this one (an attachment)."""
        return ReadOptions(ocr_languages=self.ocr_languages, depth=self.depth + 1)


class Reader(Protocol):
    """One document format: which files it reads and how.

    `format` is the short name put in `RawDocument.format`; `suffixes` (lower case, with the dot)
    and `media_types` (MIME types of mail attachments) say which files it takes; `label` names
    the format in messages ("a PDF") and `name` in "could not read PDF: ...".
    """

    @property
    def format(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def suffixes(self) -> frozenset[str]: ...
    @property
    def media_types(self) -> frozenset[str]: ...

    def read(self, data: bytes, name: str, options: ReadOptions) -> RawDocument:
        """The document in `data` (the bytes of file `name`); raises `UnreadableFile`."""
        ...


@dataclass(frozen=True)
class FormatReader:
    """A `Reader` made of its description and a read function (how reader modules define theirs)."""

    format: str
    name: str
    label: str
    suffixes: frozenset[str]
    media_types: frozenset[str]
    read_function: Callable[[bytes, str, ReadOptions], RawDocument]

    def read(self, data: bytes, name: str, options: ReadOptions) -> RawDocument:
        """The document in `data` (the bytes of file `name`); raises `UnreadableFile`."""
        return self.read_function(data, name, options)
