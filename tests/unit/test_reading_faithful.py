"""What a person sees when opening the file is what reaches the agents (issue 11): each test
builds a file of a kind other tools garble and expects the text a viewer shows."""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from readers_fixtures import (
    INVITATION,
    add_form_and_comments,
    image_bytes,
    make_mail,
    make_msg,
    make_page_image,
    make_pdf,
    make_rich_docx,
    make_scanned_pdf,
    make_tnef,
    make_two_column_pdf,
)

from negoprep.agents.schemas import Citation
from negoprep.reading import ocr
from negoprep.reading.grounding import check_all
from negoprep.reading.ingest import load_case
from negoprep.reading.readers import RawDocument, read_bytes

# CI installs Tesseract (.ci/run): there a missing Tesseract fails these tests instead.
needs_tesseract = pytest.mark.skipif(
    not ocr.available() and not os.environ.get("CI"), reason="Tesseract is not installed"
)


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


def test_pdf_ligatures_and_compound_words_at_line_ends() -> None:
    from negoprep.reading.readers.pdf_layout import dehyphenate

    assert dehyphenate("The ﬁnal oﬀer from Jean-\nPierre is con\u00adﬁrmed.") == (
        "The final offer from Jean-Pierre\nis confirmed."
    )


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


def test_pdf_two_columns_are_read_column_by_column() -> None:
    left = [
        "The Buyer shall pay the price within",
        "thirty days of receiving a correct",
        "invoice, without any deduction.",
    ]
    right = [
        "The Supplier shall deliver unit 1 to",
        "the site no later than 30 September",
        "2025, duly tested and documented.",
    ]
    doc = read_bytes(make_two_column_pdf(left, right), "terms.pdf")
    assert [b.text for b in doc.blocks] == ["\n".join(left), "\n".join(right)]


def test_pdf_label_value_table_stays_in_rows() -> None:
    labels, values = ["Price:", "Delivery:", "Payment:"], ["EUR 2,380,000", "DAP site", "30 days"]
    doc = read_bytes(make_two_column_pdf(labels, values, x_right=60), "table.pdf")
    assert "\n".join(b.text for b in doc.blocks) == (
        "Price: EUR 2,380,000\nDelivery: DAP site\nPayment: 30 days"
    )


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


@needs_tesseract
def test_an_ocr_failure_keeps_the_pages_with_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(image: object, languages: object) -> ocr.OcrPage:
        raise RuntimeError("tesseract crashed")

    monkeypatch.setattr(ocr, "recognise", broken)
    doc = read_bytes(make_pdf([["Page one has text."], []]), "mixed.pdf")
    assert [b.text for b in doc.blocks] == ["Page one has text."]
    assert doc.warnings[0] == "page(s) 2 could not be read by OCR: tesseract crashed"


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


# --- mail charsets: the declaration is a hint ------------------------------------------------


def mail_with_body(body: bytes, charset: str) -> bytes:
    return (
        b"From: Velmora <claims@velmora.example>\r\nTo: Norvane <buyer@norvane.example>\r\n"
        b"Subject: Claim\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )


def test_mail_declared_latin1_but_written_in_windows_1252() -> None:
    body = "The claim is € 48,000 – we can’t wait.".encode("cp1252")
    doc = read_bytes(mail_with_body(body, "iso-8859-1"), "claim.eml")
    assert doc.blocks[1].text == "The claim is € 48,000 – we can’t wait."
    assert doc.warnings == []


def test_mail_declared_one_charset_but_written_in_utf8() -> None:
    body = "Beløpet er 48 000 kroner.".encode()
    doc = read_bytes(mail_with_body(body, "iso-8859-1"), "krav.eml")
    assert doc.blocks[1].text == "Beløpet er 48 000 kroner."
    assert doc.warnings == ["the mail text declares charset iso-8859-1 but is UTF-8; read as UTF-8"]


def test_html_page_declared_latin1_but_written_in_utf8() -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Beløpet: 48 000 kr</p></body></html>'
    doc = read_bytes(page.encode(), "side.html")
    assert shown(doc) == [("paragraph", "Beløpet: 48 000 kr")]
    assert doc.warnings == ["the page declares charset iso-8859-1 but is UTF-8; read as UTF-8"]


def test_mojibake_in_the_text_itself_is_repaired_and_reported(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "notat.txt").write_text("BelÃ¸pet er 48 000 kroner.\n\nResten er riktig.")
    loaded = load_case(case)
    assert [p.text for p in loaded.passages] == ["Beløpet er 48 000 kroner.", "Resten er riktig."]
    (doc,) = loaded.documents
    assert doc.status == "read with warnings"
    assert "garbled characters" in doc.problems[0] and "repaired in 1 paragraph" in doc.problems[0]


# --- Word content beyond plain paragraphs -----------------------------------------------------


def test_word_content_is_read_in_document_order() -> None:
    doc = read_bytes(make_rich_docx(), "rich.docx")
    assert shown(doc) == [
        ("paragraph", "Buyer: Norvane Grid AS"),
        ("paragraph", "See the tender portal."),
        ("paragraph", "Price date: 1 March 2024, steel indexed."),
        ("footnote", "Footnote 1: Index published by LME on 1 March."),
        ("paragraph", "Anchor paragraph."),
        ("paragraph", "Text box: deadline 30 June"),
        ("paragraph", "Penalty: P = 0.5% × d"),
        ("paragraph", "Imported offer: 500 valves at 12.40 EUR."),
        ("paragraph", "FINAL OFFER"),
        ("paragraph", "Closing paragraph."),
    ]
    (embedded,) = doc.attachments
    assert (embedded.name, shown(embedded)) == (
        "schedule.docx",
        [("paragraph", "Embedded schedule: steel surcharge EUR 12,000.")],
    )
    # a chart has no text to read: the file is marked, naming it
    assert doc.warnings == ["a chart 'Steel index' is not read (its figures are not text)"]


# --- Outlook and calendars -------------------------------------------------------------------


def test_outlook_msg_with_attachments_and_invitation() -> None:
    data = make_msg(
        [
            ("costs.txt", b"Steel surcharge: EUR 12,000\n", "text/plain"),
            ("invite.ics", INVITATION.encode(), "text/calendar"),
        ]
    )
    doc = read_bytes(data, "variation.msg")
    assert doc.format == "msg"
    assert shown(doc) == [
        (
            "header",
            "From: Alice Martin | To: Bob Stone <bob@beta.example> | "
            "Date: Fri, 01 Mar 2024 09:15:00 +0000 | Subject: Variation order – unit 1",
        ),
        ("paragraph", "Dear Bob,"),
        ("paragraph", "the amount is € 48,000."),
        ("paragraph", "Regards,\nAlice"),
    ]
    costs, invite = doc.attachments
    assert shown(costs) == [("paragraph", "Steel surcharge: EUR 12,000")]
    assert shown(invite) == [
        (
            "event",
            "Event: Cost claim meeting | When: 2024-03-12 09:00-10:30 UTC | Where: Oslo office | "
            "Organizer: Alice Martin <alice@acme.example> | Attendees: Bob Stone <bob@beta.example>",
        ),
        ("paragraph", "Agenda:\n1. Steel surcharge"),
        ("paragraph", "Bring the cost records."),
    ]


def test_winmail_dat_attached_to_a_mail_is_unwrapped() -> None:
    tnef = make_tnef(
        "Revised claim",
        "We now claim EUR 1,190,000 – half the original.\n\nRegards",
        [("costs.txt", b"Steel: EUR 600,000")],
    )
    mail = make_mail([("winmail.dat", tnef, "application/ms-tnef")], "See the attachment.")
    doc = read_bytes(mail, "claim.eml")
    (winmail,) = doc.attachments
    assert (winmail.name, winmail.format) == ("winmail.dat", "tnef")
    assert shown(winmail) == [
        ("header", "Subject: Revised claim"),
        ("paragraph", "We now claim EUR 1,190,000 – half the original."),
        ("paragraph", "Regards"),
    ]
    assert shown(winmail.attachments[0]) == [("paragraph", "Steel: EUR 600,000")]


def test_inline_calendar_invitation_in_a_mail() -> None:
    message = EmailMessage()
    message["From"] = "Alice Martin <alice@acme.example>"
    message["Subject"] = "Invitation: Cost claim meeting"
    message.set_content("You are invited.")
    message.add_alternative(INVITATION, subtype="calendar", params={"method": "REQUEST"})
    doc = read_bytes(message.as_bytes(), "invitation.eml")
    (invite,) = doc.attachments
    assert invite.format == "ics"
    assert invite.blocks[0].text.startswith("Event: Cost claim meeting | When: 2024-03-12 09:00")


def test_new_formats_are_registered_once() -> None:
    from negoprep.reading.readers import READERS, SUPPORTED_SUFFIXES

    assert {".msg", ".ics", ".png", ".jpg", ".tif", ".dat"} <= SUPPORTED_SUFFIXES
    formats = [r.format for r in READERS]
    assert len(formats) == len(set(formats))
    suffixes = [s for r in READERS for s in r.suffixes]
    assert len(suffixes) == len(set(suffixes))
