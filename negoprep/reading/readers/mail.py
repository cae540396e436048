"""E-mail (.eml, and messages attached to mails): headers, text body, attachments.

The first block sums up the headers ("From: ... | To: ... | Cc: ... | Date: ... | Subject: ...",
kind "header"); the body is the text/plain part (else the text/html part as text) split at blank
lines. Other parts are attachments read like files (by name and content) into `attachments`;
one that cannot be read becomes a warning naming it, and the rest of the mail is still read.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from email.message import EmailMessage, Message

from negoprep.reading.readers.base import Block, RawDocument, UnreadableFile
from negoprep.reading.readers.html import html_blocks
from negoprep.reading.readers.text import decode_text, read_text, text_blocks

HEADERS = ("From", "To", "Cc", "Date", "Subject")
MAX_DEPTH = 5
"""Mails attached to mails attached to ...: deeper than this is not read (a mail bomb)."""
_STRUCTURE_DEFECTS = {
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
}
_NO_TEXT_TYPES = ("image", "audio", "video", "font")


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
    charset = part.get_content_charset()
    if charset:
        try:
            text = payload.decode(charset)
            return text.replace("\r\n", "\n").replace("\r", "\n"), []
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        text, encoding, _ = decode_text(payload)
    except UnreadableFile:
        return "", ["the mail body is not text"]
    if charset:
        return text, [f"the mail text is not in its declared charset {charset}; read as {encoding}"]
    if encoding == "utf-8":
        return text, []
    return text, [f"the mail text has no charset; read as {encoding}"]


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


def _attachment(part: Message, number: int, depth: int, doc: RawDocument) -> None:
    from negoprep.reading.readers.dispatch import read_bytes

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
            doc.attachments.append(read_message(message, label, depth + 1))
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
    try:
        doc.attachments.append(read_bytes(payload, label, depth + 1))
    except UnreadableFile as exc:
        doc.warnings.append(f"attachment {label!r} could not be read: {exc}")


def read_message(msg: Message, name: str, depth: int = 0) -> RawDocument:
    """Read a parsed message (a top-level mail or one attached to a mail)."""
    if depth > MAX_DEPTH:
        raise UnreadableFile(f"mails nested more than {MAX_DEPTH} deep")
    doc = RawDocument(name=name, format="eml")
    for key in HEADERS:
        value = _header(msg, key)
        if value:
            doc.metadata[key] = value
    if doc.metadata:
        summary = " | ".join(f"{key}: {value}" for key, value in doc.metadata.items())
        doc.blocks.append(Block(text=summary, kind="header"))
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
        _attachment(part, number, depth, doc)
    if not any(block.kind != "header" for block in doc.blocks):
        doc.warnings.append("the mail has no text body")
    broken = sorted(_defects(msg) & _STRUCTURE_DEFECTS)
    if broken:
        doc.warnings.append(f"the mail is malformed ({', '.join(broken)}); parts may be missing")
    return doc


def read_eml(data: bytes, name: str, depth: int = 0) -> RawDocument:
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.default).parsebytes(data)
    if not any(_header(msg, key) for key in HEADERS):
        doc = read_text(data, name)
        doc.warnings.insert(0, "the file has no mail headers; read as plain text")
        return doc
    return read_message(msg, name, depth)
