"""Outlook's TNEF attachments (winmail.dat, application/ms-tnef; tnefparse), read like a mail.

Outlook wraps a message's rich-text body and its attachments in TNEF, which other mail clients
show as one opaque attachment. The reader unwraps it: the subject, the body (plain text, else
HTML, else the HTML or text an RTF body encapsulates), and the attachments, read like files.
"""

from __future__ import annotations

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
from negoprep.reading.readers.text import decode_text, text_blocks


def _text(value: Any, codepage: str | None) -> str:
    if isinstance(value, str):
        return value
    if not isinstance(value, bytes):
        return ""
    data: bytes = value.rstrip(b"\x00")
    try:
        return data.decode(codepage or "cp1252")
    except (LookupError, UnicodeDecodeError):
        return decode_text(data)[0] if data.strip() else ""


def rtf_blocks(rtf: bytes) -> list[Block] | None:
    """Blocks of an RTF body that encapsulates HTML or plain text (what Outlook writes), or None
    when it is genuine RTF (not read)."""
    from RTFDE.deencapsulate import DeEncapsulator

    try:
        decoder = DeEncapsulator(rtf)
        decoder.deencapsulate()
    except Exception:  # RTFDE raises its own errors for RTF that encapsulates nothing
        return None
    if decoder.content_type == "html":
        return html_blocks(str(decoder.html))[0]
    return text_blocks(str(decoder.text).replace("\r\n", "\n"))


def _body(tnef: Any, doc: RawDocument) -> list[Block]:
    plain = _text(tnef.body, tnef.codepage)
    if plain.strip():
        return text_blocks(plain.replace("\r\n", "\n").replace("\r", "\n"))
    html = tnef.htmlbody
    if html:
        markup = html if isinstance(html, str) else decode_html(html)[0]
        return html_blocks(markup)[0]
    rtf = tnef.rtfbody
    if rtf:
        blocks = rtf_blocks(rtf)
        if blocks is None:
            doc.warnings.append("the message body is rich text (RTF) only and could not be read")
        return blocks or []
    return []


def read_tnef_object(tnef: Any, name: str, options: ReadOptions) -> RawDocument:
    """Read a parsed TNEF object (a winmail.dat, or a message embedded in one)."""
    if options.depth > MAX_DEPTH:
        raise UnreadableFile(f"mails nested more than {MAX_DEPTH} deep")
    doc = RawDocument(name=name, format="tnef")
    for prop in tnef.msgprops:
        if prop.name == tnef.ATTSUBJECT:
            doc.metadata["Subject"] = " ".join(_text(prop.data, tnef.codepage).split())
    summary = header_block(doc.metadata)
    if summary is not None:
        doc.blocks.append(summary)
    doc.blocks.extend(_body(tnef, doc))
    for number, attachment in enumerate(tnef.attachments, start=1):
        label = " ".join(str(attachment.long_filename() or "").split()) or f"attachment {number}"
        embedded = getattr(attachment, "embed", None)
        if embedded is not None:
            doc.attachments.append(read_tnef_object(embedded, label, options.nested()))
        elif not attachment.data:
            doc.warnings.append(f"attachment {label!r} could not be read: it is empty")
        else:
            add_attachment(doc, bytes(attachment.data), label, options)
    if not doc.blocks and not doc.attachments:
        raise UnreadableFile("the TNEF attachment holds no text and no attachments")
    return doc


def read_tnef(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    """Read winmail.dat bytes; raises `UnreadableFile` for a damaged one."""
    from tnefparse import TNEF

    try:
        tnef = TNEF(data, do_checksum=False)
    except (ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UnreadableFile(f"corrupt or damaged TNEF attachment: {reason[:160]}") from exc
    return read_tnef_object(tnef, name, options)


READER = FormatReader(
    format="tnef",
    name="TNEF attachment",
    label="an Outlook TNEF attachment (winmail.dat)",
    suffixes=frozenset({".tnef", ".dat"}),
    media_types=frozenset({"application/ms-tnef", "application/vnd.ms-tnef"}),
    read_function=read_tnef,
)
