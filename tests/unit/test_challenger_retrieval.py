"""Which knowledge entries the challenger is shown for a real case profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from negoprep.agents.challenger import retrieval_queries, retrieve
from negoprep.agents.extractor import FOCUSES, DealProfile, assemble_profile
from negoprep.knowledge.base import MOVES, KnowledgeBase

CASES = Path(__file__).resolve().parents[2] / "cases"


def profile_of(case: str) -> DealProfile:
    """The example's hand-written deal profile, from its focused parts."""
    folder = CASES / case / "cassettes" / "handwritten"
    parts = {
        f.name: f.schema.model_validate_json((folder / f"extractor.{f.name}.json").read_text())
        for f in FOCUSES
    }
    profile, missing = assemble_profile(parts)
    assert missing == []
    return profile


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_example_case_gets_its_core_entries_across_all_moves(kb: KnowledgeBase) -> None:
    entries = retrieve(kb, profile_of("supplier-claim"))
    ids = {e.id for e in entries}
    assert len(entries) == 10 and len(ids) == 10
    assert {
        "partial-alternatives",
        "warnings-not-threats",
        "independent-verification",
        "separate-the-issues",
    } <= ids
    assert all(any(move in e.moves for e in entries) for move in MOVES)


def test_english_search_terms_carry_a_non_english_profile(kb: KnowledgeBase) -> None:
    profile = profile_of("supplier-claim")
    norwegian = profile.model_copy(
        update={
            "summary": "Leverandøren holder tilbake den første transformatoren til kravet er avgjort.",
            "elements": [],
            "interests": [],
            "cognitive_traps": [],
        }
    )
    assert retrieval_queries(norwegian) == profile.search_terms
    with_terms = {e.id for e in retrieve(kb, norwegian)}
    without = {e.id for e in retrieve(kb, norwegian.model_copy(update={"search_terms": []}))}
    assert {"partial-alternatives", "warnings-not-threats"} <= with_terms
    assert without == set(), "nothing to search with: nothing is made up"
