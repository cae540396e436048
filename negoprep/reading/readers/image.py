"""Images (PNG, JPEG, TIFF, BMP): a photographed or scanned page, read by OCR (`ocr`).

Every frame of a multi-page TIFF is a page. The blocks are marked as OCR text; the mean
recognition confidence is kept in the metadata, and a page with little confidence is a warning.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from negoprep.reading import ocr
from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)

if TYPE_CHECKING:
    from PIL.Image import Image

LOW_CONFIDENCE = 60.0
"""A page recognised with less mean confidence than this is reported (its text may be wrong)."""
MAX_PIXELS = 100_000_000
"""Larger images are refused (a decompression bomb)."""


def ocr_pages(
    images: list[tuple[int | None, Image]], options: ReadOptions, doc: RawDocument
) -> list[int | None]:
    """OCR each (page number, PIL image) into `doc.blocks`; returns the pages with no text.

    Records the confidence in `doc.metadata['ocr']` and warns about pages with low confidence.
    """
    empty: list[int | None] = []
    confidences: list[float] = []
    for number, image in images:
        page = ocr.recognise(image, options.ocr_languages)
        if not page.paragraphs:
            empty.append(number)
            continue
        confidences.append(page.confidence)
        doc.blocks.extend(Block(text=t, page=number, ocr=True) for t in page.paragraphs)
        if page.confidence < LOW_CONFIDENCE:
            where = f"page {number}" if number is not None else "the image"
            doc.warnings.append(
                f"{where} was read by OCR with low confidence ({page.confidence:.0f}%); "
                "its text may be wrong"
            )
    if confidences:
        mean = sum(confidences) / len(confidences)
        doc.metadata["ocr"] = (
            f"Tesseract ({ocr.languages(options.ocr_languages)}), mean confidence {mean:.0f}%"
        )
    return empty


def read_image(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    """Read an image file's text by OCR; raises `UnreadableFile` (no Tesseract, no text)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        ocr.languages(options.ocr_languages)
    except ocr.OcrUnavailable as exc:
        raise UnreadableFile(str(exc)) from exc
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    except UnidentifiedImageError as exc:
        raise UnreadableFile("corrupt or damaged image: its data cannot be decoded") from exc
    except (OSError, Image.DecompressionBombError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UnreadableFile(f"corrupt or damaged image: {reason[:160]}") from exc
    doc = RawDocument(name=name, format="image")
    paged = len(frames) > 1
    numbered = [(i if paged else None, frame) for i, frame in enumerate(frames, start=1)]
    empty = ocr_pages(numbered, options, doc)
    if not doc.blocks:
        raise UnreadableFile("no text recognised in the image (OCR)")
    doc.warnings.extend(f"page {n}: no text recognised (OCR)" for n in empty if n is not None)
    if paged:
        doc.metadata["pages"] = str(len(frames))
    return doc


READER = FormatReader(
    format="image",
    name="image",
    label="an image (read by OCR)",
    suffixes=frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}),
    media_types=frozenset({"image/png", "image/jpeg", "image/tiff", "image/bmp"}),
    read_function=read_image,
)
