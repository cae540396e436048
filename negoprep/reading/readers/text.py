"""Plain text, Markdown, logs and CSV: decode the bytes faithfully, then split at blank lines.

Decoding: a BOM decides (UTF-8, UTF-16, UTF-32); then UTF-8; text that is not UTF-8 is read as
Windows-1252 / ISO-8859-1 (the two agree on every printable Latin-1 character) unless most of
its letters are non-ASCII, the mark of a Cyrillic, Greek, ... single-byte encoding, which
charset-normalizer then names. charset-normalizer alone is not trusted for Western text: on
short French or Spanish text it picks cp1250 or cp775 and garbles the accents.
"""

from __future__ import annotations

import re

from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.sniff import is_binary, utf16_without_bom

MAX_BLOCK_CHARS = 4000
"""A paragraph longer than this (a log without blank lines) is cut at line breaks."""

_BOM_CODECS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_UNICODE_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
"""Bytes that are printable in Windows-1252 (curly quotes, dashes, euro) but controls in Latin-1."""
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8; returns (text, encoding name)."""
    latin = data.decode("latin-1")
    letters = sum(1 for ch in latin[:200_000] if ch.isalpha())
    high = sum(1 for ch in latin[:200_000] if ch.isalpha() and ord(ch) > 127)
    if letters >= 16 and high > letters * 0.4:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return str(best), best.encoding
    if _CP1252_ONLY.search(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return latin, "iso-8859-1"


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few broken sequences (a cut multi-byte character): decoded, or None."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return text if good > 0 and bad <= max(1, good // 20) else None


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """Decode text bytes: (text with LF line ends, encoding, warnings). Binary -> UnreadableFile."""
    warnings: list[str] = []
    for bom, codec in _BOM_CODECS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            if codec != "utf-8-sig":
                warnings.append(f"the text is {_UNICODE_NAMES[codec]}, not UTF-8")
            return _finish(text, codec, warnings)
    utf16 = utf16_without_bom(data)
    if utf16:
        warnings.append(f"the text is {utf16.upper()} without a byte order mark, not UTF-8")
        return _finish(data.decode(utf16, errors="replace"), utf16, warnings)
    if is_binary(data):
        raise UnreadableFile("binary content, not text")
    try:
        return _finish(data.decode("utf-8"), "utf-8", warnings)
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        bad = mostly.count("\ufffd")
        warnings.append(f"{bad} invalid UTF-8 byte sequence(s) replaced by U+FFFD")
        return _finish(mostly, "utf-8", warnings)
    text, encoding = _decode_legacy(data)
    warnings.append(f"the text is not UTF-8; read as {encoding}")
    return _finish(text, encoding, warnings)


def decode_declared(
    payload: bytes, charset: str | None, what: str = "the text"
) -> tuple[str, str, list[str]]:
    """Decode text whose header declares `charset` (a mail part, an HTML page's <meta>):
    (text, encoding, warnings).

    The declaration is a hint, not the truth, as in a browser: ISO-8859-1 and US-ASCII are read
    as Windows-1252 (what Outlook means by them: its euro sign, curly quotes and dashes live in
    0x80-0x9F), valid UTF-8 is read as UTF-8 whatever is declared, and a part that is not in its
    declared charset is decoded by its content. Each override of the declaration is a warning
    about `what` ("the mail text").
    """
    declared = _codec(charset)
    if declared not in (None, "utf-8") and not payload.isascii():
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            note = f"{what} declares charset {charset} but is UTF-8; read as UTF-8"
            return _lines(text), "utf-8", [note]
    if declared is not None:
        codec = "cp1252" if declared in _READ_AS_CP1252 else declared
        try:
            return _lines(payload.decode(codec)), codec, []
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        text, encoding, _ = decode_text(payload)
    except UnreadableFile:
        return "", "", [f"{what} is not text"]
    if charset:
        note = f"{what} is not in its declared charset {charset}; read as {encoding}"
        return text, encoding, [note]
    if encoding == "utf-8":
        return text, encoding, []
    return text, encoding, [f"{what} has no charset; read as {encoding}"]


_READ_AS_CP1252 = {"iso8859-1", "ascii"}


def _codec(charset: str | None) -> str | None:
    """Python's name for a declared charset ("ISO-8859-1" -> "iso8859-1"), None if unknown."""
    import codecs

    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip("\"'")).name
    except LookupError:
        return None


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _finish(text: str, encoding: str, warnings: list[str]) -> tuple[str, str, list[str]]:
    nuls = text.count("\x00")
    if nuls:
        text = text.replace("\x00", "")
        warnings.insert(0, f"removed {nuls} NUL byte{'s' if nuls > 1 else ''}")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding, warnings


def _cut_long(chunk: list[str]) -> list[list[str]]:
    """Cut a list of lines into pieces of at most MAX_BLOCK_CHARS (a long line stays whole)."""
    pieces: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in chunk:
        if current and size + len(line) + 1 > MAX_BLOCK_CHARS:
            pieces.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pieces.append(current)
    return pieces


def _add_paragraphs(blocks: list[Block], lines: list[str]) -> None:
    for piece in _cut_long(lines):
        text = "\n".join(piece).strip()
        if text:
            blocks.append(Block(text=text))


def text_blocks(text: str, markdown: bool = False) -> list[Block]:
    """Split text into paragraphs at blank lines; Markdown ATX/setext headings become headings.

    Lines inside a paragraph are kept as they are (joined with "\\n"); in Markdown a fenced code
    block stays one block even when it has blank lines.
    """
    blocks: list[Block] = []
    chunk: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if markdown and _MD_FENCE.match(line):
            in_fence = not in_fence
            chunk.append(line)
            continue
        if in_fence:
            chunk.append(line)
            continue
        if not line.strip():
            _add_paragraphs(blocks, chunk)
            chunk = []
            continue
        if markdown:
            heading = _MD_HEADING.match(line)
            if heading:
                _add_paragraphs(blocks, chunk)
                chunk = []
                if heading.group(2):
                    blocks.append(Block(text=heading.group(2).strip(), kind="heading"))
                continue
            if len(chunk) == 1 and _SETEXT_UNDERLINE.match(line) and not chunk[0].startswith(" "):
                blocks.append(Block(text=chunk[0].strip(), kind="heading"))
                chunk = []
                continue
        chunk.append(line)
    _add_paragraphs(blocks, chunk)
    return blocks


def read_text(data: bytes, name: str, fmt: str = "txt") -> RawDocument:
    """Read plain text ("txt") or Markdown ("md")."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    text, encoding, warnings = decode_text(data)
    if not text.strip():
        raise UnreadableFile("the file is empty")
    doc = RawDocument(name=name, format=fmt, warnings=warnings)
    doc.metadata["encoding"] = encoding
    doc.blocks = text_blocks(text, markdown=fmt == "md")
    return doc


def _read_txt(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_text(data, name, "txt")


def _read_md(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_text(data, name, "md")


TEXT = FormatReader(
    format="txt",
    name="text",
    label="a text file",
    suffixes=frozenset({".txt", ".text", ".log", ".csv"}),
    media_types=frozenset({"text/plain", "text/csv"}),
    read_function=_read_txt,
)
MARKDOWN = FormatReader(
    format="md",
    name="Markdown",
    label="a Markdown file",
    suffixes=frozenset({".md", ".markdown"}),
    media_types=frozenset({"text/markdown"}),
    read_function=_read_md,
)
