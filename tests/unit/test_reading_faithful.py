"""What a person sees when opening the file is what reaches the agents (issue 11): each test
builds a file of a kind other tools garble and expects the text a viewer shows."""

from __future__ import annotations

import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from readers_fixtures import (
    add_form_and_comments,
    image_bytes,
    make_page_image,
    make_pdf,
    make_scanned_pdf,
)

from negoprep.agents.schemas import Citation
from negoprep.reading import ocr
from negoprep.reading.grounding import check_all
from negoprep.reading.ingest import load_case
from negoprep.reading.readers import RawDocument, read_bytes

needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")


def shown(doc: RawDocument) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in doc.blocks]


# --- PDF: what a viewer shows besides the page's text ----------------------------------------


def test_pdf_form_values_comments_and_free_text_are_read() -> None:
    pdf = add_form_and_comments(make_pdf([["Variation order VO-7", "Amount (EUR):", "Approved:"]]))
    doc = read_bytes(pdf, "vo-7.pdf")
    assert shown(doc) == [
        ("paragraph", "Variation order VO-7\nAmount (EUR):"),
        ("paragraph", "Approved:"),
        ("form", "Amount (EUR): 48,000.00"),
        ("form", "Approved: [x]"),
        ("annotation", "Comment by Bob Stone: Check the steel index first."),
        ("annotation", "Agreed by phone 3 March"),
    ]
    assert doc.warnings == []
    assert all(b.page == 1 for b in doc.blocks)


def test_pdf_line_end_hyphenation_reads_as_the_page_and_quotes_verify(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    lines = ["The Supplier shall deliver unit 1 no later than 30 Sep-", "tember 2025 to the site."]
    (case / "contract.pdf").write_bytes(make_pdf([lines]))
    loaded = load_case(case)
    (passage,) = loaded.passages
    assert passage.text == (
        "The Supplier shall deliver unit 1 no later than 30 September\n2025 to the site."
    )
    checks = check_all(
        [Citation(passage_id=passage.id, quote="no later than 30 September 2025")],
        loaded.passage_map(),
    )
    assert checks[0].status == "verified"


def test_pdf_running_headers_page_numbers_and_page_breaks() -> None:
    pdf = make_pdf(
        [
            [
                "Supply Agreement - draft 3",
                "The Buyer pays the price within thirty days of",
                "Page 1 of 2",
            ],
            ["Supply Agreement - draft 3", "receiving the invoice.", "Page 2 of 2"],
        ]
    )
    doc = read_bytes(pdf, "agreement.pdf")
    assert [(b.page, b.kind, b.text) for b in doc.blocks] == [
        (1, "header", "Supply Agreement - draft 3"),
        (1, "paragraph", "The Buyer pays the price within thirty days of\nreceiving the invoice."),
    ]


# --- scans: OCR --------------------------------------------------------------------------------


@needs_tesseract
def test_scanned_pdf_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    scan = make_scanned_pdf([["Contract signed 12 March 2024.", "The price is EUR 2,380,000."]])
    (case / "signed.pdf").write_bytes(scan)
    loaded = load_case(case)
    (doc,) = loaded.documents
    assert doc.status == "read"
    assert doc.metadata["read by OCR"] == "page 1"
    assert [(p.id, p.text, p.ocr) for p in loaded.passages] == [
        ("D1.p1.P1", "Contract signed 12 March 2024.\nThe price is EUR 2,380,000.", True)
    ]
    check = check_all(
        [Citation(passage_id="D1.p1.P1", quote="The price is EUR 2.380.000")],
        loaded.passage_map(),
    )[0]
    assert check.status == "verified approximately (OCR)"


@needs_tesseract
@pytest.mark.parametrize(
    "fmt,name", [("PNG", "letter.png"), ("JPEG", "letter.jpg"), ("TIFF", "letter.tif")]
)
def test_image_files_are_read_by_ocr(fmt: str, name: str) -> None:
    image = make_page_image(["We cannot release unit 1 before", "the cost issue is settled."])
    doc = read_bytes(image_bytes(image, fmt), name)
    assert doc.format == "image"
    assert [(b.text, b.ocr) for b in doc.blocks] == [
        ("We cannot release unit 1 before\nthe cost issue is settled.", True)
    ]
    assert doc.metadata["ocr"].startswith("Tesseract (eng")


def test_without_tesseract_scans_name_the_reason_and_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    monkeypatch.setattr(ocr, "installed_languages", lambda: ())
    case = tmp_path / "case"
    case.mkdir()
    (case / "a-note.txt").write_text("A note.")
    (case / "photo.png").write_bytes(image_bytes(make_page_image(["Signed."])))
    (case / "mixed.pdf").write_bytes(make_pdf([["Page one has text."], []]))
    loaded = load_case(case)
    status = {d.path: (d.status, d.problems) for d in loaded.documents}
    assert status["photo.png"][0] == "unreadable"
    assert "needs OCR: install Tesseract" in status["photo.png"][1][0]
    assert status["mixed.pdf"][0] == "read with warnings"
    assert status["mixed.pdf"][1][0].startswith("page 2 has no text layer (scanned?); to read it")
    assert any(w.startswith("mixed.pdf: page 2 has no text layer") for w in loaded.warnings)


_ = sys, EmailMessage
