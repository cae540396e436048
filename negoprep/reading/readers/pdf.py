"""PDF: the text layer of each page (pypdf), split into paragraphs; no OCR.

Paragraphs: a page whose text has blank lines is split there. Most text layers have none, so
a page without blank lines is split at a line break when the next line starts a list item, or
when the next line starts with a capital letter or a digit and the line before is clearly
shorter than the page's lines (a paragraph's last line or a heading), or a little shorter and
ends a sentence. Lines inside a paragraph
are kept as extracted (joined with "\\n"), hyphens included.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)

if TYPE_CHECKING:
    from pypdf import PdfReader

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_LIST_ITEM = re.compile(
    r"^\s*([•●▪■◦‣∙·\-–—*]\s|\(?[0-9]{1,3}[.)]\s|\(?[a-zA-Z][.)]\s|\([ivx]+\)\s)"
)
_NO_BREAK_AFTER = (",", "-", "‐", "‑", "(", "/", "&")
_SENTENCE_END = re.compile(r"[.!?:;][\"'’”)\]]*$")
SHORT_LINE = 0.75
"""A line shorter than this share of the page's usual line length ends a paragraph..."""
ENDED_LINE = 0.9
"""... and so does a line shorter than this share that ends a sentence."""


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pypdf_log() -> Iterator[_LogCollector]:
    """Collect pypdf's log warnings (repairs of damaged files) and PdfReadWarnings instead of
    printing them; other Python warnings raised meanwhile are dropped."""
    from pypdf.errors import PdfReadWarning

    logger = logging.getLogger("pypdf")
    collector = _LogCollector()
    propagate = logger.propagate
    logger.addHandler(collector)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield collector
        collector.messages += [str(w.message) for w in caught if w.category is PdfReadWarning]
    finally:
        logger.removeHandler(collector)
        logger.propagate = propagate


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


def _open(data: bytes) -> PdfReader:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise UnreadableFile(f"encrypted PDF that needs a missing package: {exc}") from exc
            if not opened:
                raise UnreadableFile("encrypted PDF; remove the password and try again")
        _ = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise UnreadableFile("encrypted PDF; remove the password and try again") from exc
    except UnreadableFile:
        raise
    except (PyPdfError, zlib.error, OSError, EOFError, ValueError, LookupError, TypeError,
            AttributeError, AssertionError) as exc:  # fmt: skip
        raise UnreadableFile(f"corrupt or damaged PDF: {_reason(exc, data)}") from exc
    return reader


def _short(exc: BaseException) -> str:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return reason if len(reason) <= 160 else reason[:157] + "..."


def _reason(exc: BaseException, data: bytes) -> str:
    """A short reason for a damaged file, noting when its end marker is missing."""
    truncated = b"%%EOF" not in data[-2048:]
    return _short(exc) + (" (the file looks truncated)" if truncated else "")


def _info(reader: PdfReader) -> dict[str, str]:
    """Title and author from the PDF's document information, when set (often wrong: not text)."""
    try:
        info = reader.metadata
        found = {"title": info.title if info else None, "author": info.author if info else None}
    except Exception:  # damaged information dictionary: not worth a warning
        return {}
    return {key: " ".join(str(value).split()) for key, value in found.items() if value}


def read_pdf(data: bytes, name: str, options: ReadOptions | None = None) -> RawDocument:
    doc = RawDocument(name=name, format="pdf")
    with _pypdf_log() as log:
        reader = _open(data)
        count = len(reader.pages)
        if count == 0:
            raise UnreadableFile(f"corrupt or damaged PDF: {_reason(ValueError('no pages'), data)}")
        doc.metadata["pages"] = str(count)
        doc.metadata.update(_info(reader))
        empty: list[int] = []
        failed = 0
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # a broken page must not lose the others
                failed += 1
                reason = _short(exc)
                doc.warnings.append(
                    f"page {number} could not be read: {type(exc).__name__}: {reason}"
                )
                continue
            paragraphs = split_page(text)
            if not paragraphs:
                empty.append(number)
            doc.blocks.extend(Block(text=p, page=number) for p in paragraphs)
    if not doc.blocks:
        if failed:
            raise UnreadableFile(f"corrupt or damaged PDF: {doc.warnings[0]}")
        raise UnreadableFile("no text layer: the PDF looks scanned; run OCR first")
    doc.warnings.extend(f"page {n} has no text layer (scanned?)" for n in empty)
    if log.messages:
        doc.warnings.append(
            f"the PDF has format errors ({len(log.messages)}, first: {log.messages[0]!r}); "
            "its text may be incomplete"
        )
    return doc


def _read(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_pdf(data, name, options)


READER = FormatReader(
    format="pdf",
    name="PDF",
    label="a PDF",
    suffixes=frozenset({".pdf"}),
    media_types=frozenset({"application/pdf", "application/x-pdf"}),
    read_function=_read,
)
