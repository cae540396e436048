"""The registry of readers: one line per format (see `base.Reader`).

Reader modules import their heavy libraries only when they read, so importing the registry is
fast. Look-ups by suffix, by MIME type (mail attachments) and by sniffed format.
"""

from __future__ import annotations

from negoprep.reading.readers import calendar, docx, html, image, mail, msg, pdf, text, tnef
from negoprep.reading.readers.base import Reader

READERS: tuple[Reader, ...] = (
    text.TEXT,
    text.MARKDOWN,
    mail.READER,
    msg.READER,
    tnef.READER,
    calendar.READER,
    html.READER,
    pdf.READER,
    docx.READER,
    image.READER,
)
BY_CONTENT = frozenset({"pdf", "docx", "msg", "tnef", "image"})
"""Formats known by their bytes: they are read as what they are, whatever the file's name."""

_BY_FORMAT = {reader.format: reader for reader in READERS}
_BY_SUFFIX = {suffix: reader for reader in READERS for suffix in reader.suffixes}
_BY_MEDIA_TYPE = {media: reader for reader in READERS for media in reader.media_types}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_BY_SUFFIX)


def for_format(fmt: str) -> Reader:
    """The reader of a format name ("pdf"); KeyError for an unknown one."""
    return _BY_FORMAT[fmt]


def for_suffix(suffix: str) -> Reader | None:
    """The reader for a file suffix (".pdf", any case), or None."""
    return _BY_SUFFIX.get(suffix.lower())


def for_media_type(media_type: str | None) -> Reader | None:
    """The reader for a MIME type ("application/pdf"), or None."""
    return _BY_MEDIA_TYPE.get((media_type or "").lower())


def content_matches(suffix: str, kind: str | None) -> bool:
    """Whether bytes sniffed as `kind` (see `sniff.sniff`) are what a file named `*<suffix>`
    should hold: the same format for formats known by their bytes (a ZIP named .pdf is not),
    any text for text formats; never unrecognised binary content."""
    reader = for_suffix(suffix)
    if reader is None or kind is None:
        return False
    if reader.format in BY_CONTENT or kind in BY_CONTENT:
        return reader.format == kind
    return True
