"""List and clause numbers of a .docx ("4.2", "(b)", "iii."): Word computes them when it shows
the document, so they are not in the text; contracts are cited by them, so the reader adds them.

Covers what contracts use: numbering set on the paragraph or through its style (with basedOn),
multi-level labels ("%1.%2"), decimal / letter / roman formats, start values, and restarts
through a start override. Counters are kept per abstract list, as Word does; bullets get no label.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LEVELS = 9


@dataclass
class _Level:
    fmt: str
    text: str
    start: int


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):  # fmt: skip
        count, n = divmod(n, value)
        out += letters * count
    return out


def _letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa (Word repeats the letter)."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _format(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _int(elem: ET.Element | None, default: int = 0, attr: str = "val") -> int:
    try:
        return int(elem.get(W + attr, "")) if elem is not None else default
    except ValueError:
        return default


class Numbering:
    def __init__(self, numbering_xml: bytes | None, styles_xml: bytes | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.based_on: dict[str, str] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        if numbering_xml:
            self._load_numbering(ET.fromstring(numbering_xml))
        if styles_xml:
            self._load_styles(ET.fromstring(styles_xml))

    def _load_numbering(self, root: ET.Element) -> None:
        for abstract in root.iter(W + "abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in abstract.iter(W + "lvl"):
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                levels[_int(lvl, attr="ilvl")] = _Level(
                    fmt=fmt.get(W + "val", "decimal") if fmt is not None else "decimal",
                    text=text.get(W + "val", "") if text is not None else "",
                    start=_int(lvl.find(W + "start"), 1),
                )
            self.abstract[abstract.get(W + "abstractNumId", "")] = levels
        for num in root.iter(W + "num"):
            num_id = num.get(W + "numId", "")
            ref = num.find(W + "abstractNumId")
            self.nums[num_id] = ref.get(W + "val", "") if ref is not None else ""
            for override in num.iter(W + "lvlOverride"):
                start = override.find(W + "startOverride")
                if start is not None:
                    level = _int(override, attr="ilvl")
                    self.overrides.setdefault(num_id, {})[level] = _int(start, 1)

    def _load_styles(self, root: ET.Element) -> None:
        for style in root.iter(W + "style"):
            style_id = style.get(W + "styleId", "")
            based = style.find(W + "basedOn")
            if based is not None:
                self.based_on[style_id] = based.get(W + "val", "")
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None:
                num_id = num_pr.find(W + "numId")
                if num_id is not None:
                    level = _int(num_pr.find(W + "ilvl"))
                    self.style_num[style_id] = (num_id.get(W + "val", ""), level)

    def _num_of(self, p: ET.Element) -> tuple[str, int] | None:
        ppr = p.find(W + "pPr")
        if ppr is None:
            return None
        num_pr = ppr.find(W + "numPr")
        if num_pr is not None and num_pr.find(W + "numId") is not None:
            return _int_str(num_pr.find(W + "numId")), _int(num_pr.find(W + "ilvl"))
        style = ppr.find(W + "pStyle")
        style_id = style.get(W + "val", "") if style is not None else ""
        for _ in range(20):  # follow basedOn, without looping on a cycle
            if style_id in self.style_num:
                num_id, level = self.style_num[style_id]
                own = num_pr.find(W + "ilvl") if num_pr is not None else None
                return num_id, _int(own, level)
            if style_id not in self.based_on:
                break
            style_id = self.based_on[style_id]
        return None

    def label(self, p: ET.Element) -> str:
        """The number shown before paragraph `p` ("" if none); advances the list's counters."""
        found = self._num_of(p)
        if found is None or found[0] in ("", "0"):
            return ""
        num_id, level = found
        abstract_id = self.nums.get(num_id)
        levels = self.abstract.get(abstract_id or "")
        if not levels or level not in levels or not 0 <= level < _LEVELS:
            return ""
        counters = self.counters.setdefault(abstract_id or "", [None] * _LEVELS)
        override = self.overrides.get(num_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for overridden, start in override.items():
                if 0 <= overridden < _LEVELS:
                    counters[overridden] = start - 1
        current = counters[level]
        counters[level] = levels[level].start if current is None else current + 1
        for deeper in range(level + 1, _LEVELS):
            counters[deeper] = None
        if levels[level].fmt in ("bullet", "none"):
            return ""
        text = levels[level].text
        for k in range(level + 1):
            lvl = levels.get(k)
            value = counters[k]
            value = (lvl.start if lvl else 1) if value is None else value
            text = text.replace(f"%{k + 1}", _format(value, lvl.fmt if lvl else "decimal"))
        return text.strip()


def _int_str(elem: ET.Element | None) -> str:
    return elem.get(W + "val", "") if elem is not None else ""
