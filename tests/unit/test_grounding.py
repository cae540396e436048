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


def passage(pid: str, text: str, ocr: bool = False) -> Passage:
    return Passage(id=pid, doc_id=pid.split(".")[0], text=text, locator="paragraph 1", ocr=ocr)


def test_line_end_hyphenation_does_not_decide_verification() -> None:
    # A PDF line ending in "Sep-" before "tember": the faithful quote verifies.
    passages = {"D1.P1": passage("D1.P1", "Delivery no later than 30 Sep-\ntember 2025.")}
    faithful = check_citation(
        Citation(passage_id="D1.P1", quote="no later than 30 September"), passages
    )
    assert faithful.status == "verified"
    # and a passage that reads as the page does verifies the hyphenated quote too
    clean = {"D1.P1": passage("D1.P1", "Delivery no later than 30 September 2025.")}
    assert check_citation(Citation(passage_id="D1.P1", quote="30 Sep- tember"), clean).verified


def test_ligatures_and_soft_hyphens_are_folded() -> None:
    passages = {"D1.P1": passage("D1.P1", "The ﬁnal oﬀer is con\u00adﬁrmed.")}
    check = check_citation(Citation(passage_id="D1.P1", quote="final offer is confirmed"), passages)
    assert check.status == "verified"


def test_hyphens_between_digits_still_count() -> None:
    passages = {"D1.P1": passage("D1.P1", "Delivery in 1-2 weeks.")}
    assert not check_citation(Citation(passage_id="D1.P1", quote="in 12 weeks"), passages).verified


def test_ocr_passages_accept_close_matches_and_say_so() -> None:
    ocr = {"D1.p1.P1": passage("D1.p1.P1", "The Contract Prlce is EUR 2,38O,000 net.", ocr=True)}
    check = check_citation(
        Citation(passage_id="D1.p1.P1", quote="The Contract Price is EUR 2,380,000"), ocr
    )
    assert check.status == "verified approximately (OCR)" and check.verified
    assert check.approximate
    text = {"D1.P1": passage("D1.P1", "The Contract Prlce is EUR 2,38O,000 net.")}
    exact_only = check_citation(
        Citation(passage_id="D1.P1", quote="The Contract Price is EUR 2,380,000"), text
    )
    assert exact_only.status == "quote not in passage"
    unrelated = check_citation(Citation(passage_id="D1.p1.P1", quote="we accept the claim"), ocr)
    assert not unrelated.verified


def test_quotes_not_in_their_passage_are_found_in_one_pass(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import negoprep.reading.grounding as grounding

    passages = {
        f"D{i}.P1": passage(f"D{i}.P1", f"Clause {i}: the buyer pays {i * 7} units by March.")
        for i in range(1, 301)
    }
    citations = [
        Citation(passage_id="D1.P1", quote=f"the buyer pays {i * 7} units") for i in range(2, 52)
    ]
    citations.append(Citation(passage_id="D9.P9", quote="nowhere in the case"))
    calls = []
    real = grounding.normalise
    monkeypatch.setattr(grounding, "normalise", lambda text: calls.append(text) or real(text))
    checks = check_all(citations, passages)
    assert [c.found_in for c in checks[:3]] == [["D2.P1"], ["D3.P1"], ["D4.P1"]]
    assert checks[-1].status == "unknown passage" and checks[-1].found_in == []
    # each passage is normalised at most once for the search, plus the cited one and the quotes
    passage_calls = [t for t in calls if t.startswith("Clause")]
    assert len(passage_calls) <= len(passages) + 1


def test_search_reports_progress() -> None:
    from negoprep.reading import grounding

    passages = [passage(f"D{i}.P1", f"text {i}") for i in range(12_000)]
    seen: list[tuple[int, int]] = []
    found = grounding.find_quotes(
        ["text 11999"], passages, len(passages), lambda d, t: seen.append((d, t))
    )
    assert found == {"text 11999": ["D11999.P1"]}
    assert seen == [(5000, 12000), (10000, 12000), (12000, 12000)]


def test_quote_spans_across_a_line_end_hyphen() -> None:
    from negoprep.reading.grounding import quote_spans

    text = "Delivery no later than 30 Sep-\ntember 2026, as agreed."
    (span,) = quote_spans("no later than 30 September", text) or []
    assert text[span[0] : span[1]] == "no later than 30 Sep-\ntember"


def test_the_ascii_fast_path_folds_exactly_as_the_general_one() -> None:
    import random
    import string

    from negoprep.reading.grounding import _fold, _fold_ascii, quote_spans

    rnd = random.Random(7)
    alphabet = string.printable + "--  \x1c"
    texts = ["", "  A-\n  b  ", "Re-\nnegotiate  THE  price\t"] + [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60))) for _ in range(3000)
    ]
    for text in texts:
        assert _fold_ascii(text) == _fold(text), repr(text)
    assert quote_spans("the price", "Re-\nnegotiate  THE  price\t") == [(15, 25)]
