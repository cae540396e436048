"""Generate the binary documents of the example case `cases/kommune-arkivsystem`.

Writes, deterministically (fixed dates, fixed ids, fixed zip timestamps), so that a rerun gives
byte-identical files:

- 01-avtaleutdrag.docx      contract extract in Norwegian, numbered clauses and a price table
- 02-varsel-prisendring.eml English notice from the vendor group, with price-notice-2027.pdf
- 04-motereferat.pdf        meeting notes in Norwegian, two pages

The Markdown memo (03) and the plain-text mail (05) are written by hand and live in the case
folder as they are. The case, the municipalities, the companies and all people are fictitious.

Usage:  python scripts/make_example_kommune.py [CASE_DIR]
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF

CASE_DIR = Path(__file__).resolve().parents[1] / "cases" / "kommune-arkivsystem"
FIXED_ZIP_TIME = (2027, 1, 22, 9, 0, 0)

# ---------------------------------------------------------------------------------------------
# 01 - contract extract (.docx)
# ---------------------------------------------------------------------------------------------

CONTRACT_TITLE = "Avtaleutdrag - vedlikehold av sak- og arkivsystemet Arkivio Sak"

CONTRACT_INTRO = (
    "Vedlikeholdsavtale for sak- og arkivsystemet Arkivio Sak, avtalenr. FK-2018-114, basert på "
    'SSA-V, mellom Fjellvik kommune ("Kunden") og Arkivio AS, nå Arkivio Nordic AS '
    '("Leverandøren"), signert 14. februar 2019 etter åpen anbudskonkurranse. Utdrag laget av '
    "kommuneadvokaten til intern bruk; punktnummereringen følger den signerte avtalen."
)

CONTRACT_CLAUSES: list[tuple[str, list[str]]] = [
    (
        "2. Avtaleperiode",
        [
            "2.1 Avtalen gjelder fra 1. april 2019 til 31. mars 2023. Kunden kan forlenge "
            "avtalen med to år av gangen, inntil to ganger, ved skriftlig varsel senest seks "
            "måneder før utløp. Samlet avtaleperiode kan ikke overstige åtte år, og avtalen "
            "opphører uten oppsigelse 31. mars 2027.",
            "Merknad fra kommuneadvokaten: Begge forlengelsene er benyttet, i 2022 og i 2024. "
            "En ny avtale med Leverandøren må vurderes etter anskaffelsesregelverket.",
        ],
    ),
    (
        "5. Vederlag og prisjustering",
        [
            "5.1 Vederlaget fremgår av prisskjemaet i bilag 2 og faktureres årlig forskuddsvis med "
            "forfall 1. april og 30 dagers betalingsfrist. Prisene er i norske kroner eksklusive "
            "merverdiavgift.",
            "5.2 Leverandøren kan justere prisene én gang per år med virkning fra 1. april, "
            "tilsvarende endringen i konsumprisindeksen fra Statistisk sentralbyrå de siste "
            "tolv månedene. Justeringen skal varsles skriftlig senest to måneder før den får "
            "virkning. Andre prisendringer krever skriftlig avtale mellom partene.",
        ],
    ),
    (
        "7. Vedlikehold av versjoner",
        [
            "7.1 Leverandøren skal vedlikeholde og gi brukerstøtte på den versjonen av Arkivio "
            "Sak som Kunden har i drift, så lenge avtalen løper. Leverandøren skal varsle Kunden "
            "skriftlig minst tolv måneder før vedlikeholdet av en versjon eller driftsform "
            "opphører, og skal i så fall tilby Kunden en migreringsvei.",
        ],
    ),
    (
        "9. Tjenestenivå",
        [
            "9.1 Kritiske feil skal besvares og feilrettingen påbegynnes innen to timer, alvorlige "
            "feil innen én arbeidsdag, regnet 07.00-17.00 på virkedager. For kritiske feil skal "
            "Leverandøren levere en løsning eller omgåelse innen én arbeidsdag.",
            "9.2 Overskrides fristen for kritiske feil, kan Kunden kreve prisavslag med 5 prosent "
            "av månedlig vederlag per påbegynte arbeidsdag, begrenset til 20 prosent. Prisavslag "
            "begrenser ikke Kundens øvrige beføyelser.",
        ],
    ),
    (
        "11. Opphør og exitbistand",
        [
            "11.1 Ved avtalens opphør, uansett grunn, skal Leverandøren bistå Kunden med en "
            "forsvarlig overgang til ny løsning eller ny leverandør, blant annet med dokumentasjon "
            "av oppsett og integrasjoner og samarbeid med ny leverandør. Bistanden honoreres etter "
            "timeprisene i bilag 2.",
            "11.2 Dersom Kunden ber om det skriftlig senest tre måneder før opphør, skal "
            "Leverandøren videreføre vedlikehold og brukerstøtte i inntil tolv måneder etter "
            "opphør. Vederlaget for slik videreføring beregnes etter Leverandørens til enhver "
            "tid gjeldende prisliste, forholdsmessig for perioden.",
        ],
    ),
    (
        "12. Data og dataportabilitet",
        [
            "12.1 Alle data som registreres eller lagres i systemet, herunder metadata, "
            "dokumenter og logger, tilhører Kunden.",
            "12.2 Ved opphør, og ellers når Kunden ber om det, skal Leverandøren levere et "
            "fullstendig arkivuttrekk i Noark 5-format med dokumentene i arkivformat, slik at "
            "uttrekket kan godkjennes for deponering hos IKA Midtfjord. Uttrekket leveres innen "
            "60 dager uten annet vederlag enn timepriser etter bilag 2.",
        ],
    ),
    (
        "14. Behandling av personopplysninger",
        [
            "14.1 Leverandørens behandling av personopplysninger på vegne av Kunden reguleres av "
            "databehandleravtalen i bilag 6. Leverandøren kan bare bruke underleverandører som "
            "Kunden har godkjent skriftlig, og personopplysninger skal ikke overføres til land "
            "utenfor EØS uten Kundens skriftlige forhåndsgodkjenning.",
        ],
    ),
]

PRICE_HEADING = "Bilag 2 - Prisskjema (2019-priser, eksklusive mva.)"
PRICE_ROWS = [
    ("Komponent", "Enhet", "Antall", "Pris per enhet (NOK)", "Sum per år (NOK)"),
    ("Arkivio Sak, lisensvedlikehold", "per navngitt bruker", "600", "1 950", "1 170 000"),
    ("Noark 5-arkivkjerne og depotuttrekk", "fast pris", "1", "180 000", "180 000"),
    ("Integrasjoner (eInnsyn, SvarUt/SvarInn, økonomi)", "fast pris", "1", "210 000", "210 000"),
    ("Brukerstøtte andrelinje", "fast pris", "1", "160 000", "160 000"),
    ("Sum årlig vederlag", "", "", "", "1 720 000"),
    ("Timepris konsulent og exitbistand", "per time", "", "1 250", ""),
]
PRICE_NOTE = (
    "Merknad fra kommuneadvokaten: Med de årlige KPI-justeringene etter punkt 5.2 er årlig "
    "vederlag for avtaleåret 2026/27 NOK 2 140 000, og timeprisen er NOK 1 560. Det er ikke "
    "avtalt andre prisendringer i avtaleperioden."
)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip package with fixed member timestamps and order, for identical reruns."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def make_contract() -> bytes:
    doc = Document()
    fixed = datetime(2027, 1, 20, 8, 30, tzinfo=UTC)
    props = doc.core_properties
    props.author = "Kari Brekke, kommuneadvokat"
    props.last_modified_by = "Kari Brekke, kommuneadvokat"
    props.title = CONTRACT_TITLE
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed
    props.revision = 1
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)

    doc.add_heading(CONTRACT_TITLE, level=1)
    doc.add_paragraph(CONTRACT_INTRO)
    for heading, paragraphs in CONTRACT_CLAUSES:
        doc.add_heading(heading, level=2)
        for text in paragraphs:
            doc.add_paragraph(text)
    doc.add_heading(PRICE_HEADING, level=2)
    table = doc.add_table(rows=len(PRICE_ROWS), cols=len(PRICE_ROWS[0]))
    table.style = "Table Grid"
    for r, row in enumerate(PRICE_ROWS):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = value
            if r == 0 or row[0].startswith("Sum"):
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    doc.add_paragraph(PRICE_NOTE)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue())


# ---------------------------------------------------------------------------------------------
# PDFs (fpdf2, core fonts: Latin-1, so æ, ø and å work without an embedded font)
# ---------------------------------------------------------------------------------------------


class _Pdf(FPDF):
    """A4 with a running head from page 2 (a head reads back as its own line, a foot would run
    into the page's last paragraph)."""

    def __init__(self, running_head: str | None, title: str, author: str) -> None:
        super().__init__(format="A4")
        self.running_head = running_head
        self.set_creation_date(datetime(2027, 1, 15, 12, 0, tzinfo=UTC))
        self.set_title(title)
        self.set_author(author)
        self.set_creator("make_example_kommune.py")
        self.set_producer("fpdf2")
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(auto=True, margin=22)

    def header(self) -> None:
        if self.running_head and self.page_no() > 1:
            self.set_font("Helvetica", size=8)
            self.cell(0, 6, f"{self.running_head}, side {self.page_no()} av {{nb}}", align="R")
            self.ln(10)

    def title_block(self, title: str, size: float = 15) -> None:
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, 7.5, title, new_x="LMARGIN", new_y="NEXT")
        self.ln(2.5)

    def para(self, text: str, size: float = 10.5, gap: float = 3.2) -> None:
        self.set_font("Helvetica", size=size)
        self.multi_cell(0, 5.2, text, markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)


def _pdf_bytes(pdf: _Pdf) -> bytes:
    # fpdf2 derives the trailer /ID from the content (creation date fixed above), so this is stable.
    return bytes(pdf.output())


# -- D2 attachment: price notice (English) ---------------------------------------------------

NOTICE_TITLE = "Arkivio Price Notice 2027 - Norwegian public sector customers"
NOTICE_PARAS = [
    "Issued by Calloway Civic Software Group Ltd, London, for Arkivio Nordic AS on 18 December "
    "2026. Applies to all agreements and renewals with effect from 1 April 2027.",
    "**1. End of Support for on-premise.** Arkivio Sak 8 (on-premise) reaches End of Support on "
    "31 March 2027. After this date no updates, security patches or support will be provided "
    "under standard terms. Extended Support for up to 12 months is available only to customers "
    "who have signed an Arkivio Cloud agreement, to allow time for migration, and is charged "
    "at the customer's 2026 fee plus 38%.",
    "**2. Arkivio Cloud subscription.** Arkivio Cloud is priced per named user per year, "
    "including hosting, updates, standard integrations and second-line support. Prices are "
    "Group list prices for the Nordic public sector. The minimum term is three years. Prices "
    "are adjusted on 1 April each year by the Norwegian consumer price index plus 2 percentage "
    "points.",
    "**3. Migration.** Migration to Arkivio Cloud is charged as a one-time fee of NOK 450,000 "
    "for customers with up to 1,000 users. The fee is waived for three-year agreements signed "
    "on or before 31 March 2027. Migration slots are allocated in order of signature.",
    "**4. Service levels.** Arkivio Cloud has a monthly availability target of 99.5%, 24 hours "
    "a day. If the target is not met, the customer receives service credits of up to 10% of "
    "the monthly fee, which are the customer's sole remedy for unavailability.",
    "**5. Data processing and hosting.** Customer data is hosted in a data centre in Sweden "
    "operated by our US-headquartered infrastructure partner. Second-line support may be "
    "provided from our Global Support Centre in Pune, India, under the EU Standard "
    "Contractual Clauses. The Group Data Processing Agreement applies. Changes to "
    "sub-processors are notified 14 days in advance. The agreement is governed by English law.",
    "**6. Pricing decisions.** All pricing decisions, including any deviation from list prices, "
    "are made by Group Pricing in London.",
]


def make_price_notice() -> bytes:
    pdf = _Pdf(None, NOTICE_TITLE, "Calloway Civic Software Group")
    pdf.add_page()
    pdf.title_block(NOTICE_TITLE, size=14)
    for text in NOTICE_PARAS:
        pdf.para(text)
    return _pdf_bytes(pdf)


# -- D4: meeting notes (Norwegian), two pages --------------------------------------------------

MINUTES_TITLE = "Møtereferat - Arkivio og Fjellvik kommune"
MINUTES_PAGE1 = [
    "Tid og sted: torsdag 14. januar 2027 kl. 10.00-12.15, Fjellvik rådhus, møterom Fjorden. "
    "Johan Lindqvist deltok på Teams fra Stockholm.",
    "Til stede: Kristoffer Dahl, kundeansvarlig i Arkivio Nordic AS, og Johan Lindqvist, Head "
    "of Cloud Transition Nordics i Calloway. Fra kommunen: Terje Ødegård (IKT-sjef), Solveig "
    "Haugland (arkivleder), Kari Brekke (kommuneadvokat) og Mats Lien (innkjøpsrådgiver, "
    "referent). Internt referat, ikke delt med Arkivio.",
    "**1. Innledning.** Terje sa at varselet kom etter at budsjettet for 2027 var vedtatt, og at "
    "en økning på 38 prosent ikke kan håndteres administrativt. Kristoffer beklaget at varselet "
    'kom rett før jul, og sa at det "ikke var skrevet i Oslo".',
    "**2. Arkivios presentasjon.** Johan presenterte Arkivio Cloud. Han sa at prisen er "
    '"Group list price", og at ingen nordisk kunde har fått avvik fra den. '
    'Konsernets regnskapsår slutter 31. mars, og han sa at "the Nordic cloud number" er det '
    "London følger tettest. Arkivio Cloud lanseres i Norge i juni, og de ønsker kommunale "
    "kunder å vise til.",
    "**3. Databehandleravtalen.** Kari gikk gjennom innvendingene: bytte av underleverandører "
    "med 14 dagers varsel, støtte fra India uten overføringsvurdering, amerikansk driftspartner "
    'og engelsk lovvalg. Hun sa at kommunen "ikke kan signere denne avtalen slik den står". '
    'Johan svarte at avtalen er konsernets standard og "not negotiable in principle", men at '
    "de kan se på et tillegg for norske kunder dersom flere ber om det.",
    "**4. Arkiv og migrering.** Solveig spurte hvordan 20 års arkivdata skal flyttes. Johan sa "
    'at migreringen er standardisert og tar "seks til åtte uker per kunde", men kunne ikke '
    "svare på om uttrekket blir godkjent for deponering. Solveig sa at lagring og tilgang fra "
    "utlandet må vurderes etter arkivlova før arkivet kan flyttes.",
    "**5. Videreført vedlikehold.** Kari viste til avtalens punkt 11.2 og til kravet om "
    "videreført vedlikehold som kommunen sendte skriftlig 21. desember. Johan sa at lokal drift har nådd End of Support, og at Extended "
    "Support bare gis til kunder som har signert skyavtale. Kari svarte at punkt 11.2 ikke har "
    "et slikt vilkår. Johan ville sjekke saken med konsernets jurister i London.",
]
MINUTES_PAGE2 = [
    "**6. Tidslinje og alternativer.** Mats forklarte at kommunen må vurdere en ny konkurranse, "
    "og at regelverket ikke gir rom for en ny flerårig avtale uten konkurranse. Johan spurte "
    'hvor lang tid det vil ta. Terje svarte at "realistisk snakker vi om to år". Johan noterte '
    'og sa at Arkivio Cloud "selvsagt" vil delta i en konkurranse.',
    "**7. Midtfjord.** Johan spurte om de andre kommunene i Midtfjord IKT-samarbeid vurderer "
    'Arkivio Cloud, og sa at en "regional migration" kunne gi "a different commercial picture". '
    "Terje svarte at dette ikke er avklart. Kristoffer nevnte at Hovland har bedt om et tilbud "
    "på skyløsningen.",
    "**8. Samtale etter møtet.** Kristoffer sa til Terje i gangen at han har kjempet for de "
    "norske kundene internt, og at Group Pricing bare godkjenner rabatter med en business case, "
    "typisk volum, lengre binding eller referanseverdi. Prisutvalget møtes første tirsdag i "
    'måneden. Han sa at en kommune som står fram som referanse "betyr mye i London".',
    "**9. Inntrykk.** Johan var presis og høflig, men holdt seg til konsernets linje og snakket "
    "mest om tall og frister. Han ble merkbart stivere etter Karis utsagn om at avtalen ikke "
    "kan signeres. Kristoffer var mer personlig og virket klemt mellom kunden og konsernet. "
    "Ingen av dem sa hva som skjer hvis kommunen ikke har signert innen 31. mars.",
    "**10. Oppfølging.** Arkivio sender innen 3. februar et skriftlig svar om punkt 11.2, et "
    "utkast til tillegg til databehandleravtalen og et forslag til overgangsplan. Kommunen "
    "svarer innen 10. februar. Nytt møte avtales i uke 6.",
]


def make_minutes() -> bytes:
    head = "Møtereferat Arkivio 14. januar 2027 - internt, unntatt offentlighet"
    pdf = _Pdf(head, MINUTES_TITLE, "Mats Lien")
    for number, paras in enumerate((MINUTES_PAGE1, MINUTES_PAGE2), start=1):
        pdf.add_page()
        if number == 1:
            pdf.title_block(MINUTES_TITLE)
        for text in paras:
            pdf.para(text, size=11, gap=4)
    return _pdf_bytes(pdf)


# ---------------------------------------------------------------------------------------------
# 02 - the vendor's e-mail (.eml) with the price notice attached
# ---------------------------------------------------------------------------------------------

MAIL_BODY = """Dear Mr Ødegård,

As part of the integration of Arkivio Nordic AS into Calloway Civic Software Group, we are aligning our Nordic product portfolio. Arkivio Sak 8 on-premise will reach End of Support on 31 March 2027, the date on which your current agreement expires. From 1 April 2027 Arkivio will be offered as a cloud service only, Arkivio Cloud.

Your indicative annual subscription for Arkivio Cloud, for the current scope of 600 named users and standard integrations, is NOK 2,953,000 excluding VAT. This represents an adjustment of 38% compared with your 2026 fees and reflects the Group list price for Arkivio Cloud in the Nordic public sector. Full details are set out in the attached price notice.

We recognise that moving to the cloud is a significant step for a municipality. Customers who sign a three-year Arkivio Cloud agreement by 31 March 2027 will have the one-time migration fee of NOK 450,000 waived and will receive priority migration slots in the second quarter of 2027.

Arkivio Cloud is delivered under the Group Data Processing Agreement, which is used across our UK and Nordic customer base and meets the requirements of the GDPR.

We would be delighted to welcome Fjellvik kommune as one of the first Norwegian municipalities on Arkivio Cloud. Your account manager, Kristoffer Dahl, will contact you in January to arrange a meeting. Please note that all pricing decisions are made centrally by our Group Pricing team.

Kind regards,
Emma Whitfield
Director, Commercial Operations - Nordics
Calloway Civic Software Group | Arkivio
"""


def make_mail(attachment: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Emma Whitfield <emma.whitfield@calloway-civic.example>"
    msg["To"] = "Terje Ødegård <terje.odegard@fjellvik.kommune.example>"
    msg["Cc"] = "Kristoffer Dahl <kristoffer.dahl@arkivio.example>"
    msg["Date"] = "Fri, 18 Dec 2026 09:12:00 +0100"
    msg["Subject"] = "Arkivio Sak: end of on-premise support and 2027 pricing for Fjellvik kommune"
    msg["Message-ID"] = "<20261218091200.4471@calloway-civic.example>"
    msg.set_content(MAIL_BODY, charset="utf-8", cte="quoted-printable")
    msg.add_attachment(
        attachment, maintype="application", subtype="pdf", filename="price-notice-2027.pdf"
    )
    msg.set_boundary("=_arkivio-price-notice-2027_=")
    return msg.as_bytes()


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else CASE_DIR
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "01-avtaleutdrag.docx": make_contract(),
        "02-varsel-prisendring.eml": make_mail(make_price_notice()),
        "04-motereferat.pdf": make_minutes(),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
        print(f"wrote {out / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
