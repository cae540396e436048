"""Document readers: one file in, a `RawDocument` of text blocks out (or `UnreadableFile`).

    from negoprep.reading.readers import read_file
    doc = read_file(path)  # raises UnreadableFile("reason for the user")

One module per format, each with a `Reader` (`base.Reader`: suffixes, MIME types, a read
function), registered in `registry.READERS`: plain text, Markdown, logs and CSV (as text),
e-mail (.eml), Outlook (.msg, winmail.dat), calendars (.ics), PDF (text layer, form values and
annotations; OCR for scanned pages), Word .docx, HTML, and images (OCR). The content decides
over the file name (see `dispatch`). Heavy libraries are imported only when a file of their
format is read, so importing this package is fast.
"""

from negoprep.reading.readers.base import (
    Block,
    BlockKind,
    RawDocument,
    Reader,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.dispatch import MAX_FILE_BYTES, read_bytes, read_file, size_problem
from negoprep.reading.readers.registry import READERS, SUPPORTED_SUFFIXES

__all__ = [
    "MAX_FILE_BYTES",
    "READERS",
    "SUPPORTED_SUFFIXES",
    "Block",
    "BlockKind",
    "RawDocument",
    "ReadOptions",
    "Reader",
    "UnreadableFile",
    "read_bytes",
    "read_file",
    "size_problem",
]
