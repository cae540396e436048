"""Tell what a file really is from its bytes, whatever its name says.

Binary formats are identified by `filetype` (magic numbers, and the parts inside Office ZIP
packages), plus the few it does not know: a PDF header after junk, Outlook's TNEF
(winmail.dat) and its .msg (an OLE file with message streams). Text is told from binary by its
control bytes; text kinds (HTML page, e-mail, calendar, plain text) by how they start.

`sniff` returns the reader format the bytes belong to ("pdf", "docx", "msg", "tnef", "image",
"eml", "html", "ics", "txt") or None when no reader handles them; `describe` names what they are
for the user ("a ZIP archive", "a PNG image", "binary data").
"""

from __future__ import annotations

import io
import re
import zipfile

TNEF_MAGIC = b"\x78\x9f\x3e\x22"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_TYPES = {"png", "jpg", "tif", "bmp"}
"""Image types read by OCR (what Tesseract reads well)."""

# Magic numbers filetype misses on short or odd files, with the name shown to the user.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (OLE_MAGIC, "an old Microsoft Office file (.doc, .xls or .msg)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# filetype's extension -> the name shown to the user (others: "a .EXT file (mime/type)").
_NAMES = {
    "png": "a PNG image", "jpg": "a JPEG image", "gif": "a GIF image", "tif": "a TIFF image",
    "bmp": "a BMP image", "webp": "a WebP image", "heic": "a HEIC image", "zip": "a ZIP archive",
    "gz": "a gzip archive", "7z": "a 7-Zip archive", "rar": "a RAR archive",
    "xlsx": "an Excel workbook (.xlsx)", "pptx": "a PowerPoint presentation (.pptx)",
    "odt": "an OpenDocument file (.odt/.ods)", "ods": "an OpenDocument file (.odt/.ods)",
    "doc": "an old Microsoft Office file (.doc, .xls or .msg)",
    "xls": "an old Microsoft Office file (.doc, .xls or .msg)",
    "ppt": "an old Microsoft Office file (.ppt)", "rtf": "an RTF document",
    "elf": "a program (ELF executable)", "exe": "a Windows program",
    "sqlite": "an SQLite database", "mp3": "an MP3 audio file", "mp4": "an MP4 video",
}  # fmt: skip

# Bytes that do not occur in text: C0 controls except tab, LF, VT, FF, CR and ESC; DEL.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
BINARY_CONTROL_RATIO = 0.05
"""More control bytes (NUL aside) than this share of the other bytes means binary, not text."""
BINARY_NUL_RATIO = 0.3
"""More NUL bytes than this share of the file means binary (BOM-less UTF-16 is caught first)."""

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MAIL_HEADER = re.compile(
    rb"^(from|to|cc|subject|date|received|return-path|message-id|mime-version|"
    rb"delivered-to|reply-to|x-[a-z0-9-]+):[ \t]",
    re.IGNORECASE | re.MULTILINE,
)
_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_CALENDAR_START = re.compile(rb"^\s*BEGIN:VCALENDAR\s*$", re.IGNORECASE | re.MULTILINE)


def control_byte_count(data: bytes) -> int:
    """How many bytes of `data` are control bytes that plain text never has (NUL included)."""
    return len(data.translate(None, _NON_CONTROL_BYTES))


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when `data` looks like BOM-less UTF-16 of mostly Latin text."""
    sample = data[:65536]
    if len(sample) < 4 or sample.count(0) < len(sample) * 0.3:
        return None
    odd_nuls, even_nuls = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.6 and even_nuls < half * 0.05:
        return "utf-16-le"
    if even_nuls > half * 0.6 and odd_nuls < half * 0.05:
        return "utf-16-be"
    return None


def is_binary(data: bytes) -> bool:
    """True when `data` is not text: too many NULs or other control bytes (UTF-16 is text).

    A text with a few NULs (a crashed editor, a padded log) stays text: the reader strips them.
    """
    if data.startswith(_BOMS) or utf16_without_bom(data):
        return False
    nuls = data.count(0)
    if nuls > len(data) * BINARY_NUL_RATIO:
        return True
    return control_byte_count(data) - nuls > (len(data) - nuls) * BINARY_CONTROL_RATIO


def zip_names(data: bytes) -> set[str] | None:
    """The member names of a ZIP archive, or None when it cannot be opened (damaged)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except Exception:  # a probe: whatever breaks, the archive cannot be opened
        return None


def _describe_zip(data: bytes) -> str:
    names = zip_names(data)
    if names is None:
        return "a damaged ZIP archive"
    if any(n.startswith("xl/") for n in names):
        return "an Excel workbook (.xlsx)"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint presentation (.pptx)"
    if "mimetype" in names and "content.xml" in names:
        return "an OpenDocument file (.odt/.ods)"
    return "a ZIP archive"


def is_outlook_message(data: bytes) -> bool:
    """True for an Outlook .msg: an OLE compound file holding MAPI property streams."""
    if not data.startswith(OLE_MAGIC):
        return False
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists("__properties_version1.0") and any(
                entry[0].startswith("__substg1.0_") for entry in ole.listdir()
            )
    except Exception:  # a probe: a damaged OLE file is no readable message
        return False


def _text_kind(data: bytes) -> str:
    head = data[:4096]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if _HTML_START.match(head):
        return "html"
    if _CALENDAR_START.match(head):
        return "ics"
    first_lines = head.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
    if first_lines[:1].isalpha() and len(_MAIL_HEADER.findall(first_lines)) >= 2:
        return "eml"
    return "txt"


def _is_pdf(data: bytes) -> bool:
    """The PDF header may come after up to 1 KiB of junk (readers allow it), but not after text:
    a note that mentions "%PDF-" is no PDF."""
    start = data.find(b"%PDF-", 0, 1024)
    if start < 0:
        return False
    prefix = data[:start]
    return not prefix.strip() or control_byte_count(prefix) > 0


def _binary_kind(data: bytes) -> str | None:
    """filetype's extension for `data` ("png", "zip", "docx", ...), or None."""
    import filetype

    kind = filetype.guess(data[:8192])
    return str(kind.extension) if kind is not None else None


def sniff(data: bytes) -> str | None:
    """The reader format the bytes really are (see the module doc), or None."""
    if _is_pdf(data):
        return "pdf"
    if data.startswith(TNEF_MAGIC):
        return "tnef"
    if data.startswith(OLE_MAGIC):
        return "msg" if is_outlook_message(data) else None
    if data.startswith(b"PK\x03\x04"):
        names = zip_names(data)
        return "docx" if names and "word/document.xml" in names else None
    kind = _binary_kind(data)
    if kind in IMAGE_TYPES:
        return "image"
    if kind is not None or any(data.startswith(magic) for magic, _ in _MAGIC):
        return None
    if is_binary(data):
        return None
    return _text_kind(data)


_TEXT_NAMES = {
    "pdf": "a PDF",
    "docx": "a Word document (.docx)",
    "msg": "an Outlook message (.msg)",
    "tnef": "an Outlook TNEF attachment (winmail.dat)",
    "html": "an HTML page",
    "eml": "an e-mail message",
    "ics": "a calendar file (.ics)",
    "txt": "text",
}


def describe(data: bytes) -> str:
    """What the bytes look like, for a message: 'a ZIP archive', 'binary data', 'text', ..."""
    kind = sniff(data)
    if kind in _TEXT_NAMES:
        return _TEXT_NAMES[kind]
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _describe_zip(data)
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    found = _binary_kind(data)
    if found is not None:
        import filetype

        mime = filetype.guess_mime(data[:8192]) or ""
        return _NAMES.get(found, f"a .{found} file ({mime})")
    if data.startswith(b"MZ"):
        return "a Windows program"
    return "binary data"


def first_bytes(data: bytes, count: int = 8) -> str:
    """The first bytes in hex, e.g. '50 4B 03 04', for a message."""
    return " ".join(f"{b:02X}" for b in data[:count])
