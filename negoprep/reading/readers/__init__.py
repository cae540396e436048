"""Document readers: one file in, a `RawDocument` of text blocks out (or `UnreadableFile`).

    from negoprep.reading.readers import read_file
    doc = read_file(path)  # raises UnreadableFile("reason for the user")

Formats: plain text, Markdown, logs and CSV (as text), e-mail (.eml, with attachments), PDF
(text layer), Word .docx and HTML. The content decides over the file name (see `dispatch`).
Heavy libraries (pypdf, python-docx, bs4, charset-normalizer) are imported only when a file of
their format is read, so importing this package is fast.
"""

from negoprep.reading.readers.base import Block, BlockKind, RawDocument, UnreadableFile
from negoprep.reading.readers.dispatch import SUPPORTED_SUFFIXES, read_bytes, read_file

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Block",
    "BlockKind",
    "RawDocument",
    "UnreadableFile",
    "read_bytes",
    "read_file",
]
