"""Outlook .msg files (extract-msg), read like an .eml: a header block, the body, attachments.

The body is the plain text, else the HTML (extract-msg also recovers the HTML or text that an
RTF body encapsulates); attachments are read like files (embedded messages recursively), and a
small inline image is listed, not read, as in `mail`.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.html import decode_html, html_blocks
from negoprep.reading.readers.mail import MAX_DEPTH, add_attachment, header_block
from negoprep.reading.readers.text import text_blocks


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _body_blocks(message: Any, doc: RawDocument) -> list[Block]:
    plain = message.body
    if isinstance(plain, str) and plain.strip():
        return text_blocks(plain.replace("\r\n", "\n").replace("\r", "\n"))
    html = message.htmlBody
    if isinstance(html, bytes) and html.strip():
        markup, _encoding, notes = decode_html(html)
        doc.warnings.extend(notes)
        return html_blocks(markup)[0]
    if getattr(message, "rtfBody", None):
        doc.warnings.append("the message body is rich text (RTF) only and could not be read")
    return []


def _date(message: Any) -> str:
    when = message.date
    try:
        return format_datetime(when) if when is not None else ""
    except (TypeError, ValueError):
        return _one_line(when)


def read_message(message: Any, name: str, options: ReadOptions) -> RawDocument:
    """Read an opened extract-msg message (a file, or one embedded in another)."""
    if options.depth > MAX_DEPTH:
        raise UnreadableFile(f"mails nested more than {MAX_DEPTH} deep")
    doc = RawDocument(name=name, format="msg")
    for key, value in (
        ("From", message.sender),
        ("To", message.to),
        ("Cc", message.cc),
        ("Date", _date(message)),
        ("Subject", message.subject),
    ):
        if _one_line(value):
            doc.metadata[key] = _one_line(value)
    summary = header_block(doc.metadata)
    if summary is not None:
        doc.blocks.append(summary)
    doc.blocks.extend(_body_blocks(message, doc))
    for number, attachment in enumerate(message.attachments, start=1):
        _attachment(attachment, number, options, doc)
    if not any(block.kind != "header" for block in doc.blocks):
        doc.warnings.append("the message has no text body")
    return doc


def _attachment(attachment: Any, number: int, options: ReadOptions, doc: RawDocument) -> None:
    from extract_msg.enums import AttachmentType

    label = (
        _one_line(attachment.longFilename or attachment.shortFilename or attachment.displayName)
        or f"attachment {number}"
    )
    kind = attachment.type
    if kind == AttachmentType.MSG:
        inner = attachment.data
        subject = _one_line(getattr(inner, "subject", ""))
        label = label if label.lower().endswith(".msg") else f"{subject or label}.msg"
        try:
            doc.attachments.append(read_message(inner, label, options.nested()))
        except UnreadableFile as exc:
            doc.warnings.append(f"attachment {label!r} could not be read: {exc}")
        return
    data = attachment.data if kind == AttachmentType.DATA else None
    if not isinstance(data, bytes) or not data:
        what = "it is empty" if kind == AttachmentType.DATA else f"{kind.name.lower()} attachment"
        doc.warnings.append(f"attachment {label!r} could not be read: {what}")
        return
    inline = bool(getattr(attachment, "hidden", False) or getattr(attachment, "contentId", None))
    add_attachment(doc, data, label, options, getattr(attachment, "mimetype", None), inline)


def read_msg(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    """Read an Outlook .msg file's bytes; raises `UnreadableFile` for a damaged one."""
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
    except (ExMsgBaseException, OSError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UnreadableFile(f"corrupt or damaged Outlook message: {reason[:160]}") from exc
    try:
        return read_message(message, name, options)
    finally:
        message.close()


READER = FormatReader(
    format="msg",
    name="Outlook message",
    label="an Outlook message (.msg)",
    suffixes=frozenset({".msg"}),
    media_types=frozenset({"application/vnd.ms-outlook"}),
    read_function=read_msg,
)
