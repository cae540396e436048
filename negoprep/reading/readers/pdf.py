"""PDF: what a viewer shows on each page, as paragraphs with their page number.

- The text layer (pypdf), cleaned of layout artefacts (`pdf_layout`: paragraphs, hyphenation,
  running headers and page numbers, paragraphs cut by a page break).
- Form field values, comments, sticky notes and free-text boxes (`pdf_annotations`), which are
  not in the text layer.
- Scanned pages (no text layer, an image): rendered with pypdfium2 and read by OCR
  (`negoprep.reading.ocr`); without Tesseract they are reported with the install command.
"""

from __future__ import annotations

import io
import itertools
import logging
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from negoprep.reading import ocr
from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.pdf_annotations import annotation_blocks
from negoprep.reading.readers.pdf_layout import (
    Fragment,
    column_text,
    continues,
    dehyphenate,
    split_page,
    strip_running,
)

if TYPE_CHECKING:
    from pypdf import PdfReader

RENDER_DPI = 300
"""Scanned pages are rendered at this resolution for OCR (what Tesseract reads best)."""
OCR_MAX_CHARS = 20
"""A page with at most this much text and an image is a scan (a stamp or page number on it)."""


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


def _is_xfa(reader: PdfReader) -> bool:
    try:
        form: Any = reader.root_object.get("/AcroForm")
        return form is not None and "/XFA" in form.get_object()
    except Exception:  # a damaged catalogue: no form to speak of
        return False


def _has_image(page: Any) -> bool:
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            return False
        return any(
            str(x.get_object().get("/Subtype")) == "/Image" for x in xobjects.get_object().values()
        )
    except Exception:  # a damaged resource dictionary: not a scan we can tell
        return False


def _ocr(data: bytes, numbers: list[int], options: ReadOptions, doc: RawDocument) -> list[int]:
    """OCR the pages `numbers` into blocks (returned in page order); the pages left empty."""
    import pypdfium2  # type: ignore[import-untyped]

    from negoprep.reading.readers.image import ocr_pages

    pdf = pypdfium2.PdfDocument(data)
    try:
        images = [(n, pdf[n - 1].render(scale=RENDER_DPI / 72).to_pil()) for n in numbers]
    finally:
        pdf.close()
    empty = ocr_pages(list(images), options, doc)
    return [n for n in empty if n is not None]


def _page_text(page: Any) -> str:
    """The page's text layer, in column order when it is set in two interleaved columns."""
    fragments: list[Fragment] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            fragments.append(
                Fragment(float(x), float(y), text, float(size or 10) * abs(cm[0] or 1))
            )

    text = page.extract_text(visitor_text=visit) or ""
    width = float(page.mediabox.width)
    return column_text(fragments, width) or text


def _page_blocks(
    reader: PdfReader, doc: RawDocument
) -> tuple[dict[int, str], dict[int, list[Block]], int]:
    texts: dict[int, str] = {}
    extras: dict[int, list[Block]] = {}
    failed = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts[number] = _page_text(page)
        except Exception as exc:  # a broken page must not lose the others
            failed += 1
            doc.warnings.append(
                f"page {number} could not be read: {type(exc).__name__}: {_short(exc)}"
            )
            continue
        try:
            extras[number] = annotation_blocks(page, number, doc.warnings)
        except Exception as exc:  # damaged annotations must not lose the page's text
            doc.warnings.append(
                f"page {number}: its form fields or comments could not be read: {_short(exc)}"
            )
    return texts, extras, failed


def _layout(
    texts: dict[int, str],
) -> tuple[dict[int, list[str]], dict[int, tuple[str, str]]]:
    """Page number -> paragraphs, and -> (running header, footer) shown the first time only."""
    bodies: dict[int, list[str]] = {}
    running: dict[int, tuple[str, str]] = {}
    seen: set[str] = set()
    for page in strip_running(texts):
        bodies[page.number] = [dehyphenate(p) for p in split_page(page.body)]
        header = page.header if page.header not in seen else ""
        footer = page.footer if page.footer not in seen else ""
        seen |= {page.header, page.footer}
        running[page.number] = (header, footer)
    for before, after in itertools.pairwise(sorted(bodies)):
        joined = after == before + 1 and bodies[before] and bodies[after]
        if joined and continues(bodies[before][-1], bodies[after][0]):
            bodies[before][-1] += "\n" + bodies[after].pop(0)
    return bodies, running


def read_pdf(data: bytes, name: str, options: ReadOptions | None = None) -> RawDocument:
    """Read a PDF's bytes (see the module doc); raises `UnreadableFile` when nothing is left."""
    options = options or ReadOptions()
    doc = RawDocument(name=name, format="pdf")
    with _pypdf_log() as log:
        reader = _open(data)
        count = len(reader.pages)
        if count == 0:
            raise UnreadableFile(f"corrupt or damaged PDF: {_reason(ValueError('no pages'), data)}")
        doc.metadata["pages"] = str(count)
        doc.metadata.update(_info(reader))
        texts, extras, failed = _page_blocks(reader, doc)
        scans = [
            n for n, t in texts.items()
            if len(t.strip()) <= OCR_MAX_CHARS and (not t.strip() or _has_image(reader.pages[n - 1]))
        ]  # fmt: skip
        if _is_xfa(reader):
            doc.warnings.append(
                "the PDF is an XFA form: values only its own viewer shows may be missing"
            )
    bodies, running = _layout({n: t for n, t in texts.items() if n not in scans})
    ocr_blocks: list[Block] = []
    unread_scans: list[int] = []
    if scans:
        unread_scans = scans
        if ocr.available():
            scan_doc = RawDocument(name=name, format="pdf")
            try:
                unread_scans = _ocr(data, scans, options, scan_doc)
            except Exception as exc:  # OCR failing must not lose the pages with a text layer
                pages = ", ".join(str(n) for n in scans)
                doc.warnings.append(f"page(s) {pages} could not be read by OCR: {_short(exc)}")
                scan_doc.blocks = []
            ocr_blocks = scan_doc.blocks
            doc.warnings.extend(scan_doc.warnings)
            doc.metadata.update(scan_doc.metadata)
    for number in range(1, count + 1):
        header, footer = running.get(number, ("", ""))
        if header:
            doc.blocks.append(Block(text=header, kind="header", page=number))
        doc.blocks.extend(Block(text=p, page=number) for p in bodies.get(number, []))
        doc.blocks.extend(b for b in ocr_blocks if b.page == number)
        doc.blocks.extend(extras.get(number, []))
        if footer:
            doc.blocks.append(Block(text=footer, kind="footer", page=number))
    if not doc.blocks:
        if failed:
            raise UnreadableFile(f"corrupt or damaged PDF: {doc.warnings[0]}")
        if any("could not be read by OCR" in w for w in doc.warnings):
            raise UnreadableFile(next(w for w in doc.warnings if "could not be read by OCR" in w))
        if not ocr.available():
            raise UnreadableFile(f"no text layer: the PDF looks scanned; to read it, {ocr.INSTALL}")
        raise UnreadableFile("no text: the pages have no text layer and OCR recognised none")
    had_text = {b.page for b in doc.blocks}
    for n in unread_scans:
        if n not in had_text:
            why = "none recognised by OCR" if ocr.available() else f"to read it, {ocr.INSTALL}"
            doc.warnings.append(f"page {n} has no text layer (scanned?); {why}")
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
