"""Document readers: every format, every way a file can be unreadable, content asserted."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from readers_fixtures import encrypt_pdf, make_docx, make_mail, make_numbered_docx, make_pdf

from negoprep.reading.readers import (
    SUPPORTED_SUFFIXES,
    Block,
    RawDocument,
    UnreadableFile,
    read_file,
)
from negoprep.reading.readers.pdf import split_page
from negoprep.reading.readers.text import MAX_BLOCK_CHARS

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def texts(doc: RawDocument, kind: str | None = None) -> list[str]:
    return [b.text for b in doc.blocks if kind is None or b.kind == kind]


def unreadable(tmp_path: Path, name: str, data: bytes) -> str:
    with pytest.raises(UnreadableFile) as info:
        read_file(write(tmp_path, name, data))
    return str(info.value)


# --- plain text -----------------------------------------------------------------------------

FRENCH = "Le prix proposé est de 12 500 €.\nÀ régler sous 30 jours.\n\nTrès cordialement,\nHélène"


def test_utf8_text(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "note.txt", FRENCH.encode("utf-8")))
    assert doc.format == "txt"
    assert doc.name == "note.txt"
    assert doc.metadata["encoding"] == "utf-8"
    assert doc.warnings == []
    assert texts(doc) == [
        "Le prix proposé est de 12 500 €.\nÀ régler sous 30 jours.",
        "Très cordialement,\nHélène",
    ]
    assert all(b.kind == "paragraph" and b.page is None for b in doc.blocks)


def test_utf8_bom_text(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "note.txt", FRENCH.encode("utf-8-sig")))
    assert doc.metadata["encoding"] == "utf-8-sig"
    assert doc.warnings == []
    assert doc.blocks[0].text.startswith("Le prix proposé")


def test_utf16_bom_text(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "note.txt", FRENCH.encode("utf-16")))
    assert doc.metadata["encoding"] == "utf-16"
    assert texts(doc)[1] == "Très cordialement,\nHélène"
    assert any("UTF-16" in w for w in doc.warnings)


def test_latin1_text(tmp_path: Path) -> None:
    text = "Sehr geehrte Frau Müller,\n\ndie Lieferung über 300 Stück erfolgt später. Grüße"
    doc = read_file(write(tmp_path, "brief.txt", text.encode("latin-1")))
    assert doc.metadata["encoding"] == "iso-8859-1"
    assert texts(doc) == [
        "Sehr geehrte Frau Müller,",
        "die Lieferung über 300 Stück erfolgt später. Grüße",
    ]
    assert doc.warnings == ["the text is not UTF-8; read as iso-8859-1"]


def test_cp1252_text(tmp_path: Path) -> None:
    text = "El señor Núñez aceptó la oferta “final” – 12 500 € sin cambios."
    doc = read_file(write(tmp_path, "nota.txt", text.encode("cp1252")))
    assert doc.metadata["encoding"] == "cp1252"
    assert texts(doc) == [text]
    assert doc.warnings == ["the text is not UTF-8; read as cp1252"]


def test_short_french_cp1252_is_not_misread_as_central_european(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "n.txt", "à régler, très bien, Hélène".encode("cp1252")))
    assert texts(doc) == ["à régler, très bien, Hélène"]


def test_cyrillic_single_byte_text(tmp_path: Path) -> None:
    text = "Здравствуйте, цена поставки составляет 300 000 рублей за партию."
    doc = read_file(write(tmp_path, "ru.txt", text.encode("cp1251")))
    assert texts(doc) == [text]
    assert doc.metadata["encoding"] == "cp1251"


def test_utf8_with_a_cut_character(tmp_path: Path) -> None:
    data = "Prix proposé : 12 500 €, à régler à réception.".encode() + "é".encode()[:1]
    doc = read_file(write(tmp_path, "cut.txt", data))
    assert doc.metadata["encoding"] == "utf-8"
    assert texts(doc) == ["Prix proposé : 12 500 €, à régler à réception.\ufffd"]
    assert doc.warnings == ["1 invalid UTF-8 byte sequence(s) replaced by U+FFFD"]


def test_crlf_line_ends(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "w.txt", b"First line\r\nsecond line\r\n\r\nNext para\r\n"))
    assert texts(doc) == ["First line\nsecond line", "Next para"]


def test_nul_bytes_in_text_are_removed_with_warning(tmp_path: Path) -> None:
    data = b"Offer: 500 valves\x00\x00 at 12.40 EUR each.\n\nDelivery in May.\x00\n"
    doc = read_file(write(tmp_path, "nul.txt", data))
    assert texts(doc) == ["Offer: 500 valves at 12.40 EUR each.", "Delivery in May."]
    assert doc.warnings == ["removed 3 NUL bytes"]


def test_binary_file_named_txt(tmp_path: Path) -> None:
    junk = random.Random(1).randbytes(4096)
    assert unreadable(tmp_path, "notes.txt", junk) == "binary content, not text"


def test_broken_image_named_txt(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    assert unreadable(tmp_path, "notes.txt", png) == (
        "named .txt but is a PNG image: corrupt or damaged image: its data cannot be decoded"
    )


def test_gif_named_txt(tmp_path: Path) -> None:
    gif = b"GIF89a" + bytes(200)
    assert unreadable(tmp_path, "notes.txt", gif) == "binary content, not text (a GIF image)"


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  \n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    assert unreadable(tmp_path, "empty.txt", data) == "the file is empty"


def test_markdown_headings(tmp_path: Path) -> None:
    md = (
        "# Negotiation plan\n"
        "Our goal is a price below 12 EUR.\n\n"
        "## Concessions ##\n"
        "- delivery DAP\n"
        "- payment 45 days\n\n"
        "Risks\n=====\n\n"
        "```\n# not a heading\n\nstill code\n```\n"
    )
    doc = read_file(write(tmp_path, "plan.md", md.encode()))
    assert doc.format == "md"
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "Negotiation plan"),
        ("paragraph", "Our goal is a price below 12 EUR."),
        ("heading", "Concessions"),
        ("paragraph", "- delivery DAP\n- payment 45 days"),
        ("heading", "Risks"),
        ("paragraph", "```\n# not a heading\n\nstill code\n```"),
    ]


def test_text_blocks_are_verbatim_slices(tmp_path: Path) -> None:
    text = "  Indented first line\nsecond   line  with  spaces\n\n\n\tTabbed para\n"
    doc = read_file(write(tmp_path, "v.txt", text.encode()))
    assert texts(doc) == ["Indented first line\nsecond   line  with  spaces", "Tabbed para"]
    assert all(b.text in text for b in doc.blocks)


def test_large_log_file(tmp_path: Path) -> None:
    line = "2024-03-01T10:15:00 INFO order 4711 confirmed by buyer, quantity 500, price 12.40 EUR\n"
    data = (line * (5 * 1024 * 1024 // len(line) + 1)).encode()
    assert len(data) > 5 * 1024 * 1024
    doc = read_file(write(tmp_path, "server.log", data))
    assert doc.format == "txt"
    assert 1000 < len(doc.blocks) < 2000
    assert all(len(b.text) <= MAX_BLOCK_CHARS for b in doc.blocks)
    assert sum(len(b.text) + 1 for b in doc.blocks) == len(data)
    assert doc.blocks[0].text.startswith("2024-03-01T10:15:00 INFO order 4711")


def test_csv_is_read_as_text(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "prices.csv", b"item,price\nValve X2,12.40\n"))
    assert texts(doc) == ["item,price\nValve X2,12.40"]


# --- content sniffing -----------------------------------------------------------------------


def test_binary_junk_named_pdf(tmp_path: Path) -> None:
    junk = bytes([0, 1, 2, 3, 250, 251, 252, 253]) * 100
    message = unreadable(tmp_path, "offer.pdf", junk)
    assert message.startswith("named .pdf but is not a PDF: it looks like binary data")
    assert "starts with bytes 00 01 02 03 FA FB FC FD" in message


def test_zip_named_pdf(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    message = unreadable(tmp_path, "offer.pdf", buffer.getvalue())
    assert message.startswith("named .pdf but is not a PDF: it looks like a ZIP archive")
    assert "50 4B 03 04" in message


def test_html_error_page_named_pdf(tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>"
    message = unreadable(tmp_path, "offer.pdf", page)
    assert message.startswith("named .pdf but is not a PDF: it looks like an HTML page")


def test_pdf_named_txt_is_read_as_pdf(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "offer.txt", make_pdf([["Price: 12.40 EUR per valve."]])))
    assert doc.format == "pdf"
    assert doc.warnings == ["named .txt but is a PDF; read as a PDF"]
    assert texts(doc) == ["Price: 12.40 EUR per valve."]


def test_broken_pdf_named_txt_names_both(tmp_path: Path) -> None:
    message = unreadable(tmp_path, "offer.txt", b"%PDF-1.4\n1 0 obj <<")
    assert message.startswith("named .txt but is a PDF: corrupt or damaged PDF: ")


def test_text_mentioning_pdf_header_is_text(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "n.txt", b"Files start with %PDF-1.7 as a rule."))
    assert texts(doc) == ["Files start with %PDF-1.7 as a rule."]


def test_utf16_without_bom(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "w.txt", "Prix: 12,40 €\r\n\r\nMerci".encode("utf-16-le")))
    assert texts(doc) == ["Prix: 12,40 €", "Merci"]
    assert doc.metadata["encoding"] == "utf-16-le"


def test_unknown_suffix_text_is_read(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "NOTES", b"Call Bob on Monday."))
    assert doc.format == "txt"
    assert texts(doc) == ["Call Bob on Monday."]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="cannot open the file"):
        read_file(tmp_path / "missing.txt")
    with pytest.raises(UnreadableFile, match="cannot open the file"):
        read_file(tmp_path)


def test_unexpected_reader_error_becomes_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import negoprep.reading.readers.pdf

    def boom(data: bytes, name: str, options: object) -> RawDocument:
        raise RuntimeError("boom\nat line 3")

    monkeypatch.setattr(negoprep.reading.readers.pdf, "read_pdf", boom)
    message = unreadable(tmp_path, "a.pdf", make_pdf([["text"]]))
    assert message == "could not read PDF: RuntimeError: boom at line 3"


def test_supported_suffixes() -> None:
    expected = {".txt", ".md", ".markdown", ".eml", ".pdf", ".docx", ".html", ".htm", ".log"}
    assert expected <= SUPPORTED_SUFFIXES
    assert all(s.startswith(".") and s == s.lower() for s in SUPPORTED_SUFFIXES)


def test_import_is_light() -> None:
    code = (
        "import sys, negoprep.reading.readers\n"
        "heavy = {'pypdf', 'docx', 'bs4', 'charset_normalizer', 'lxml'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_two_pages(tmp_path: Path) -> None:
    pdf = make_pdf(
        [
            ["Offer of 1 March 2024", "The price is 12.40 EUR per valve.", "1. Delivery DAP"],
            ["Payment within 45 days of the invoice date."],
        ]
    )
    doc = read_file(write(tmp_path, "offer.pdf", pdf))
    assert doc.format == "pdf"
    assert doc.metadata["pages"] == "2"
    assert doc.warnings == []
    assert [(b.page, b.text) for b in doc.blocks] == [
        (1, "Offer of 1 March 2024"),
        (1, "The price is 12.40 EUR per valve."),
        (1, "1. Delivery DAP"),
        (2, "Payment within 45 days of the invoice date."),
    ]


def test_pdf_blank_page_warns(tmp_path: Path) -> None:
    pdf = make_pdf([["First page."], [], ["Third page."]])
    doc = read_file(write(tmp_path, "scan.pdf", pdf))
    assert doc.warnings == ["page 2 has no text layer (scanned?); none recognised by OCR"]
    assert [(b.page, b.text) for b in doc.blocks] == [(1, "First page."), (3, "Third page.")]


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    message = unreadable(tmp_path, "scan.pdf", make_pdf([[], []]))
    assert message == "no text: the pages have no text layer and OCR recognised none"


def test_pdf_without_text_layer_and_without_tesseract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import negoprep.reading.ocr

    monkeypatch.setattr(negoprep.reading.ocr, "available", lambda: False)
    message = unreadable(tmp_path, "scan.pdf", make_pdf([[], []]))
    assert message.startswith("no text layer: the PDF looks scanned; to read it, install Tesseract")
    assert "apt-get install tesseract-ocr" in message


def test_encrypted_pdf(tmp_path: Path) -> None:
    pdf = encrypt_pdf(make_pdf([["Secret terms."]]), user_password="secret")
    message = unreadable(tmp_path, "locked.pdf", pdf)
    assert message == "encrypted PDF; remove the password and try again"


def test_encrypted_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    pdf = encrypt_pdf(make_pdf([["Owner-protected terms."]]), user_password="")
    doc = read_file(write(tmp_path, "protected.pdf", pdf))
    assert texts(doc) == ["Owner-protected terms."]


def test_truncated_pdf(tmp_path: Path) -> None:
    pdf = make_pdf([["Some text on page one."], ["And on page two."]])
    message = unreadable(tmp_path, "cut.pdf", pdf[: len(pdf) // 2])
    assert message.startswith("corrupt or damaged PDF: ")
    assert message.endswith("(the file looks truncated)")


def test_split_page_paragraphs() -> None:
    page = (
        "ARTICLE 5 PRICE\n"
        "The price for the goods is EUR 12.40 per unit, fixed for the whole term of this\n"
        "Agreement and for any renewal of it.\n"
        "Any change requires the written consent of both parties, given in the form of\n"
        "an amendment.\n"
        "• first bullet\n"
        "(a) lettered item"
    )
    assert split_page(page) == [
        "ARTICLE 5 PRICE",
        "The price for the goods is EUR 12.40 per unit, fixed for the whole term of this\n"
        "Agreement and for any renewal of it.",
        "Any change requires the written consent of both parties, given in the form of\n"
        "an amendment.",
        "• first bullet",
        "(a) lettered item",
    ]
    assert split_page("First para line\nstill first.\n\n\nSecond para.") == [
        "First para line\nstill first.",
        "Second para.",
    ]


# --- DOCX -----------------------------------------------------------------------------------


def test_docx_full(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "contract.docx", make_docx()))
    assert doc.format == "docx"
    assert doc.warnings == []
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("header", "CONFIDENTIAL - Supply Agreement draft 3"),
        ("heading", "Article 4 - Payment"),
        ("paragraph", "Payment is due net 45 days after delivery."),
        ("insertion", "Inserted by Alice Martin: net 45 days"),
        ("deletion", "Deleted by Alice Martin: 30 days"),
        ("comment", "Comment by Bob Stone: Ask for 60 days."),
        ("paragraph", "Prices are fixed until 31 December 2025."),
        ("table", "Item | Quantity | Price"),
        ("table", "Valve X2 | 500 | 12.40 EUR"),
        ("paragraph", "Delivery is made DAP Hamburg."),
        ("footer", "ACME Corp / Beta GmbH"),
    ]
    body = " ".join(texts(doc, "paragraph"))
    assert "30 days" not in body


def test_docx_list_and_clause_numbers(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "clauses.docx", make_numbered_docx()))
    assert texts(doc) == [
        "1. Definitions",
        "1.1 Goods means the valves.",
        "2. Price",
        "2.1 The price is fixed.",
        "(a) in EUR",
        "(b) net of VAT",
        "2.2 It is paid in 45 days.",
        "5. Term",
        "1. Annex",
        "a bullet point",
        "2. Schedule",
    ]


def test_docx_headers_deduplicated_across_sections(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Draft - do not sign"
    document.add_paragraph("Section one.")
    second = document.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Draft - do not sign"
    document.add_paragraph("Section two.")
    buffer = io.BytesIO()
    document.save(buffer)
    doc = read_file(write(tmp_path, "two.docx", buffer.getvalue()))
    assert texts(doc, "header") == ["Draft - do not sign"]
    assert texts(doc, "paragraph") == ["Section one.", "Section two."]


def test_docx_truncated(tmp_path: Path) -> None:
    data = make_docx()
    message = unreadable(tmp_path, "broken.docx", data[: len(data) // 2])
    assert message.startswith("corrupt or damaged Word document")


def test_zip_named_docx(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    message = unreadable(tmp_path, "prices.docx", buffer.getvalue())
    assert message.startswith(
        "named .docx but is not a Word document (.docx): it looks like an Excel"
    )


def test_old_doc_named_docx(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    message = unreadable(tmp_path, "old.docx", ole)
    assert "an old Microsoft Office file (.doc, .xls or .msg)" in message


# --- e-mail ---------------------------------------------------------------------------------

MAIL_BODY = "Dear Bob,\n\nplease find our revised offer attached.\n\nBest regards,\nAlice\n"


def test_eml_with_pdf_and_docx_attachments(tmp_path: Path) -> None:
    pdf = make_pdf([["Offer: 12.40 EUR per valve."], ["Valid until 31 March."]])
    mail = make_mail(
        [("offer.pdf", pdf, "application/pdf"), ("draft.docx", make_docx(), DOCX_MIME)], MAIL_BODY
    )
    doc = read_file(write(tmp_path, "offer.eml", mail))
    assert doc.format == "eml"
    assert doc.warnings == []
    assert doc.metadata == {
        "From": "Alice Martin <alice@acme.example>",
        "To": "Bob Stone <bob@beta.example>",
        "Cc": "Carol <carol@acme.example>",
        "Date": "Fri, 01 Mar 2024 10:15:00 +0100",
        "Subject": "Revised offer – valves",
    }
    assert doc.blocks[0] == Block(
        text="From: Alice Martin <alice@acme.example> | To: Bob Stone <bob@beta.example> | "
        "Cc: Carol <carol@acme.example> | Date: Fri, 01 Mar 2024 10:15:00 +0100 | "
        "Subject: Revised offer – valves",
        kind="header",
    )
    assert texts(doc)[1:] == [
        "Dear Bob,",
        "please find our revised offer attached.",
        "Best regards,\nAlice",
    ]
    assert [(a.name, a.format) for a in doc.attachments] == [
        ("offer.pdf", "pdf"),
        ("draft.docx", "docx"),
    ]
    assert [(b.page, b.text) for b in doc.attachments[0].blocks] == [
        (1, "Offer: 12.40 EUR per valve."),
        (2, "Valid until 31 March."),
    ]
    assert "Deleted by Alice Martin: 30 days" in texts(doc.attachments[1])


def test_eml_with_broken_attachment(tmp_path: Path) -> None:
    attachments = [
        ("scan.pdf", b"%PDF-1.4\n1 0 obj <<", "application/pdf"),
        ("contract.docx", b"PK\x03\x04 not really a docx", DOCX_MIME),
        ("notes.txt", b"Bob wants 60 days.", "text/plain"),
    ]
    doc = read_file(write(tmp_path, "m.eml", make_mail(attachments, MAIL_BODY)))
    assert texts(doc)[1] == "Dear Bob,"
    assert [a.name for a in doc.attachments] == ["notes.txt"]
    assert texts(doc.attachments[0]) == ["Bob wants 60 days."]
    assert len(doc.warnings) == 2
    assert doc.warnings[0].startswith("attachment 'scan.pdf' could not be read: corrupt or damaged")
    assert doc.warnings[1].startswith("attachment 'contract.docx' could not be read: corrupt")


def test_eml_html_body_and_nested_message(tmp_path: Path) -> None:
    inner = EmailMessage()
    inner["From"] = "Bob Stone <bob@beta.example>"
    inner["Subject"] = "Our counter-offer"
    inner.set_content("We accept 12.10 EUR.\n")
    outer = EmailMessage()
    outer["From"] = "Alice Martin <alice@acme.example>"
    outer["Subject"] = "Fwd: counter-offer"
    outer.set_content(
        "<html><body><p>See <b>below</b>.</p><script>x()</script></body></html>", subtype="html"
    )
    outer.add_attachment(inner)
    outer.add_attachment(
        b"\x89PNG\r\n\x1a\n" + bytes(50), maintype="image", subtype="png", filename="logo.png"
    )
    doc = read_file(write(tmp_path, "fwd.eml", outer.as_bytes()))
    assert texts(doc) == [
        "From: Alice Martin <alice@acme.example> | Subject: Fwd: counter-offer",
        "See below.",
    ]
    assert [a.name for a in doc.attachments] == ["Our counter-offer.eml"]
    assert texts(doc.attachments[0])[1:] == ["We accept 12.10 EUR."]
    assert doc.warnings == [
        "attachment 'logo.png' could not be read: corrupt or damaged image: "
        "its data cannot be decoded"
    ]


def test_eml_latin1_body(tmp_path: Path) -> None:
    raw = (
        b"From: Beta GmbH <info@beta.example>\r\nTo: alice@acme.example\r\n"
        b"Subject: =?iso-8859-1?q?Preiserh=F6hung?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"Die Preise steigen ab M\xe4rz um 5 %.\r\n"
    )
    doc = read_file(write(tmp_path, "p.eml", raw))
    assert doc.metadata["Subject"] == "Preiserhöhung"
    assert texts(doc)[1:] == ["Die Preise steigen ab März um 5 %."]


def test_eml_without_headers_is_read_as_text(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path, "x.eml", b"Just a note, no headers at all.\n"))
    assert texts(doc) == ["Just a note, no headers at all."]
    assert doc.warnings == ["the file has no mail headers; read as plain text"]


# --- HTML -----------------------------------------------------------------------------------


def test_html(tmp_path: Path) -> None:
    page = """<!DOCTYPE html><html><head><title>Offer  page</title>
    <style>p { color: red }</style><script>var price = 1;</script></head>
    <body><h1>Offer to Beta&nbsp;GmbH</h1>
    <p>The price is
       12.40&nbsp;&euro; per valve.<br>Delivery DAP.</p>
    <!-- internal comment -->
    <table><tr><th>Item</th><th>Price</th></tr><tr><td>Valve X2</td><td>12.40</td></tr></table>
    <ul><li>payment 45 days</li><li>warranty 2 years</li></ul>
    <div>Signed, <i>Alice</i></div></body></html>"""
    doc = read_file(write(tmp_path, "offer.html", page.encode("utf-8")))
    assert doc.format == "html"
    assert doc.metadata == {"encoding": "utf-8", "title": "Offer page"}
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "Offer to Beta GmbH"),
        ("paragraph", "The price is 12.40 € per valve.\nDelivery DAP."),
        ("table", "Item | Price"),
        ("table", "Valve X2 | 12.40"),
        ("paragraph", "payment 45 days"),
        ("paragraph", "warranty 2 years"),
        ("paragraph", "Signed, Alice"),
    ]


def test_html_meta_charset_and_layout_table(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"></head><body>'
        "<table><tr><td><p>Sehr geehrte Frau Müller,</p><p>anbei unser Angebot.</p></td></tr>"
        "</table><table><tr><td><p>Menge</p></td><td><p>Preis</p></td></tr></table></body></html>"
    )
    doc = read_file(write(tmp_path, "mail.htm", page.encode("cp1252")))
    assert doc.metadata["encoding"] == "cp1252"
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("paragraph", "Sehr geehrte Frau Müller,"),
        ("paragraph", "anbei unser Angebot."),
        ("table", "Menge | Preis"),
    ]


def test_html_without_text(tmp_path: Path) -> None:
    assert unreadable(tmp_path, "e.html", b"<html><body><script>1</script></body></html>") == (
        "the page has no visible text"
    )
