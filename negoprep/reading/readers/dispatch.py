"""Pick the reader for a file by its content first and its name second; turn any failure into
`UnreadableFile`.

- A PDF or DOCX under another name is read as what it is, with a warning.
- Bytes that are not what a .pdf/.docx name promises (text, a ZIP, an image, junk) are refused,
  naming what they look like and their first bytes.
- Text under a text-like name (.txt, .md, .log, .csv, .eml, .html) is read as that name says.
- Binary bytes under a text name: "binary content, not text".
"""

from __future__ import annotations

from pathlib import Path, PurePath

from negoprep.reading.readers.base import RawDocument, UnreadableFile
from negoprep.reading.readers.sniff import describe, first_bytes, sniff, zip_names

SUFFIX_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".log": "txt",
    ".csv": "txt",
    ".md": "md",
    ".markdown": "md",
    ".eml": "eml",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(SUFFIX_FORMATS)
MAX_FILE_BYTES = 200 * 1024 * 1024
"""Larger files are refused rather than read into memory."""

_LABELS = {"pdf": "a PDF", "docx": "a Word document (.docx)"}
_SNIFFED_FORMATS = {"text": "txt", "eml": "eml", "html": "html", "pdf": "pdf", "docx": "docx"}
_FORMAT_NAMES = {"txt": "text", "md": "Markdown", "eml": "e-mail", "pdf": "PDF",
                 "docx": "DOCX", "html": "HTML", "file": "the file"}  # fmt: skip


def _start(data: bytes) -> str:
    preview = data[:24].decode("latin-1")
    printable = "".join(ch if ch.isprintable() else "." for ch in preview)
    return f"starts with bytes {first_bytes(data)}, {printable!r}"


def _choose(data: bytes, suffix: str) -> tuple[str, list[str]]:
    """The format to read `data` as, and warnings; raises UnreadableFile if there is none."""
    expected = SUFFIX_FORMATS.get(suffix)
    actual = sniff(data)
    shown = suffix or "without extension"
    if actual in ("pdf", "docx"):
        if expected in (actual, None):
            return actual, []
        label = _LABELS[actual]
        return actual, [f"named {shown} but is {label}; read as {label}"]
    if expected in ("pdf", "docx"):
        names = zip_names(data) if data.startswith(b"PK\x03\x04") else set()
        if expected == "docx" and names is None:
            raise UnreadableFile("corrupt or damaged Word document: the ZIP archive is broken")
        what = _LABELS[expected]
        raise UnreadableFile(
            f"named {shown} but is not {what}: it looks like {describe(data)} ({_start(data)})"
        )
    if actual is None:
        kind = describe(data)
        if expected is None:
            raise UnreadableFile(f"unsupported file type: {kind} ({_start(data)})")
        detail = "" if kind == "binary data" else f" ({kind})"
        raise UnreadableFile(f"binary content, not text{detail}")
    return expected or _SNIFFED_FORMATS[actual], []


def _read_as(fmt: str, data: bytes, name: str, depth: int) -> RawDocument:
    if fmt == "pdf":
        from negoprep.reading.readers.pdf import read_pdf

        return read_pdf(data, name)
    if fmt == "docx":
        from negoprep.reading.readers.docx import read_docx

        return read_docx(data, name)
    if fmt == "eml":
        from negoprep.reading.readers.mail import read_eml

        return read_eml(data, name, depth)
    if fmt == "html":
        from negoprep.reading.readers.html import read_html

        return read_html(data, name)
    from negoprep.reading.readers.text import read_text

    return read_text(data, name, fmt)


def read_bytes(data: bytes, name: str, depth: int = 0) -> RawDocument:
    """Read a document from its bytes; `name` (its file name) gives the expected format."""
    if not data or data.isspace():
        raise UnreadableFile("the file is empty")
    fmt = "file"
    warnings: list[str] = []
    try:
        fmt, warnings = _choose(data, PurePath(name).suffix.lower())
        doc = _read_as(fmt, data, name, depth)
    except UnreadableFile as exc:
        if fmt != "file" and warnings:  # read as another format than its name says, and failed
            raise UnreadableFile(f"{warnings[0].split(';')[0]}: {exc}") from exc
        raise
    except RecursionError as exc:
        raise UnreadableFile(f"could not read {_FORMAT_NAMES[fmt]}: nested too deeply") from exc
    except Exception as exc:  # every failure must reach the user as a reason, not a traceback
        message = " ".join(str(exc).split())
        message = message if len(message) <= 200 else message[:197] + "..."
        detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        raise UnreadableFile(f"could not read {_FORMAT_NAMES[fmt]}: {detail}") from exc
    doc.warnings[:0] = warnings
    return doc


def read_file(path: Path) -> RawDocument:
    """Read one document file; raises `UnreadableFile` with a reason for the user."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            mib, limit = size // 2**20, MAX_FILE_BYTES // 2**20
            raise UnreadableFile(f"the file is too large ({mib} MiB; the limit is {limit} MiB)")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot open the file: {exc.strerror or exc}") from exc
    return read_bytes(data, path.name)
