"""Pick the reader for a file by its content first and its name second; turn any failure into
`UnreadableFile`.

- A format known by its bytes (PDF, DOCX, Outlook .msg and TNEF, images) under another name is
  read as what it is, with a warning.
- Bytes that are not what such a name promises (text, a ZIP, junk) are refused, naming what they
  look like and their first bytes.
- Text under a text-like name (.txt, .md, .log, .csv, .eml, .html, .ics) is read as that name
  says; text under another name as what it looks like.
- Binary bytes under a text name: "binary content, not text".
"""

from __future__ import annotations

from pathlib import Path, PurePath

from negoprep.reading.readers import registry
from negoprep.reading.readers.base import RawDocument, Reader, ReadOptions, UnreadableFile
from negoprep.reading.readers.sniff import describe, first_bytes, sniff, zip_names

MAX_FILE_BYTES = 200 * 1024 * 1024
"""Larger files are refused rather than read into memory."""


def _start(data: bytes) -> str:
    preview = data[:24].decode("latin-1")
    printable = "".join(ch if ch.isprintable() else "." for ch in preview)
    return f"starts with bytes {first_bytes(data)}, {printable!r}"


def _choose(data: bytes, name: str, media_type: str | None) -> tuple[Reader, list[str]]:
    """The reader for `data`, and warnings; raises UnreadableFile if there is none."""
    suffix = PurePath(name).suffix.lower()
    expected = registry.for_suffix(suffix) if suffix else None
    expected = expected or registry.for_media_type(media_type)
    actual = sniff(data)
    shown = suffix or "without extension"
    if actual in registry.BY_CONTENT:
        reader = registry.for_format(actual)
        if expected is None or expected.format == reader.format:
            return reader, []
        label = describe(data) if actual == "image" else reader.label
        return reader, [f"named {shown} but is {label}; read as {reader.label}"]
    if expected is not None and expected.format in registry.BY_CONTENT:
        names = zip_names(data) if data.startswith(b"PK\x03\x04") else set()
        if expected.format == "docx" and names is None:
            raise UnreadableFile("corrupt or damaged Word document: the ZIP archive is broken")
        raise UnreadableFile(
            f"named {shown} but is not {expected.label}: it looks like {describe(data)} "
            f"({_start(data)})"
        )
    if actual is None:
        kind = describe(data)
        if expected is None:
            raise UnreadableFile(f"unsupported file type: {kind} ({_start(data)})")
        detail = "" if kind == "binary data" else f" ({kind})"
        raise UnreadableFile(f"binary content, not text{detail}")
    return expected or registry.for_format(actual), []


def read_bytes(
    data: bytes, name: str, options: ReadOptions | None = None, media_type: str | None = None
) -> RawDocument:
    """Read a document from its bytes.

    `name` (its file name) and `media_type` (a mail attachment's MIME type) give the expected
    format; the bytes decide (see the module doc). Returns the `RawDocument`; raises
    `UnreadableFile` with a reason for the user, whatever goes wrong inside a reader.
    """
    options = options or ReadOptions()
    if not data or data.isspace():
        raise UnreadableFile("the file is empty")
    reader: Reader | None = None
    warnings: list[str] = []
    try:
        reader, warnings = _choose(data, name, media_type)
        doc = reader.read(data, name, options)
    except UnreadableFile as exc:
        if reader is not None and warnings:  # read as another format than its name says
            raise UnreadableFile(f"{warnings[0].split(';')[0]}: {exc}") from exc
        raise
    except RecursionError as exc:
        what = reader.name if reader else "the file"
        raise UnreadableFile(f"could not read {what}: nested too deeply") from exc
    except Exception as exc:  # every failure must reach the user as a reason, not a traceback
        message = " ".join(str(exc).split())
        message = message if len(message) <= 200 else message[:197] + "..."
        detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        what = reader.name if reader else "the file"
        raise UnreadableFile(f"could not read {what}: {detail}") from exc
    doc.warnings[:0] = warnings
    return doc


def size_problem(size: int) -> str | None:
    """Why a file of `size` bytes is refused, or None; exact bytes, so that the figures never
    contradict the decision ("209,715,289 bytes; the limit is 209,715,200 bytes (200 MiB)")."""
    if size <= MAX_FILE_BYTES:
        return None
    return (
        f"the file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // 2**20} MiB))"
    )


def read_file(path: Path, options: ReadOptions | None = None) -> RawDocument:
    """Read one document file; raises `UnreadableFile` with a reason for the user."""
    try:
        problem = size_problem(path.stat().st_size)
        if problem:
            raise UnreadableFile(problem)
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot open the file: {exc.strerror or exc}") from exc
    return read_bytes(data, path.name, options)
