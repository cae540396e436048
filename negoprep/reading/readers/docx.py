"""Word .docx: body in order (paragraphs, table rows), headers/footers, comments, tracked changes.

python-docx opens the package and resolves its parts; the text comes from the parts' XML, since
python-docx's own `.text` leaves out tracked insertions. Text inside `w:ins` is part of the body
and is also reported as an insertion block; text inside `w:del` is not in the body and is
reported as a deletion block. Revision and comment blocks follow the paragraph (or table row)
they belong to; headers come first and footers after the body, each distinct one once.
Footnotes and endnotes follow the paragraph that first refers to them, numbered as Word shows
them ("Footnote 1: ..."). Text boxes and shapes follow the paragraph they are anchored in;
content controls, hyperlinks, field results and equations are read as part of their paragraph.
Imported content, embedded files, SmartArt, WordArt, charts and pictures: see `docx_embedded`.
List and clause numbers, which Word computes, are put back before their paragraph ("4.2 The
Buyer ..."; see `docx_numbering`).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from negoprep.reading.readers.base import (
    Block,
    BlockKind,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.docx_embedded import Embedded
from negoprep.reading.readers.docx_numbering import Numbering

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_SKIP = {W + "pPr", W + "rPr", W + "instrText", W + "delInstrText"}
_OBJECTS = {W + "drawing", W + "pict", W + "object"}
_NOTE_REFS = {W + "footnoteReference": "footnote", W + "endnoteReference": "endnote"}
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"}
_MAIN = ("paragraph", "heading", "table")
MAX_UNPACKED_BYTES = 1024 * 2**20
"""A .docx whose parts unpack to more than this is refused (python-docx loads them all)."""
_CHARS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}


@dataclass
class _Revision:
    kind: str
    author: str
    text: str
    start: int
    end: int


@dataclass
class _Para:
    parts: list[str] = field(default_factory=list)
    size: int = 0
    revisions: list[_Revision] = field(default_factory=list)
    comment_ids: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """Footnote and endnote references: (kind, id)."""
    objects: list[ET.Element] = field(default_factory=list)
    """Drawings, VML shapes and OLE objects in the paragraph's runs."""

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def revise(self, kind: str, author: str, text: str, start: int) -> None:
        last = self.revisions[-1] if self.revisions else None
        if last and last.kind == kind and last.author == author and last.end == start:
            last.text += text
            last.end = self.size
        else:
            self.revisions.append(_Revision(kind, author, text, start, self.size))


def _hidden(run: ET.Element) -> bool:
    vanish = run.find(f"{W}rPr/{W}vanish")
    return vanish is not None and vanish.get(W + "val", "true") not in ("0", "false")


def _deleted_text(elem: ET.Element) -> str:
    return "".join(t.text or "" for t in elem.iter() if t.tag in (W + "delText", W + "t"))


def _collect(elem: ET.Element, para: _Para) -> None:
    for child in elem:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag in (W + "t", M + "t"):
            para.add(child.text or "")
        elif tag in _OBJECTS:
            para.objects.append(child)
        elif tag == MC + "AlternateContent":  # the first choice, as Word shows it
            choice = child.find(MC + "Choice")
            chosen = choice if choice is not None else child.find(MC + "Fallback")
            para.objects.extend([chosen] if chosen is not None else [])
        elif tag in _NOTE_REFS:
            para.notes.append((_NOTE_REFS[tag], child.get(W + "id", "")))
        elif tag in _CHARS:
            para.add(_CHARS[tag])
        elif tag in (W + "del", W + "moveFrom"):
            author = child.get(W + "author", "unknown")
            para.revise("deletion", author, _deleted_text(child), para.size)
        elif tag in (W + "ins", W + "moveTo"):
            start = para.size
            _collect(child, para)
            text = "".join(para.parts)[start:]
            para.revise("insertion", child.get(W + "author", "unknown"), text, start)
        elif tag in (W + "commentReference", W + "commentRangeStart"):
            para.comment_ids.append(child.get(W + "id", ""))
        elif tag == W + "r" and _hidden(child):
            continue
        else:
            _collect(child, para)


class _Reader:
    def __init__(
        self,
        styles: dict[str, str],
        comments: dict[str, str],
        embedded: Embedded | None = None,
        notes: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.styles = styles
        self.comments = comments
        self.emitted_comments: set[str] = set()
        self.numbering: Numbering | None = None
        self.embedded = embedded
        self.notes = notes or {}
        self.emitted_notes: dict[tuple[str, str], int] = {}

    def _extras(self, para: _Para, out: list[Block]) -> None:
        for rev in para.revisions:
            if rev.text.strip():
                verb = "Inserted" if rev.kind == "insertion" else "Deleted"
                kind: BlockKind = "insertion" if rev.kind == "insertion" else "deletion"
                out.append(Block(text=f"{verb} by {rev.author}: {rev.text.strip()}", kind=kind))
        for cid in para.comment_ids:
            if cid in self.comments and cid not in self.emitted_comments:
                self.emitted_comments.add(cid)
                out.append(Block(text=self.comments[cid], kind="comment"))
        for key in para.notes:
            if key in self.notes and key not in self.emitted_notes:
                out.append(self.note_block(key))
        if self.embedded is not None:
            for obj in para.objects:
                self.embedded.run_object(obj, out)

    def note_block(self, key: tuple[str, str]) -> Block:
        """ "Footnote 2: ..." numbered as Word shows it (in order of first reference)."""
        number = 1 + sum(1 for kind, _ in self.emitted_notes if kind == key[0])
        self.emitted_notes[key] = number
        return Block(text=f"{key[0].capitalize()} {number}: {self.notes[key]}", kind="footnote")

    def _kind(self, p: ET.Element) -> BlockKind:
        ppr = p.find(W + "pPr")
        if ppr is None:
            return "paragraph"
        style = ppr.find(W + "pStyle")
        name = self.styles.get(style.get(W + "val", ""), "") if style is not None else ""
        outline = ppr.find(W + "outlineLvl")  # level 9 is body text
        level = outline.get(W + "val", "9") if outline is not None else "9"
        heading = name.startswith(("heading", "title")) or level in "012345678"
        return "heading" if heading else "paragraph"

    def paragraph(self, p: ET.Element, out: list[Block], kind: BlockKind | None = None) -> None:
        para = _Para()
        _collect(p, para)
        text = "".join(para.parts).strip()
        label = self.numbering.label(p) if text and self.numbering else ""
        text = f"{label} {text}" if label else text
        if text:
            out.append(Block(text=text, kind=kind or self._kind(p)))
        self._extras(para, out)
        seen: set[str] = set()
        for box in p.iter(W + "txbxContent"):
            box_blocks: list[Block] = []
            self.container(box, box_blocks)
            key = "\n".join(b.text for b in box_blocks)
            if key not in seen:
                seen.add(key)
                out.extend(box_blocks)

    def container(self, elem: ET.Element, out: list[Block], kind: BlockKind | None = None) -> None:
        """Blocks of a body, header, cell, comment or text box, in order."""
        for child in elem:
            if child.tag == W + "p":
                self.paragraph(child, out, kind)
            elif child.tag == W + "tbl":
                self.table(child, out)
            elif child.tag in _WRAPPERS:
                self.container(child, out, kind)
            elif child.tag == W + "altChunk" and self.embedded is not None:
                self.embedded.alt_chunk(child, out)

    def table(self, tbl: ET.Element, out: list[Block]) -> None:
        for row in _children(tbl, W + "tr"):
            cells: list[str] = []
            extras: list[Block] = []
            for cell in _children(row, W + "tc"):
                cell_blocks: list[Block] = []
                self.container(cell, cell_blocks)
                cells.append("\n".join(b.text for b in cell_blocks if b.kind in _MAIN))
                extras.extend(b for b in cell_blocks if b.kind not in _MAIN)
            if any(c.strip() for c in cells):
                out.append(Block(text=" | ".join(cells), kind="table"))
            out.extend(extras)


def _children(elem: ET.Element, tag: str) -> list[ET.Element]:
    """Children with `tag`, looking through content controls and custom XML wrappers."""
    found: list[ET.Element] = []
    for child in elem:
        if child.tag == tag:
            found.append(child)
        elif child.tag in _WRAPPERS:
            found.extend(_children(child, tag))
    return found


def _styles(xml: bytes | None) -> dict[str, str]:
    if not xml:
        return {}
    root = ET.fromstring(xml)
    styles: dict[str, str] = {}
    for style in root.iter(W + "style"):
        name = style.find(W + "name")
        if name is not None:
            styles[style.get(W + "styleId", "")] = name.get(W + "val", "").lower()
    return styles


def _comments(xml: bytes | None, styles: dict[str, str]) -> dict[str, str]:
    if not xml:
        return {}
    reader = _Reader(styles, {})
    comments: dict[str, str] = {}
    for comment in ET.fromstring(xml).iter(W + "comment"):
        blocks: list[Block] = []
        reader.container(comment, blocks)
        text = "\n".join(b.text for b in blocks if b.kind in _MAIN)
        author = comment.get(W + "author") or "unknown"
        comments[comment.get(W + "id", "")] = f"Comment by {author}: {text}"
    return comments


def _notes(xml: bytes | None, tag: str, styles: dict[str, str]) -> dict[tuple[str, str], str]:
    """(kind, id) -> the text of each footnote or endnote."""
    notes: dict[tuple[str, str], str] = {}
    if not xml:
        return notes
    reader = _Reader(styles, {})
    for note in ET.fromstring(xml).iter(W + tag):
        if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        note_blocks: list[Block] = []
        reader.container(note, note_blocks)
        text = "\n".join(b.text for b in note_blocks if b.kind in _MAIN)
        if text:
            notes[(tag, note.get(W + "id", ""))] = text
    return notes


def read_docx(data: bytes, name: str, options: ReadOptions | None = None) -> RawDocument:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            limit = MAX_UNPACKED_BYTES // 2**20
            raise UnreadableFile(f"the document unpacks to more than {limit} MiB (a ZIP bomb?)")
        document = docx.Document(io.BytesIO(data))
    except UnreadableFile:
        raise
    except Exception as exc:  # opening checks the whole package: any failure means damage
        raise UnreadableFile(f"corrupt or damaged Word document: {_short(exc)}") from exc
    try:
        return _read(document, name, options or ReadOptions())
    except (ET.ParseError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
        raise UnreadableFile(f"corrupt or damaged Word document: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= 160 else message[:157] + "..."


def _read(document: DocxDocument, name: str, options: ReadOptions) -> RawDocument:
    part = document.part
    by_type: dict[str, bytes] = {}
    for rel in part.rels.values():
        if not rel.is_external:
            by_type.setdefault(rel.reltype.rsplit("/", 1)[-1], rel.target_part.blob)
    styles = _styles(by_type.get("styles"))
    doc = RawDocument(name=name, format="docx")
    notes = _notes(by_type.get("footnotes"), "footnote", styles)
    notes |= _notes(by_type.get("endnotes"), "endnote", styles)
    reader = _Reader(
        styles, _comments(by_type.get("comments"), styles), Embedded(part, options, doc), notes
    )
    reader.numbering = Numbering(by_type.get("numbering"), by_type.get("styles"))
    root = ET.fromstring(part.blob)
    body = root.find(W + "body")
    blocks: list[Block] = []
    if body is not None:
        reader.container(body, blocks)
    reader.numbering = None  # list numbers count in the body only
    headers: list[Block] = []
    footers: list[Block] = []
    seen: set[tuple[str, str]] = set()
    for ref in root.iter():
        kind: BlockKind
        if ref.tag == W + "headerReference":
            kind, target = "header", headers
        elif ref.tag == W + "footerReference":
            kind, target = "footer", footers
        else:
            continue
        rel = part.rels.get(ref.get(R_ID, ""))
        if rel is None or rel.is_external:
            continue
        part_blocks: list[Block] = []
        reader.container(ET.fromstring(rel.target_part.blob), part_blocks)
        text = "\n".join(b.text for b in part_blocks if b.kind in _MAIN)
        if text.strip() and (kind, text) not in seen:
            seen.add((kind, text))
            target.append(Block(text=text, kind=kind))
    unreferenced = [reader.note_block(k) for k in notes if k not in reader.emitted_notes]
    leftover = [Block(text=text, kind="comment") for cid, text in reader.comments.items()
                if cid not in reader.emitted_comments]  # fmt: skip
    doc.blocks = headers + blocks + footers + unreferenced + leftover
    if not doc.blocks and not doc.attachments:
        raise UnreadableFile("the document has no text")
    return doc


def _read_format(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_docx(data, name, options)


READER = FormatReader(
    format="docx",
    name="DOCX",
    label="a Word document (.docx)",
    suffixes=frozenset({".docx", ".docm"}),
    media_types=frozenset(
        {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-word.document.macroenabled.12",
        }
    ),
    read_function=_read_format,
)
