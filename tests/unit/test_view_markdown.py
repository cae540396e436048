"""The dossier's view and its Markdown: case text stays text, citations carry their checks."""

from __future__ import annotations

from bs4 import BeautifulSoup
from dossier_examples import HOSTILE, dossier, hostile_dossier, state
from markdown_it import MarkdownIt

from negoprep.output.build import build_view
from negoprep.output.markdown import code_span, escape_text
from negoprep.output.passages import all_cites
from negoprep.output.render import render_markdown

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def test_hostile_case_text_renders_as_text_in_markdown() -> None:
    markdown = render_markdown(hostile_dossier())
    soup = BeautifulSoup(MD.render(markdown), "html.parser")
    assert soup.find("script") is None
    assert not soup.find_all("a"), "no link from case text"
    assert not [h for h in soup.find_all(["h1", "h2", "h3"]) if "not a heading" in h.text]
    emphasised = {e.text for e in soup.find_all(["strong", "em", "del"])}
    assert not emphasised & {"not bold", "not em", "x"}
    flat = HOSTILE.replace("\n", " ")
    paragraphs = [" ".join(p.get_text().split()) for p in soup.find_all(["p", "li", "td"])]
    assert " ".join(HOSTILE.split()) in paragraphs, "the summary, exactly, as one paragraph"
    assert sum(" ".join(flat.split()) in p for p in paragraphs) >= 4
    table = soup.find("table")
    assert table is not None
    assert {len(row.find_all(["td", "th"])) for row in table.find_all("tr")} == {5}


def test_escaping_leaves_ordinary_text_alone() -> None:
    plain = "EUR 1.7-1.9 million, json_schema, [penger]: 38% (D1.P2) → «sitat» - ok"
    assert escape_text(plain) == plain
    assert escape_text("1. first", line_start=True) == "1\\. first"
    assert escape_text("a\n- b", indent="  ") == "a  \n  \\- b"
    assert code_span("a`b") == "``a`b``" and code_span("a|b", in_table=True) == "`a\\|b`"


def test_citations_carry_checks_and_verified_quotes_their_exact_match() -> None:
    st = state()
    st["profile"].facts[0].citations[0].quote = "words that are nowhere in the case"
    view = build_view(dossier(st))
    cites = list(all_cites(view.sections))
    assert cites and len({c.number for c in cites}) == len(cites)
    passages = {p.anchor: p for doc in view.sources for p in doc.passages}
    unverified = [c for c in cites if not c.verified]
    assert [c.quote for c in unverified] == ["words that are nowhere in the case"]
    assert unverified[0].spans == () and unverified[0].mark.startswith("⚠ unverified")
    for c in cites:
        if c.verified:
            assert c.source in passages
            text = passages[c.source].text
            (start, end), *_ = c.spans
            assert (
                " ".join(text[start:end].split()).casefold() in " ".join(c.quote.split()).casefold()
            )
            marked = "".join(t for t, checks in passages[c.source].highlights if c.check in checks)
            assert marked and marked in text
