"""Rendering: every section present, unverified quotes marked, failures said, labels localised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dossier_examples
import pytest

from negoprep.agents.extractor import DealProfile
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.output.dossier import assemble
from negoprep.output.labels import table_for
from negoprep.output.render import render_markdown
from negoprep.reading.case import Case
from negoprep.reading.ingest import load_case


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(Path(__file__).resolve().parents[2] / "cases" / "supplier-claim")


def state(case: Case, language: str = "English", **changes: Any) -> dict[str, Any]:
    """The example's agent outputs (built from their schemas) for `case`."""
    return dossier_examples.state(language, case=case, **changes)


def render(st: dict[str, Any]) -> str:
    dossier = assemble(
        st, knowledge=KnowledgeBase.load(), prompts=PromptLibrary.load(), models={}, mode="test"
    )
    return render_markdown(dossier)


def test_every_item_is_rendered_with_its_sources(case: Case) -> None:
    st = state(case)
    markdown = render(st)
    profile: DealProfile = st["profile"]
    for element in profile.elements:
        assert element.name in markdown
    for citation in profile.elements[0].citations:
        assert f"{citation.passage_id} “{citation.quote}”" in markdown
    assert "⚠ unverified" not in markdown
    assert st["one_page_brief"].next_wise_move.opening_words in markdown


def test_unverified_quote_is_marked_where_it_stands_and_in_the_appendix(case: Case) -> None:
    st = state(case)
    st["profile"].facts[0].citations[0].quote = "words that are nowhere in the case"
    markdown = render(st)
    assert "“words that are nowhere in the case” ⚠ unverified: quote not in passage" in markdown
    assert "### Citations not verified (1 of" in markdown
    assert "citations verified:" in markdown and "(1 marked ⚠ unverified)" in markdown


def test_unknown_knowledge_id_is_marked(case: Case) -> None:
    st = state(case)
    st["challenge"].warnings[0].kb_refs = ["no-such-entry"]
    markdown = render(st)
    assert "no-such-entry ⚠ unverified: no such entry" in markdown
    assert "Knowledge ids named but not in the knowledge base: no-such-entry" in markdown


def test_failed_agent_section_says_why_and_how_to_resume(case: Case) -> None:
    st = state(case, challenge=None, failures={"challenger": "provider error 503: overloaded"})
    markdown = render(st)
    assert "**INCOMPLETE**" in markdown
    assert "> ⚠ **challenger:** provider error 503: overloaded" in markdown
    assert markdown.count("Missing: the challenger did not produce this part") == 3
    assert "negoprep prepare --resume RUN_DIR" in markdown
    assert "## 3. Their alternatives and dependencies" in markdown, "other sections are kept"


def test_norwegian_dossier_gets_norwegian_headings(case: Case) -> None:
    markdown = render(state(case, language="Norwegian"))
    assert "# Forberedelsesdossier:" in markdown
    assert "## 1. Utvid synsfeltet" in markdown
    assert "## 1. Widen the field of vision" not in markdown
    assert "[penger]" in markdown, "fixed values are translated too"
    assert "«" in markdown and "“" not in markdown, "Norwegian quotation marks"
    assert "## Vedlegg" in markdown
    english = render(state(case))
    assert "## 1. Widen the field of vision" in english and "Utvid" not in english


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [
        ("Norwegian", True),
        ("no", True),
        ("Norwegian (Bokmål)", True),
        ("nb", True),
        ("English", False),
        ("German", False),
    ],
)
def test_label_table_choice(language: str, norwegian: bool) -> None:
    assert bool(table_for(language)) is norwegian
