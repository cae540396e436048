"""Text a PDF viewer shows that is not in the page's content stream: form field values,
comments and sticky notes, free-text boxes, and the comments on highlights and other markup.

Each becomes a block on its page, after the page's text: "Amount (EUR): 48,000.00" for a field
(its tooltip or full name, then its value as shown: a ticked box is "[x]", a list choice its
text), "Comment by Alice: ..." for a note, the box's text for a free-text annotation. Hidden
annotations are left out, as a viewer does. An annotation that shows something but has no text
to read (a stamp) is reported, never silently dropped.
"""

from __future__ import annotations

from typing import Any

from negoprep.reading.readers.base import Block

_HIDDEN = 2 | 32
"""Annotation flags Hidden and NoView: a viewer does not show the annotation."""
_MARKUP = {
    "/Text", "/Highlight", "/Underline", "/StrikeOut", "/Squiggly", "/Square", "/Circle",
    "/Line", "/Polygon", "/PolyLine", "/Ink", "/Caret", "/FileAttachment", "/Sound",
}  # fmt: skip
_NO_TEXT = {"/Link", "/Popup", "/PrinterMark", "/TrapNet", "/Watermark", "/3D", "/Screen"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _inherited(annotation: Any, key: str) -> Any:
    """A field attribute from the widget or the field above it (fields inherit /FT, /V)."""
    node = annotation
    for _ in range(20):
        if node is None:
            return None
        if key in node:
            return node[key].get_object() if hasattr(node[key], "get_object") else node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _field_name(annotation: Any) -> str:
    tooltip = _text(_inherited(annotation, "/TU"))
    if tooltip:
        return " ".join(tooltip.split())
    names: list[str] = []
    node = annotation
    for _ in range(20):
        if node is None:
            break
        if "/T" in node:
            names.append(_text(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(names)) or "form field"


def _field_value(annotation: Any) -> str:
    kind = _inherited(annotation, "/FT")
    value = _inherited(annotation, "/V")
    if kind == "/Btn":
        state = annotation.get("/AS")
        on = state is not None and str(state) not in ("/Off", "Off")
        if value is None or str(value) in ("/Off", "Off"):
            return "[ ]" if state is not None else ""
        return "[x]" if on else "[ ]"
    if kind == "/Sig":
        return "(signed)" if value is not None else ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return _text(value)


def annotation_blocks(page: Any, number: int, warnings: list[str]) -> list[Block]:
    """The blocks of the annotations on `page` (a pypdf page, 1-based `number`)."""
    blocks: list[Block] = []
    unread: dict[str, int] = {}
    annotations = page.get("/Annots")
    annotations = annotations.get_object() if annotations is not None else []
    for ref in annotations or []:
        annotation = ref.get_object()
        subtype = str(annotation.get("/Subtype", ""))
        if int(annotation.get("/F", 0)) & _HIDDEN or subtype in _NO_TEXT:
            continue
        contents = _text(annotation.get("/Contents"))
        author = " ".join(_text(annotation.get("/T")).split())
        if subtype == "/Widget":
            value = _field_value(annotation)
            if value:
                blocks.append(
                    Block(text=f"{_field_name(annotation)}: {value}", kind="form", page=number)
                )
        elif subtype == "/FreeText":
            if contents:
                blocks.append(Block(text=contents, kind="annotation", page=number))
        elif subtype in _MARKUP:
            if contents:
                who = f" by {author}" if author else ""
                blocks.append(
                    Block(text=f"Comment{who}: {contents}", kind="annotation", page=number)
                )
        elif contents:
            blocks.append(Block(text=contents, kind="annotation", page=number))
        elif "/AP" in annotation:
            name = subtype.lstrip("/").lower() or "annotation"
            unread[name] = unread.get(name, 0) + 1
    for name, count in unread.items():
        warnings.append(
            f"page {number}: {count} {name} annotation(s) show content that has no text to read"
        )
    return blocks
