"""Text from images (OCR) with Tesseract, for scans: PDF pages without a text layer and image
files. Tesseract is a system program (Debian: `apt-get install tesseract-ocr tesseract-ocr-nor`),
driven through pytesseract; without it, a scan is reported with the install command.

Languages: the case's language when the brief (or --language) names one, plus English; else every
language pack installed. Words are grouped into paragraphs as Tesseract lays them out; each page
gets the mean word confidence, reported with the document.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

INSTALL = (
    "install Tesseract OCR (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-nor, "
    "one tesseract-ocr-<language> package per case language; macOS: brew install tesseract)"
)
# ISO 639-1 -> Tesseract's language pack, where ISO 639-3 is not the pack's name.
_PACKS = {"no": "nor", "nb": "nor", "nn": "nor"}
MIN_CONFIDENCE = 0
"""Words Tesseract gives a confidence below this (-1: not a word) are left out."""


class OcrUnavailable(Exception):
    """Tesseract is not installed (or has no language pack); `str(exc)` says how to install it."""


@dataclass
class OcrPage:
    paragraphs: list[str]
    confidence: float
    """Mean word confidence, 0-100."""


def available() -> bool:
    """True when the `tesseract` program is on PATH."""
    return shutil.which("tesseract") is not None


@functools.cache
def installed_languages() -> tuple[str, ...]:
    """Tesseract's installed language packs ("eng", "nor"), without the script/orientation ones."""
    if not available():
        return ()
    result = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False, timeout=30
    )
    lines = result.stdout.splitlines()[1:]
    return tuple(sorted(x.strip() for x in lines if x.strip() and x.strip() not in ("osd", "equ")))


def pack_for(language: str) -> str | None:
    """The Tesseract pack for an ISO 639-1 code ("nb" -> "nor", "de" -> "deu"), or None."""
    import pycountry

    code = language.strip().lower()
    if code in _PACKS:
        return _PACKS[code]
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    return str(found.alpha_3) if found is not None else None


def languages(wanted: tuple[str, ...] | None) -> str:
    """The `-l` argument ("eng+nor"): the wanted packs that are installed, English included;
    every installed pack when `wanted` is None. Raises OcrUnavailable without Tesseract."""
    installed = installed_languages()
    if not installed:
        raise OcrUnavailable(f"the text is an image and needs OCR: {INSTALL}")
    if wanted is None:
        return "+".join(installed)
    chosen = [p for p in dict.fromkeys([*wanted, "eng"]) if p in installed]
    return "+".join(chosen or installed)


def recognise(image: Image, wanted: tuple[str, ...] | None) -> OcrPage:
    """Paragraphs of the text in `image` (a page), in reading order, and their confidence."""
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang=languages(wanted), output_type=pytesseract.Output.DICT
    )
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    confidences: list[float] = []
    for i, word in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if not word.strip() or confidence < MIN_CONFIDENCE:
            continue
        confidences.append(confidence)
        key = (data["block_num"][i], data["par_num"][i])
        paragraphs.setdefault(key, {}).setdefault(data["line_num"][i], []).append(word)
    texts = [
        "\n".join(" ".join(words) for words in lines.values()) for lines in paragraphs.values()
    ]
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage(paragraphs=[t for t in texts if t.strip()], confidence=mean)
