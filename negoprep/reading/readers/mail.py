"""E-mail (.eml, and messages attached to mails): headers, text body, attachments.

The first block sums up the headers ("From: ... | To: ... | Cc: ... | Date: ... | Subject: ...",
kind "header"); the body is the text/plain part (else the text/html part as text) split at blank
lines. A part's declared charset is a hint, not the truth (`text.decode_declared`). Other parts are
attachments read like files (by name, MIME type and content: PDFs, Word files, calendar
invitations, winmail.dat, images by OCR, ...) into `attachments`; one that cannot be read becomes
a warning naming it, and the rest of the mail is still read. Small inline images (logos, icons)
are listed in the metadata, not read.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from email.message import EmailMessage, Message

from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.html import html_blocks
from negoprep.reading.readers.text import decode_declared, read_text, text_blocks

HEADERS = ("From", "To", "Cc", "Date", "Subject")
MAX_DEPTH = 5
"""Mails attached to mails attached to ...: deeper than this is not read (a mail bomb)."""
_STRUCTURE_DEFECTS = {
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
}
_NO_TEXT_TYPES = ("audio", "video", "font")
SMALL_INLINE_IMAGE_BYTES = 10_000
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff")
"""Inline images smaller than this (signature logos, icons, spacers) are listed, not read."""


def _header(msg: Message, key: str) -> str:
    try:
        value = msg.get(key)
        text = "" if value is None else str(value)
    except Exception:  # a malformed header: fall back to its raw text
        raw = [v for k, v in msg.raw_items() if k.lower() == key.lower()]
        text = str(raw[0]) if raw else ""
    return " ".join(text.split())


def _part_text(part: Message) -> tuple[str, list[str]]:
    """The decoded text of a text part, and warnings about its charset."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        return "", []
    text, _encoding, notes = decode_declared(payload, part.get_content_charset(), "the mail text")
    return text, notes


def _text_part_blocks(part: Message, warnings: list[str]) -> list[Block]:
    text, notes = _part_text(part)
    warnings.extend(notes)
    if part.get_content_subtype() == "html":
        return html_blocks(text)[0]
    return text_blocks(text)


def _leaves(part: Message, in_alternative: bool = False) -> Iterator[tuple[Message, bool]]:
    """Leaf parts and attached messages (not entered), with whether they sit in an alternative."""
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or not part.is_multipart():
        yield part, in_alternative
        return
    payload = part.get_payload()
    alternative = in_alternative or ctype == "multipart/alternative"
    for sub in payload if isinstance(payload, list) else []:
        if isinstance(sub, Message):
            yield from _leaves(sub, alternative)


def _defects(msg: Message) -> set[str]:
    names = {type(d).__name__ for d in msg.defects}
    payload = msg.get_payload()
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                names |= _defects(sub)
    return names


def _attachment(part: Message, number: int, options: ReadOptions, doc: RawDocument) -> None:
    ctype = part.get_content_type()
    filename = part.get_filename()
    if ctype == "message/rfc822":
        inner = part.get_payload()
        message = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(message, Message):
            doc.warnings.append(f"attached message {number} could not be read: it is empty")
            return
        subject = _header(message, "Subject")
        label = filename or (f"{subject}.eml" if subject else f"attached message {number}.eml")
        try:
            doc.attachments.append(read_message(message, label, options.nested()))
        except UnreadableFile as exc:
            doc.warnings.append(f"attachment {label!r} could not be read: {exc}")
        return
    label = filename or f"attachment {number}{mimetypes.guess_extension(ctype) or ''}"
    if part.get_content_maintype() in _NO_TEXT_TYPES:
        doc.warnings.append(f"attachment {label!r} skipped: {ctype} has no text to read")
        return
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        doc.warnings.append(f"attachment {label!r} could not be read: it is empty")
        return
    inline = part.get_content_disposition() != "attachment" and bool(part.get("Content-ID"))
    add_attachment(doc, payload, label, options, ctype, inline)


def add_attachment(
    doc: RawDocument,
    data: bytes,
    label: str,
    options: ReadOptions,
    media_type: str | None = None,
    inline: bool = False,
) -> None:
    """Read `data` (an attachment named `label`) into `doc.attachments`, or say why not in
    `doc.warnings`; a small inline image (a logo) is only listed in `doc.metadata`."""
    from negoprep.reading.readers.dispatch import read_bytes

    is_image = (media_type or "").startswith("image/") or label.lower().endswith(_IMAGE_SUFFIXES)
    if inline and is_image and len(data) < SMALL_INLINE_IMAGE_BYTES:
        skipped = doc.metadata.get("small inline images not read", "")
        doc.metadata["small inline images not read"] = ", ".join(filter(None, [skipped, label]))
        return
    try:
        doc.attachments.append(read_bytes(data, label, options.nested(), media_type))
    except UnreadableFile as exc:
        doc.warnings.append(f"attachment {label!r} could not be read: {exc}")


def header_block(metadata: dict[str, str]) -> Block | None:
    """The block that sums up a mail's headers: "From: ... | To: ... | Subject: ..."."""
    shown = [(key, metadata[key]) for key in HEADERS if metadata.get(key)]
    if not shown:
        return None
    return Block(text=" | ".join(f"{key}: {value}" for key, value in shown), kind="header")


def read_message(msg: Message, name: str, options: ReadOptions | None = None) -> RawDocument:
    """Read a parsed message (a top-level mail or one attached to a mail)."""
    options = options or ReadOptions()
    if options.depth > MAX_DEPTH:
        raise UnreadableFile(f"mails nested more than {MAX_DEPTH} deep")
    doc = RawDocument(name=name, format="eml")
    for key in HEADERS:
        value = _header(msg, key)
        if value:
            doc.metadata[key] = value
    summary = header_block(doc.metadata)
    if summary is not None:
        doc.blocks.append(summary)
    body = msg.get_body(("plain", "html")) if isinstance(msg, EmailMessage) else None
    body_blocks = _text_part_blocks(body, doc.warnings) if body is not None else []
    if body is not None and not body_blocks and isinstance(msg, EmailMessage):
        html = msg.get_body(("html",))  # an empty plain part beside a real HTML one
        if html is not None and html is not body:
            body, body_blocks = html, _text_part_blocks(html, doc.warnings)
    doc.blocks.extend(body_blocks)
    number = 0
    for part, in_alternative in _leaves(msg):
        if part is body:
            continue
        disposition = part.get_content_disposition()
        is_text = part.get_content_type() in ("text/plain", "text/html")
        if is_text and not part.get_filename() and disposition != "attachment":
            if not in_alternative:  # more inline text of the body (an alternative repeats it)
                doc.blocks.extend(_text_part_blocks(part, doc.warnings))
            continue
        number += 1
        _attachment(part, number, options, doc)
    if not any(block.kind != "header" for block in doc.blocks):
        doc.warnings.append("the mail has no text body")
    broken = sorted(_defects(msg) & _STRUCTURE_DEFECTS)
    if broken:
        doc.warnings.append(f"the mail is malformed ({', '.join(broken)}); parts may be missing")
    return doc


def read_eml(data: bytes, name: str, options: ReadOptions | None = None) -> RawDocument:
    """Read an .eml file: headers, body and attachments (see the module doc)."""
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.default).parsebytes(data)
    if not any(_header(msg, key) for key in HEADERS):
        doc = read_text(data, name)
        doc.warnings.insert(0, "the file has no mail headers; read as plain text")
        return doc
    return read_message(msg, name, options)


def _read(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_eml(data, name, options)


READER = FormatReader(
    format="eml",
    name="e-mail",
    label="an e-mail message",
    suffixes=frozenset({".eml"}),
    media_types=frozenset({"message/rfc822"}),
    read_function=_read,
)
