"""Quotes are checked against the passage they cite; what does not match is marked."""

from __future__ import annotations

from negoprep.agents.schemas import Citation
from negoprep.reading.case import Passage
from negoprep.reading.grounding import check_all, check_citation, normalise, quote_in

PASSAGES = {
    "D1.P1": Passage(
        id="D1.P1",
        doc_id="D1",
        text="The Contract Price is a fixed\nlump sum and is “not subject” to adjustment.",
        locator="paragraph 1",
    ),
    "D2.P3": Passage(
        id="D2.P3",
        doc_id="D2",
        text="We will not release T1 before the cost issue is settled.",
        locator="paragraph 3",
    ),
}


def test_normalise_folds_case_whitespace_and_typography() -> None:
    assert normalise("  A\u00a0“Fixed”\n\tPrice – now ") == 'a "fixed" price - now'


def test_verbatim_quote_with_different_whitespace_and_case_is_verified() -> None:
    check = check_citation(Citation(passage_id="D1.P1", quote="a FIXED lump sum"), PASSAGES)
    assert check.status == "verified" and check.verified


def test_typographic_quotes_match_straight_ones() -> None:
    assert quote_in('is "not subject" to adjustment', PASSAGES["D1.P1"].text)


def test_ellipsis_pieces_must_appear_in_order() -> None:
    assert quote_in("The Contract Price ... to adjustment", PASSAGES["D1.P1"].text)
    assert not quote_in("to adjustment ... The Contract Price", PASSAGES["D1.P1"].text)


def test_paraphrase_is_not_verified() -> None:
    check = check_citation(Citation(passage_id="D1.P1", quote="the price is fixed"), PASSAGES)
    assert check.status == "quote not in passage" and not check.verified and check.found_in == []


def test_wrong_passage_says_where_the_quote_really_is() -> None:
    check = check_citation(Citation(passage_id="D1.P1", quote="will not release T1"), PASSAGES)
    assert check.status == "quote not in passage" and check.found_in == ["D2.P3"]


def test_unknown_passage_id() -> None:
    check = check_citation(Citation(passage_id="D9.P9", quote="fixed lump sum"), PASSAGES)
    assert check.status == "unknown passage" and check.found_in == ["D1.P1"]


def test_bracketed_ids_are_accepted_and_duplicates_checked_once() -> None:
    cites = [Citation(passage_id="[D2.P3]", quote="cost issue is settled")] * 3
    checks = check_all(cites, PASSAGES)
    assert len(checks) == 1 and checks[0].verified


def test_empty_quote_is_not_verified() -> None:
    assert not check_citation(Citation(passage_id="D1.P1", quote=" ... "), PASSAGES).verified


def test_quote_spans_point_at_the_matched_text_in_the_original_passage() -> None:
    from negoprep.reading.grounding import quote_spans

    text = PASSAGES["D1.P1"].text
    (span,) = quote_spans('a FIXED   lump sum and is "not', text) or []
    assert text[span[0] : span[1]] == "a fixed\nlump sum and is “not"
    pieces = quote_spans("The Contract Price ... to adjustment.", text) or []
    assert [text[a:b] for a, b in pieces] == ["The Contract Price", "to adjustment"]
    assert quote_spans("not in the passage at all", text) is None


def test_quote_spans_survive_width_changing_normalisation() -> None:
    from negoprep.reading.grounding import quote_spans

    text = "Die Straße\u00ad ist ﬁne, cafe\u0301 au lait"
    for quote in ("strasse ist fine", "fine, café", "café au lait"):
        assert quote_in(quote, text)
        (span,) = quote_spans(quote, text) or []
        assert normalise(text[span[0] : span[1]]) == normalise(quote)
