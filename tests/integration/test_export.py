"""`negoprep export` as a user runs it on the example run: HTML, PDF and DOCX read back, every
citation's highlight checked, and every refusal one clear line with exit code 2."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from bs4 import BeautifulSoup, Tag
from dossier_examples import HOSTILE, dossier, hostile_dossier
from pypdf import PdfReader

from negoprep.cli.main import main
from negoprep.output.build import build_view
from negoprep.output.docx import render_docx
from negoprep.reading.grounding import _pieces, normalise

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "run"
    code = main(
        ["prepare", str(REPO / "cases" / "supplier-claim"), "--replay", "--out", str(out), "-q"]
    )
    assert code == 0
    return out


def export(run_dir: Path, *args: str) -> int:
    return main(["export", str(run_dir), *args])


def test_html_export_is_one_file_whose_every_citation_highlights_its_exact_quote(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert export(run_dir, "--format", "html") == 0
    path = run_dir / "dossier.html"
    assert capsys.readouterr().out.strip() == f"Wrote {path}"
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    assert not soup.select("link, [src]")
    cites = soup.select("a.cite")
    assert len(cites) >= 123 and not soup.select("a.cite.unverified")
    for link in cites:
        passage = soup.find(id=link["href"][1:])
        assert passage is not None
        marked = highlighted(passage.select_one(".text"), link["data-check"])
        assert [normalise(m) for m in marked] == _pieces(link.select_one(".tip").get_text()[1:-1])


def highlighted(text: Tag, check: str) -> list[str]:
    """The runs of a passage's text that the page highlights for citation check `check`."""
    runs: list[str] = []
    open_run = False
    for node in text.children:
        lit = isinstance(node, Tag) and f" {check} " in str(node.get("data-checks", ""))
        if lit and open_run:
            runs[-1] += node.get_text()
        elif lit:
            runs.append(node.get_text())
        open_run = lit
    return runs


def test_pdf_export_has_selectable_text_in_reading_order(tmp_path: Path) -> None:
    # A small dossier (one item per list) keeps this test quick; the layout is the same.
    small = dossier()
    (tmp_path / "dossier.json").write_text(small.model_dump_json())
    out = tmp_path / "brief.pdf"
    assert export(tmp_path, "--format", "pdf", "--out", str(out)) == 0
    reader = PdfReader(out)
    assert len(reader.pages) > 5
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    title = "Preparation dossier: Supplier claim before handover of the first power transformer"
    assert title in text
    order = [
        text.index(h)
        for h in (
            "Contents One-page brief",
            "One-page brief Goal.",
            "1. Widen the field of vision Our side:",
            "5. Process, relationship, substance Key questions",
            "Source passages D1 01-contract-extract.md D1.P",
        )
    ]
    assert order == sorted(order)
    quote = small.citation_checks[0].quote
    assert f"“{' '.join(quote.split())}”" in text, "quotes are printed beside their passage id"
    top, nested = reader.outline[0], reader.outline[1]
    assert not isinstance(top, list) and top.title == title, "headings are bookmarks"
    assert isinstance(nested, list)
    assert [o.title for o in nested if not isinstance(o, list)][:2] == [
        "Contents",
        "One-page brief",
    ]


def test_docx_export_has_real_headings_lists_and_tables(run_dir: Path) -> None:
    assert export(run_dir, "--format", "docx") == 0
    document = docx.Document(str(run_dir / "dossier.docx"))
    paragraphs = document.paragraphs
    headings = [p.text for p in paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[:3] == [
        "One-page brief",
        "1. Widen the field of vision",
        "2. Build partial alternatives",
    ]
    assert headings[-1] == "Source passages"
    styles = {p.style.name for p in paragraphs if p.style is not None}
    assert {"Title", "Heading 2", "List Bullet", "List Bullet 2", "List Number"} <= styles
    numbered = [p for p in paragraphs if p.style is not None and p.style.name == "List Number"]
    lists = {p._p.pPr.numPr.numId.val for p in numbered}
    assert len(lists) == 3, "top moves, top risks and the consent ladder each restart at 1"
    assert [c.text for c in document.tables[0].rows[0].cells] == [
        "Id",
        "File",
        "Status",
        "Passages",
        "Notes",
    ]
    assert document.tables[0].rows[1].cells[1].text == "01-contract-extract.md"
    marked = [r.text for p in paragraphs for r in p.runs if r.font.highlight_color is not None]
    assert "absolutely must have T1 on site before Christmas" in marked


def test_docx_keeps_hostile_text_as_text() -> None:
    document = docx.Document(io.BytesIO(render_docx(build_view(hostile_dossier()))))
    assert any(p.text == HOSTILE for p in document.paragraphs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "rtf"], "unknown format 'rtf'; choose one of html, pdf, docx"),
        (
            ["--format", "html", "--out", "{run}/dossier.md"],
            "already exists; negoprep never overwrites",
        ),
        (
            ["--format", "docx", "--out", "{run}/no/such/dir/x.docx"],
            "cannot be written; the folder",
        ),
    ],
)
def test_refusals_are_one_line_and_write_nothing(
    run_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = sorted(p.name for p in run_dir.iterdir())
    code = export(run_dir, *(a.replace("{run}", str(run_dir)) for a in args))
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_export_refuses_a_folder_without_a_dossier_and_an_existing_default(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert export(tmp_path, "--format", "pdf") == 2
    assert "no dossier.json here" in capsys.readouterr().err
    (tmp_path / "dossier.json").write_text("{}")
    assert export(tmp_path, "--format", "pdf") == 2
    assert "dossier.json: not a readable dossier" in capsys.readouterr().err
    assert export(run_dir, "--format", "html", "--out", str(tmp_path / "a.html")) == 0
    before = (tmp_path / "a.html").read_bytes()
    assert export(run_dir, "--format", "html", "--out", str(tmp_path / "a.html")) == 2
    assert (tmp_path / "a.html").read_bytes() == before


def test_export_help_imports_no_renderer_and_no_llm_library() -> None:
    code = (
        "import sys; from negoprep.cli.main import build_parser; build_parser();"
        "heavy = [m for m in ('weasyprint', 'docx', 'jinja2', 'langchain_core', 'openai')"
        " if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"
