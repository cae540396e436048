"""The dossier marks text read by OCR: in the sources table, and on quotes matched closely but
not exactly in OCR text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import build
from readers_fixtures import make_scanned_pdf

from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import OnePageBrief
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.output.dossier import assemble
from negoprep.output.render import render_markdown
from negoprep.reading import ocr
from negoprep.reading.ingest import load_case


@pytest.mark.skipif(
    not ocr.available() and not os.environ.get("CI"), reason="Tesseract is not installed"
)
def test_ocr_sources_and_close_matches_are_marked(tmp_path: Path) -> None:
    root = tmp_path / "case"
    root.mkdir()
    (root / "signed.pdf").write_bytes(
        make_scanned_pdf([["Contract signed 12 March 2024.", "The price is EUR 2,380,000."]])
    )
    case = load_case(root)
    kb = ["partial-alternatives"]
    profile = DealProfile.model_validate(build(DealProfile, case, kb))
    profile.facts[0].citations[0].passage_id = "D1.p1.P1"
    profile.facts[0].citations[0].quote = "The price is EUR 2.380.000"
    profile.facts[0].citations.append(
        profile.facts[0].citations[0].model_copy(update={"quote": "Contract signed 12 March 2024"})
    )
    state = {
        "case": case,
        "language": "English",
        "profile": profile,
        "challenge": ChallengeReport.model_validate(build(ChallengeReport, case, kb)),
        "counterpart": CounterpartProfile.model_validate(build(CounterpartProfile, case, kb)),
        "one_page_brief": OnePageBrief.model_validate(build(OnePageBrief, case, kb)),
        "knowledge_used": kb,
    }
    dossier = assemble(
        state, knowledge=KnowledgeBase.load(), prompts=PromptLibrary.load(), models={}, mode="t"
    )
    markdown = render_markdown(dossier)
    assert "D1.p1.P1 “The price is EUR 2.380.000” (≈ OCR text, close match)" in markdown
    assert "D1.p1.P1 “Contract signed 12 March 2024” (OCR text)" in markdown
    assert "| D1 | `signed.pdf` | read | 1 | read by OCR: page 1 (Tesseract (eng" in markdown
    assert "Quotes matched closely but not exactly in text read by OCR: D1.p1.P1" in markdown
    assert dossier.grounding.unverified == 0
