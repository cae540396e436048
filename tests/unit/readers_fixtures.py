"""Builders of small documents for the reader tests: PDFs (fpdf2, pypdf), DOCX (python-docx
with tracked changes injected into the XML) and mails (stdlib email)."""

from __future__ import annotations

import io
from email.message import EmailMessage


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one page per item; each page holds the given lines (an empty list: blank page).

    Lines are written one under the other; an empty string leaves an empty line, so paragraphs
    separated by "" come out separated in the text layer too.
    """
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _revision(kind: str, text: str, author: str, rev_id: int) -> str:
    tag = "w:delText" if kind == "del" else "w:t"
    return (
        f'<w:{kind} xmlns:w="{W_NS}" w:id="{rev_id}" w:author="{author}" '
        f'w:date="2024-03-01T10:00:00Z"><w:r><{tag} xml:space="preserve">{text}</{tag}>'
        f"</w:r></w:{kind}>"
    )


def make_docx() -> bytes:
    """A contract extract: heading, paragraphs, a 2x3 table, header, footer, one comment, a tracked
    insertion ("net 45 days") and a tracked deletion ("30 days") by Alice Martin."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "CONFIDENTIAL - Supply Agreement draft 3"
    section.footer.paragraphs[0].text = "ACME Corp / Beta GmbH"
    document.add_heading("Article 4 - Payment", level=1)
    para = document.add_paragraph("Payment is due ")
    para._p.append(parse_xml(_revision("ins", "net 45 days", "Alice Martin", 1)))
    para._p.append(parse_xml(_revision("del", "30 days", "Alice Martin", 2)))
    tail = para.add_run(" after delivery.")
    document.add_paragraph("Prices are fixed until 31 December 2025.")
    table = document.add_table(rows=2, cols=3)
    values = [("Item", "Quantity", "Price"), ("Valve X2", "500", "12.40 EUR")]
    for row, row_values in zip(table.rows, values, strict=True):
        for cell, value in zip(row.cells, row_values, strict=True):
            cell.text = value
    document.add_paragraph("Delivery is made DAP Hamburg.")
    document.add_comment([tail], text="Ask for 60 days.", author="Bob Stone", initials="BS")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_mail(attachments: list[tuple[str, bytes, str]], body: str) -> bytes:
    """A mail from Alice to Bob with a plain text body and (filename, bytes, mime type) parts."""
    message = EmailMessage()
    message["From"] = "Alice Martin <alice@acme.example>"
    message["To"] = "Bob Stone <bob@beta.example>"
    message["Cc"] = "Carol <carol@acme.example>"
    message["Date"] = "Fri, 01 Mar 2024 10:15:00 +0100"
    message["Subject"] = "Revised offer – valves"
    message.set_content(body)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def make_numbered_docx() -> bytes:
    """Clauses numbered by a two-level list ("1.", "1.1", ...), restarted by a second list
    instance at 5, plus python-docx's 'List Number' and 'List Bullet' styles."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            '<w:lvlText w:val="%1."/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            '<w:lvlText w:val="%1.%2"/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
            '<w:lvlText w:val="(%3)"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(
        parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    numbering.append(
        parse_xml(
            f'<w:num xmlns:w="{W_NS}" w:numId="91"><w:abstractNumId w:val="90"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>'
        )
    )
    for text, num_id, level in [
        ("Definitions", 90, 0),
        ("Goods means the valves.", 90, 1),
        ("Price", 90, 0),
        ("The price is fixed.", 90, 1),
        ("in EUR", 90, 2),
        ("net of VAT", 90, 2),
        ("It is paid in 45 days.", 90, 1),
        ("Term", 91, 0),
    ]:
        para = document.add_paragraph(text)
        para._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/>'
                f'<w:numId w:val="{num_id}"/></w:numPr>'
            )
        )
    document.add_paragraph("Annex", style="List Number")
    document.add_paragraph("a bullet point", style="List Bullet")
    document.add_paragraph("Schedule", style="List Number")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_form_and_comments(pdf: bytes) -> bytes:
    """`pdf` with what a viewer shows outside the page text, on page 1: a filled text field
    ("Amount (EUR)": 48,000.00), a ticked checkbox ("Approved"), a sticky note by Bob Stone
    and a free-text box; plus a hidden note that a viewer does not show."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import FreeText, Text
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))

    def rect(y: int) -> ArrayObject:
        return ArrayObject(
            [FloatObject(300), FloatObject(y), FloatObject(500), FloatObject(y + 20)]
        )

    amount = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("amount"),
            NameObject("/TU"): TextStringObject("Amount (EUR)"),
            NameObject("/V"): TextStringObject("48,000.00"),
            NameObject("/Rect"): rect(700),
        }
    )
    approved = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Btn"),
            NameObject("/T"): TextStringObject("Approved"),
            NameObject("/V"): NameObject("/Yes"),
            NameObject("/AS"): NameObject("/Yes"),
            NameObject("/Rect"): rect(650),
        }
    )
    refs = [writer._add_object(amount), writer._add_object(approved)]
    writer.pages[0][NameObject("/Annots")] = ArrayObject(refs)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(refs)}
    )
    note = Text(text="Check the steel index first.", rect=(50, 550, 70, 570))
    note[NameObject("/T")] = TextStringObject("Bob Stone")
    writer.add_annotation(page_number=0, annotation=note)
    box = FreeText(text="Agreed by phone 3 March", rect=(50, 500, 250, 530))
    writer.add_annotation(page_number=0, annotation=box)
    hidden = Text(text="draft remark nobody sees", rect=(50, 450, 70, 470))
    hidden[NameObject("/F")] = NumberObject(2)
    writer.add_annotation(page_number=0, annotation=hidden)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_page_image(lines: list[str], size: int = 28):
    """A white page (Pillow image) with the lines written in black, as a scanner sees a letter."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    image = Image.new("RGB", (1400, 120 + len(lines) * size * 2), "white")
    step = int(size * 1.4)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * step), line, fill="black", font=font)
    return image


def image_bytes(image, fmt: str = "PNG") -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def make_scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages are images of text only (no text layer), like a scanned contract."""
    from fpdf import FPDF

    pdf = FPDF()
    for lines in pages:
        pdf.add_page()
        pdf.image(make_page_image(lines), x=0, y=0, w=210)
    return bytes(pdf.output())


def _part(document, name: str, content_type: str, reltype: str, blob: bytes) -> str:  # type: ignore[no-untyped-def]
    """Add a part to a python-docx document; returns its relationship id."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(PackURI(name), content_type, blob, document.part.package)
    return str(document.part.relate_to(part, reltype))


def make_rich_docx() -> bytes:
    """What Word shows beyond plain paragraphs, in order: a content control, a hyperlink, a field
    result, a footnote reference, a text box, an equation, imported HTML (altChunk), an embedded
    Word document (OLE), a WordArt shape, a chart; then an ordinary closing paragraph."""
    import docx
    from docx.oxml import parse_xml

    ns = (
        f'xmlns:w="{W_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    document = docx.Document()
    body = document.element.body
    inner = io.BytesIO()
    embedded = docx.Document()
    embedded.add_paragraph("Embedded schedule: steel surcharge EUR 12,000.")
    embedded.save(inner)
    footnotes = (
        f"<w:footnotes {ns}>"
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="7"><w:p><w:r><w:t>Index published by LME on 1 March.</w:t></w:r></w:p>'
        "</w:footnote></w:footnotes>"
    ).encode()
    _part(document, "/word/footnotes.xml",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
          rel + "footnotes", footnotes)  # fmt: skip
    link = _part(document, "/word/link-target.xml", "application/xml", rel + "hyperlink", b"<x/>")
    chunk = _part(document, "/word/afchunk1.html", "text/html", rel + "aFChunk",
                  b"<html><body><p>Imported offer: 500 valves at 12.40 EUR.</p></body></html>")  # fmt: skip
    ole = _part(document, "/word/embeddings/schedule.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                rel + "package", inner.getvalue())  # fmt: skip
    chart = _part(document, "/word/charts/chart1.xml",
                  "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
                  rel + "chart",
                  (f"<c:chartSpace {ns}><c:chart><c:title><c:tx><c:rich><a:p><a:r><a:t>Steel index"
                   "</a:t></a:r></a:p></c:rich></c:tx></c:title></c:chart></c:chartSpace>").encode())  # fmt: skip
    for xml in [
        f'<w:sdt {ns}><w:sdtPr><w:alias w:val="Buyer"/></w:sdtPr><w:sdtContent><w:p><w:r>'
        "<w:t>Buyer: Norvane Grid AS</w:t></w:r></w:p></w:sdtContent></w:sdt>",
        f'<w:p {ns}><w:r><w:t xml:space="preserve">See </w:t></w:r><w:hyperlink r:id="{link}">'
        "<w:r><w:t>the tender portal</w:t></w:r></w:hyperlink><w:r><w:t>.</w:t></w:r></w:p>",
        f'<w:p {ns}><w:r><w:t xml:space="preserve">Price date: </w:t></w:r>'
        '<w:fldSimple w:instr=" DATE "><w:r><w:t>1 March 2024</w:t></w:r></w:fldSimple>'
        '<w:r><w:t>, steel indexed.</w:t></w:r><w:r><w:footnoteReference w:id="7"/></w:r></w:p>',
        f"<w:p {ns}><w:r><w:t>Anchor paragraph.</w:t></w:r><w:r><w:drawing><wp:anchor>"
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        "<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>Text box: deadline 30 June</w:t></w:r>"
        "</w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        "</w:drawing></w:r></w:p>",
        f'<w:p {ns}><w:r><w:t xml:space="preserve">Penalty: </w:t></w:r><m:oMath><m:r>'
        "<m:t>P = 0.5% × d</m:t></m:r></m:oMath></w:p>",
        f'<w:altChunk {ns} r:id="{chunk}"/>',
        f'<w:p {ns}><w:r><w:object><v:shape id="s1"/><o:OLEObject Type="Embed" '
        f'ProgID="Word.Document.12" ShapeID="s1" r:id="{ole}"/></w:object></w:r></w:p>',
        f'<w:p {ns}><w:r><w:pict><v:shape id="s2"><v:textpath string="FINAL OFFER"/></v:shape>'
        "</w:pict></w:r></w:p>",
        f"<w:p {ns}><w:r><w:drawing><wp:inline><a:graphic>"
        f'<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        f'<c:chart r:id="{chart}"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>',
    ]:
        body.insert(len(body) - 1, parse_xml(xml))
    document.add_paragraph("Closing paragraph.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_tnef(subject: str, body: str, attachments: list[tuple[str, bytes]]) -> bytes:
    """A winmail.dat as Outlook writes it (TNEF): subject, plain body in Windows-1252, and
    attachments (attAttachRendData starts each, then its title and data)."""
    import struct

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return (
            struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))
    out += attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
    out += attribute(1, 0x8004, 0x0001, subject.encode("cp1252") + b"\x00")
    out += attribute(1, 0x800C, 0x0002, body.encode("cp1252"))
    for name, data in attachments:
        out += attribute(2, 0x9002, 0x0006, bytes(14))
        out += attribute(2, 0x8010, 0x0001, name.encode("cp1252") + b"\x00")
        out += attribute(2, 0x800F, 0x0006, data)
    return out


def make_msg(attachments: list[tuple[str, bytes, str]]) -> bytes:
    """An Outlook .msg (written with aspose-email-foss) from Alice to Bob, with attachments."""
    from datetime import UTC, datetime

    from aspose.email_foss import msg

    message = msg.MapiMessage.create(
        "Variation order – unit 1", "Dear Bob,\n\nthe amount is € 48,000.\n\nRegards,\nAlice"
    )
    message.set_property(msg.PropertyId.SENDER_NAME, "Alice Martin")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, "alice@acme.example")
    message.set_property(
        msg.PropertyId.MESSAGE_DELIVERY_TIME, datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
    )
    message.add_recipient("bob@beta.example", display_name="Bob Stone")
    for name, data, mime in attachments:
        message.add_attachment(name, data, mime_type=mime)
    return bytes(msg.MsgWriter.to_bytes(message.to_msg_document()))


INVITATION = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//negoprep tests//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:vo-7@acme.example\r\nDTSTART:20240312T090000Z\r\n"
    "DTEND:20240312T103000Z\r\nSUMMARY:Cost claim meeting\r\nLOCATION:Oslo office\r\n"
    "ORGANIZER;CN=Alice Martin:mailto:alice@acme.example\r\n"
    "ATTENDEE;CN=Bob Stone:mailto:bob@beta.example\r\n"
    "DESCRIPTION:Agenda:\\n1. Steel surcharge\\n\\nBring the cost records.\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def make_two_column_pdf(left: list[str], right: list[str], x_right: float = 110) -> bytes:
    """One page with two columns whose lines are drawn row by row across both columns (the
    drawing order that makes a text layer interleave them)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        pdf.text(10, 20 + i * 6, a)
        pdf.text(x_right, 20 + i * 6, b)
    return bytes(pdf.output())
