"""What a Word document shows that is not its own paragraphs: imported content (altChunk: HTML,
text or another document pasted in as a whole), embedded objects (an Excel sheet, a PDF, a
document), SmartArt diagrams, WordArt, charts and pictures.

Imported content is read in place, with the reader of its format; embedded files become the
document's attachments (read like a mail's); SmartArt and WordArt text is read where it stands.
What has no text to read is said: a chart or an embedded object no reader takes is a warning; a
picture is counted in the metadata (their text is not read).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from negoprep.reading.readers.base import Block, RawDocument, ReadOptions, UnreadableFile

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
OFFICE = "{urn:schemas-microsoft-com:office:office}"
V = "{urn:schemas-microsoft-com:vml}"
DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_PICTURE = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_MEDIA_TYPES = {"message/rfc822": ".mht", "application/rtf": ".rtf", "text/rtf": ".rtf"}


class Embedded:
    """Reads the embedded and imported content of one document part (see the module doc)."""

    def __init__(self, part: Any, options: ReadOptions, doc: RawDocument) -> None:
        self.part = part
        self.options = options
        self.doc = doc
        self.pictures = 0
        self.seen: set[str] = set()

    def _target(self, rel_id: str | None) -> Any:
        rel = self.part.rels.get(rel_id or "")
        return None if rel is None or rel.is_external else rel.target_part

    def _read(self, target: Any) -> RawDocument:
        from negoprep.reading.readers.dispatch import read_bytes

        name = str(target.partname).rsplit("/", 1)[-1]
        media = str(target.content_type).split(";")[0].strip().lower()
        return read_bytes(target.blob, name, self.options.nested(), media)

    def alt_chunk(self, elem: ET.Element, out: list[Block]) -> None:
        """Imported content (w:altChunk): its blocks in place, its warnings the document's."""
        target = self._target(elem.get(R + "id"))
        if target is None:
            self.doc.warnings.append("imported content (altChunk) is missing from the file")
            return
        name = str(target.partname).rsplit("/", 1)[-1]
        try:
            chunk = self._read(target)
        except UnreadableFile as exc:
            self.doc.warnings.append(f"imported content {name!r} could not be read: {exc}")
            return
        out.extend(chunk.blocks)
        self.doc.warnings.extend(f"imported content {name!r}: {w}" for w in chunk.warnings)
        self.doc.attachments.extend(chunk.attachments)

    def run_object(self, elem: ET.Element, out: list[Block]) -> None:
        """A w:object (OLE), w:drawing or w:pict inside a run."""
        for ole in elem.iter(OFFICE + "OLEObject"):
            self._ole(ole)
        for path in elem.iter(V + "textpath"):
            text = " ".join((path.get("string") or "").split())
            if text:
                out.append(Block(text=text))
        for graphic in elem.iter(A + "graphicData"):
            uri = graphic.get("uri", "")
            if uri == _PICTURE:
                self.pictures += 1
                self.doc.metadata["pictures"] = f"{self.pictures} (text in pictures is not read)"
            elif uri == _DIAGRAM:
                self._diagram(graphic, out)
            elif uri == _CHART:
                self._chart(graphic)

    def _ole(self, ole: ET.Element) -> None:
        rel_id = ole.get(R + "id")
        target = self._target(rel_id)
        what = ole.get("ProgID") or "an object"
        if target is None or str(target.partname) in self.seen:
            if target is None and ole.get("Type") != "Link":
                self.doc.warnings.append(f"embedded object ({what}) is missing from the file")
            return
        self.seen.add(str(target.partname))
        name = str(target.partname).rsplit("/", 1)[-1]
        try:
            self.doc.attachments.append(self._read(target))
        except UnreadableFile as exc:
            self.doc.warnings.append(f"embedded object {name!r} ({what}) could not be read: {exc}")

    def _diagram(self, graphic: ET.Element, out: list[Block]) -> None:
        ids = graphic.find(DGM + "relIds")
        target = self._target(ids.get(R + "dm") if ids is not None else None)
        if target is None:
            self.doc.warnings.append("a SmartArt diagram could not be read: its data is missing")
            return
        root = ET.fromstring(target.blob)
        texts = [
            " ".join("".join(t.text or "" for t in p.iter(A + "t")).split())
            for p in root.iter(A + "p")
        ]
        text = "\n".join(t for t in texts if t)
        if text:
            out.append(Block(text=text))

    def _chart(self, graphic: ET.Element) -> None:
        chart = graphic.find(C + "chart")
        target = self._target(chart.get(R + "id") if chart is not None else None)
        title = ""
        if target is not None:
            root = ET.fromstring(target.blob)
            node = root.find(f".//{C}title")
            title = (
                " ".join("".join(t.text or "" for t in node.iter(A + "t")).split())
                if node is not None
                else ""
            )
        shown = f" {title!r}" if title else ""
        self.doc.warnings.append(f"a chart{shown} is not read (its figures are not text)")
