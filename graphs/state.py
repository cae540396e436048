"""The preparation graph's state, input and output.

Input: `{"case_dir": "<path>"}` (the API the LangGraph server exposes; keep the name). Output:
`dossier` (the content of dossier.json) and `dossier_md` (its Markdown). In between, every
agent's output under the state key the agent table gives it (`negoprep.agents.registry`).
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, NotRequired

from pydantic import BaseModel
from typing_extensions import TypedDict

from negoprep.agents.base import CallRecord
from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import OnePageBrief
from negoprep.reading.case import Case


def merge_failures(left: dict[str, str], right: dict[str, str]) -> dict[str, str]:
    """Parallel nodes each report their own failures; keep them all."""
    return {**(left or {}), **(right or {})}


def merge_extras(left: dict[str, BaseModel], right: dict[str, BaseModel]) -> dict[str, BaseModel]:
    return {**(left or {}), **(right or {})}


class PrepInput(TypedDict):
    case_dir: str
    """The case folder (absolute, or relative to the process's working folder)."""
    redo: NotRequired[dict[str, str]]
    """Agent name -> the user's note: run that agent again (and what depends on it), with the
    note in its prompt. The earlier dossier stays in the run folder's `previous/`."""


class PrepOutput(TypedDict, total=False):
    dossier: dict[str, Any]
    """The dossier as data: the content of dossier.json."""
    dossier_md: str
    """The dossier as Markdown: the content of dossier.md."""


class PartProfile(TypedDict):
    """One focused part (`negoprep.agents.extractor.FOCUSES`) of one part of the case."""

    index: int
    scope: str
    focus: str
    profile: BaseModel
    """That focus's sections (its schema is a slice of `DealProfile`)."""


class AnalysisPart(TypedDict):
    """One focused part of an analyst's output (`FOCUSES` of the challenger or the counterpart
    simulator), kept as it arrives so that an interrupted run keeps every finished call."""

    agent: str
    focus: str
    output: BaseModel
    """That focus's fields (its schema is a slice of the agent's schema)."""
    knowledge: list[str]
    """The ids of the knowledge entries the call was given (the challenger's; else empty)."""


class PartInput(TypedDict):
    """What one extraction call over a part of the case is sent (by `Send`)."""

    index: int
    total: int
    scope: str
    documents: str
    case_brief: str
    language: str
    focus: str
    """Which focused call this is (`negoprep.agents.extractor.FOCUSES`)."""


class PrepState(PrepInput, PrepOutput, total=False):
    case: Case
    """The case as read for this pass (documents, passages, content hashes of the files)."""
    reread: list[str]
    """Files new, changed or removed since the previous pass of this run (then re-extracted)."""
    language: str
    """The language the dossier is written in (a name such as 'English')."""
    planned: list[PartInput]
    """The parts the case is read in (one when it fits a single extraction call)."""
    part_profiles: Annotated[list[PartProfile], operator.add]
    """Deal profiles of the parts of a case too large for one extraction call."""
    part_failures: Annotated[list[str], operator.add]
    """Parts that could not be extracted, with the reason."""
    profile: DealProfile | None
    analysis_parts: Annotated[list[AnalysisPart], operator.add]
    """The focused parts of the challenger's and the counterpart simulator's outputs."""
    analysis_failures: Annotated[dict[str, str], merge_failures]
    """'<agent>.<focus>' -> why that focused call failed (this pass)."""
    challenge: ChallengeReport | None
    counterpart: CounterpartProfile | None
    one_page_brief: OnePageBrief | None
    """The one-page brief (the synthesis's output)."""
    knowledge_used: list[str]
    extras: Annotated[dict[str, BaseModel], merge_extras]
    """Outputs of the additional agents registered in `agents.registry`, by agent name."""
    calls: Annotated[list[CallRecord], operator.add]
    """Every model call made, over every pass of the run: agent, model, prompt, tokens, time."""
    failures: Annotated[dict[str, str], merge_failures]
    """Agent name -> why it failed or was skipped (this pass)."""
    notes: Annotated[dict[str, str], merge_failures]
    """Agent name -> the user's note for it (from a redo), kept for later passes."""
    reviewed: bool
    """Whether the user has reviewed (and perhaps corrected) the deal profile."""
    user_changes: list[str]
    """What the user changed in the deal profile at the review, one line each."""
