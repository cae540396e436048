"""The preparation graph's state, input and output."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from pydantic import BaseModel

from negoprep.agents.base import CallRecord
from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.synthesis import Brief
from negoprep.reading.case import Case


def merge_failures(left: dict[str, str], right: dict[str, str]) -> dict[str, str]:
    """Parallel nodes each report their own failures; keep them all."""
    return {**(left or {}), **(right or {})}


def merge_extras(left: dict[str, BaseModel], right: dict[str, BaseModel]) -> dict[str, BaseModel]:
    return {**(left or {}), **(right or {})}


class PrepInput(TypedDict, total=False):
    case: Case
    """The ingested case (brief, documents, passages)."""
    language: str
    """The language the dossier is written in (a name such as 'English', or a description)."""
    profile: DealProfile | None
    """Given when resuming: a deal profile from an earlier run is reused, not extracted again."""
    challenge: ChallengeReport | None
    """Given when resuming: reused."""
    knowledge_used: list[str]
    counterpart: CounterpartProfile | None
    """Given when resuming: reused."""
    brief: Brief | None
    """Given when resuming: reused."""
    extras: Annotated[dict[str, BaseModel], merge_extras]
    """Outputs of the additional agents registered in `negoprep.agents.registry`, by agent name."""


class PartProfile(TypedDict):
    index: int
    scope: str
    profile: DealProfile


class PartInput(TypedDict):
    index: int
    total: int
    scope: str
    documents: str
    case: Case
    language: str


class PrepState(PrepInput, total=False):
    planned: list[PartInput]
    """The parts the case is read in (one when it fits a single extraction call)."""
    part_profiles: Annotated[list[PartProfile], operator.add]
    """Deal profiles of the parts of a case too large for one extraction call."""
    part_failures: Annotated[list[str], operator.add]
    """Parts that could not be extracted, with the reason."""
    calls: Annotated[list[CallRecord], operator.add]
    """Every model call made: which agent, model, prompt version, tokens, time."""
    failures: Annotated[dict[str, str], merge_failures]
    """Agent name -> why it failed or was skipped."""
