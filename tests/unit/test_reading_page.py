"""The reading page: contents by the five moves, citations that open their passage with the exact
matched quote marked, unverified quotes flagged, case text escaped, assets fit for a strict CSP."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Tag
from dossier_examples import HOSTILE, dossier, hostile_dossier, state

from negoprep.output.build import build_view
from negoprep.output.html import STATIC_DIR, render_page
from negoprep.reading.grounding import _pieces, normalise


@pytest.fixture(scope="module")
def page() -> BeautifulSoup:
    st = state()
    st["profile"].facts[0].citations[0].quote = "words that are nowhere in the case"
    return BeautifulSoup(render_page(build_view(dossier(st))), "html.parser")


def test_contents_follow_the_five_moves_with_the_brief_first(page: BeautifulSoup) -> None:
    top = [a["href"] for a in page.select("nav.toc > ol > li > a")]
    assert top[:6] == [
        "#one-page-brief",
        "#widen-the-field-of-vision",
        "#build-partial-alternatives",
        "#their-alternatives-and-dependencies",
        "#warnings-tactical-consent-and-inertia",
        "#process-relationship-substance",
    ]
    for href in top:
        assert page.find(id=href[1:]) is not None, href
    ids = [t["id"] for t in page.find_all(id=True)]
    assert len(ids) == len(set(ids)), "element ids are unique"


def test_every_verified_citation_opens_its_passage_with_exactly_the_matched_quote(
    page: BeautifulSoup,
) -> None:
    cites = page.select("a.cite")
    verified = [c for c in cites if "unverified" not in c["class"]]
    assert len(verified) > 10
    for link in verified:
        quote = link.select_one(".tip").get_text()
        assert quote.startswith("“") and quote.endswith("”")
        passage = page.find(id=link["href"][1:])
        assert isinstance(passage, Tag) and "passage" in passage["class"]
        marked = [
            s.get_text()
            for s in passage.select(".q")
            if f" {link['data-check']} " in s["data-checks"]
        ]
        assert [normalise(m) for m in marked] == _pieces(quote[1:-1])


def test_an_unverified_quote_is_flagged_in_place_and_never_highlighted(page: BeautifulSoup) -> None:
    (link,) = page.select("a.cite.unverified")
    assert "data-check" not in link.attrs, "no highlight for a quote grounding did not find"
    flag = link.find_next_sibling("span")
    assert flag is not None and flag.get_text().startswith("⚠ unverified: quote not in passage")
    assert link.select_one(".tip").get_text() == "“words that are nowhere in the case”"


def test_knowledge_entries_open_in_place(page: BeautifulSoup) -> None:
    details = page.select("details.kb")
    assert details
    assert details[0].summary.get_text() == "partial-alternatives"
    assert "Plan B" in details[0].select_one(".kb-title").get_text()
    assert len(details[0].select_one(".kb-body").get_text()) > 200


def test_hostile_case_text_is_text_on_the_page() -> None:
    html = render_page(build_view(hostile_dossier()))
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.find_all("script")) == 1, "only the page's own script"
    assert "<script>alert(1)</script>" not in html
    assert not soup.select('a[href^="http"]')
    texts = [" ".join(p.get_text().split()) for p in soup.select("main p, main li, main td")]
    assert " ".join(HOSTILE.split()) in texts


def test_standalone_page_has_everything_inline() -> None:
    soup = BeautifulSoup(render_page(build_view(dossier())), "html.parser")
    assert not soup.select("link, [src]"), "no file or CDN to fetch"
    assert soup.style is not None and ".cite" in soup.style.get_text()
    assert soup.script is not None and "data-check" in soup.script.get_text()


def test_served_page_fits_a_strict_content_security_policy() -> None:
    html = render_page(build_view(dossier()), standalone=False, static_url="/static/dossier/")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("style") is None and not soup.select("[style]")
    assert [s["src"] for s in soup.find_all("script")] == ["/static/dossier/dossier.js"]
    assert not [s for s in soup.find_all("script") if s.get_text().strip()]
    assert [link["href"] for link in soup.find_all("link")] == ["/static/dossier/dossier.css"]
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert (STATIC_DIR / "dossier.js").is_file() and (STATIC_DIR / "dossier.css").is_file()


def test_norwegian_page_is_norwegian() -> None:
    soup = BeautifulSoup(render_page(build_view(dossier(state("Norwegian")))), "html.parser")
    assert soup.html is not None and soup.html["lang"] == "nb"
    assert soup.select_one("nav.toc h2").get_text() == "Innhold"
    assert re.match(r"«.*»$", soup.select_one("a.cite .tip").get_text())
