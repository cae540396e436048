"""Dossiers for rendering tests: built from the schemas over the example case, optionally hostile.

`HOSTILE` is text a case or a model could produce that looks like markup in every format the
dossier is written in; renderers must show it as text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from factories import build

from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import Brief
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary
from negoprep.output.dossier import Dossier, assemble
from negoprep.reading.case import Case
from negoprep.reading.ingest import load_case

REPO = Path(__file__).resolve().parents[1]
HOSTILE = (
    "<script>alert(1)</script> **not bold** _not em_ | not a cell | [a link](http://evil.test) "
    "`tick` &amp; ~~x~~\n# not a heading\n- not an item\n1. not a list"
)


@cache
def example_case() -> Case:
    return load_case(REPO / "cases" / "supplier-claim")


def state(language: str = "English", **changes: Any) -> dict[str, Any]:
    case = example_case()
    kb = ["partial-alternatives"]
    out: dict[str, Any] = {
        "case": case,
        "language": language,
        "profile": DealProfile.model_validate(build(DealProfile, case, kb)),
        "challenge": ChallengeReport.model_validate(build(ChallengeReport, case, kb)),
        "counterpart": CounterpartProfile.model_validate(build(CounterpartProfile, case, kb)),
        "brief": Brief.model_validate(build(Brief, case, kb)),
        "knowledge_used": kb,
    }
    out.update(changes)
    return out


def dossier(st: dict[str, Any] | None = None) -> Dossier:
    return assemble(
        st if st is not None else state(),
        knowledge=KnowledgeBase.load(),
        prompts=PromptLibrary.load(),
        models={"extractor": {"model": "m-1", "response_format": "json_schema"}},
        mode="test",
    )


def hostile_dossier() -> Dossier:
    """Hostile text in a summary, a list item, a bold name, a table cell and an unverified quote."""
    st = state()
    st["profile"].summary = HOSTILE
    st["profile"].facts[0].text = HOSTILE
    st["profile"].parties[0].name = HOSTILE
    st["profile"].facts[0].citations[0].quote = HOSTILE
    d = dossier(st)
    d.case.documents[0].problems = [HOSTILE]
    return d
