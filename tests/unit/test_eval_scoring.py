"""The evaluation's pieces on their own: expectation files, the keyword check, the report's diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from negoprep.evaluation.expectations import (
    MUST_NOT,
    SECTIONS,
    Expectations,
    Item,
    load_expectations,
)
from negoprep.evaluation.judge import SectionResult
from negoprep.evaluation.keywords import check_item, check_section
from negoprep.evaluation.report import case_report, diff, overall
from negoprep.evaluation.sections import Entry, entries_for
from negoprep.evaluation.table import render_diff, render_table
from negoprep.evaluation.yamlfile import EvalFileError
from negoprep.reading.ingest import load_case

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [REPO / "cases" / "supplier-claim", REPO / "cases" / "kommune-arkivsystem"]


@pytest.mark.parametrize("case_dir", EXAMPLES, ids=lambda p: p.name)
def test_the_examples_expectation_files_follow_the_format(case_dir: Path) -> None:
    expectations = load_expectations(case_dir / "expect.yaml")
    sections = expectations.sections()
    for section in SECTIONS:
        assert 2 <= len(sections[section]) <= 5, section
    assert 1 <= len(sections[MUST_NOT]) <= 3
    assert expectations.item_ids("warnings")[0] == "warnings.1"


def test_expect_yaml_is_not_read_as_a_case_document() -> None:
    case = load_case(EXAMPLES[0])
    assert all("expect" not in d.path for d in case.documents)
    assert all(d.status in ("read", "read with warnings") for d in case.documents)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("expect:\n  elements:\n    - fine item\n  warnigns: [x]\n", 4, "use one of: elements"),
        (
            "expect:\n  warnigns:\n    - name the risk\n",
            2,
            "warnigns: unknown key",
        ),  # the key's line
        ("expect:\n  elements:\n    - item: ''\n", 3, "at least 3 characters"),
        ("expect:\n  elements: [a, b\n", 3, "not valid YAML"),
        ("must_not:\n  - synonyms: [x]\n", 2, "item: Field required"),
        ("- just a list\n", 1, "must be a mapping"),
        ("expect: {}\n", 1, "no items"),
    ],
)
def test_a_bad_expectation_file_is_one_error_naming_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "expect.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalFileError) as info:
        load_expectations(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message and "\n" not in message


def test_synonyms_that_yaml_reads_as_numbers_or_dates_are_words(tmp_path: Path) -> None:
    path = tmp_path / "expect.yaml"
    path.write_text(
        "expect:\n  elements:\n    - item: the year\n      synonyms: [2026, 2026-11-27]\n"
    )
    item = load_expectations(path).expect.elements[0]
    assert item.synonyms == ["2026", "2026-11-27"]


def test_a_synonym_in_an_entry_covers_an_item_and_names_the_entry() -> None:
    entries = [
        Entry("profile.elements[1]", "Copper for T2 and T3"),
        Entry("profile.elements[2]", "A non-precedential clause in the settlement"),
    ]
    item = Item(item="a clause saying the payment sets no precedent", synonyms=["non-precedential"])
    verdict = check_item(item, "elements.1", "elements", entries)
    assert (verdict.covered, verdict.passage, verdict.method) == (
        "yes",
        "profile.elements[2]",
        "keywords",
    )
    assert verdict.evidence == "non-precedential"


def test_words_of_an_item_cover_it_wholly_or_partly_and_longer_forms_count() -> None:
    entries = [Entry("e[1]", "The delivered transformers arrive before the outage window.")]
    whole = check_item(Item(item="delivery of the transformer"), "x.1", "elements", entries)
    part = check_item(
        Item(item="delivery of the transformer with bushings"), "x.2", "elements", entries
    )
    none = check_item(Item(item="copper price hedging"), "x.3", "elements", entries)
    assert (whole.covered, part.covered, none.covered) == ("yes", "partly", "no")
    assert none.passage == "" and "too few" in none.reason


def test_a_must_not_item_is_found_only_by_its_words_not_by_overlap() -> None:
    entries = [
        Entry("challenge.process_moves[1]", "Pay the claim, but only after an expert review")
    ]
    items = [
        Item(item="paying the disputed claim in full", synonyms=["pay the full claim"]),
        Item(item="paying before any review", synonyms=["pay the claim"]),
    ]
    verdicts = check_section(MUST_NOT, items, entries)
    assert [v.covered for v in verdicts] == ["no", "yes"]


def _dossier() -> dict[str, Any]:
    return {
        "status": "complete",
        "mode": "replay",
        "profile": {"elements": [{"name": "Release of T1", "citations": [{"quote": "bond"}]}]},
        "challenge": {
            "warnings": [
                {
                    "threat_to_avoid": "We will call the performance bond.",
                    "warning": "If T1 misses the sailing, both of us lose.",
                    "shared_risk": "the window",
                    "kb_refs": ["warnings-not-threats"],
                }
            ],
            "assumptions_challenged": [
                {"assumption": "We must pay the full claim.", "challenge": "No.", "reframe": "x"}
            ],
        },
        "counterpart": {"phrases_to_avoid": [{"phrase": "pay the full claim", "why": "x"}]},
        "one_page_brief": {"goal": "Get T1 shipped."},
        "grounding": {"total": 3, "verified": 2, "unverified": 1, "unknown_kb_refs": ["nope"]},
    }


def test_must_not_reads_the_advice_not_the_threats_to_avoid_or_beliefs_challenged() -> None:
    dossier = _dossier()
    advice = " ".join(e.text for e in entries_for(dossier, MUST_NOT))
    assert "performance bond" not in advice and "must pay the full claim" not in advice
    assert "both of us lose" in advice
    warnings = " ".join(e.text for e in entries_for(dossier, "warnings"))
    assert "performance bond" in warnings  # a threat named to avoid covers a warnings item
    assert "bond" not in " ".join(e.text for e in entries_for(dossier, "elements"))  # no quotes


def _report(covered: dict[str, str], name: str = "case") -> Any:
    expectations = Expectations.model_validate(
        {
            "expect": {"elements": ["release of T1", "the bond"]},
            "must_not": ["paying in full"],
        }
    )
    results = []
    for section, items in expectations.sections().items():
        verdicts = check_section(section, items, [])
        verdicts = [v.model_copy(update={"covered": covered.get(v.id, "no")}) for v in verdicts]
        results.append(SectionResult(section, verdicts, "keywords"))
    return case_report(
        case=name,
        case_dir="c",
        run_dir="r",
        dossier=_dossier(),
        markdown="one two three",
        results=results,
        judge_model=None,
    )


def test_the_report_counts_coverage_grounding_and_length() -> None:
    case = _report({"elements.1": "yes", "elements.2": "partly", "must_not.1": "yes"})
    assert case.coverage == 0.75 and case.expected_items == 2
    assert case.must_not_found == ["paying in full"]
    assert (case.grounding.verified, case.grounding.unverified) == (2, 1)
    assert case.grounding.unknown_knowledge_ids == ["nope"] and case.grounding.knowledge_ids == 1
    assert case.length.words == 3
    table = render_table(overall([case], threshold=0.8))
    assert "| Elements at stake | 1.5/2 |" in table and "below it: case, overall" in table


def test_the_diff_against_a_baseline_shows_each_item_gained_and_lost() -> None:
    before = overall([_report({"elements.1": "yes", "must_not.1": "yes"})], None)
    after = overall([_report({"elements.2": "yes", "must_not.1": "no"})], None)
    d = diff(after, before, "old/report.json")
    assert {(c.section, c.item, c.before, c.after) for c in d.gained} == {
        ("elements", "the bond", "no", "yes"),
        ("must_not", "paying in full", "yes", "no"),
    }
    assert [(c.item, c.before, c.after) for c in d.lost] == [("release of T1", "yes", "no")]
    assert d.coverage_before == d.coverage_after == 0.5
    assert d.not_compared == []


def test_a_case_in_only_one_report_is_named_not_compared_item_by_item() -> None:
    before = overall([_report({"elements.1": "yes"}), _report({}, name="other")], None)
    after = overall([_report({"elements.1": "yes"})], None)
    d = diff(after, before, "old/report.json")
    assert d.not_compared == ["other"] and not (d.gained or d.lost or d.changed)
    assert any("Not compared (in only one of the two reports): other" in x for x in render_diff(d))
