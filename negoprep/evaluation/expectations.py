"""The expectation file: what a good dossier for a case must contain, and must not.

`expect.yaml` beside the case's `case.yaml`::

    expect:
      elements:
        - the delivery date of the first transformer
        - item: a clause saying the payment sets no precedent
          synonyms: [no precedent, non-precedential]
      warnings: [...]
    must_not:
      - item: paying the disputed claim in full
        synonyms: [pay the full claim]

An item is a plain string or a mapping with `item` and optional `synonyms` (short phrases a
dossier covering the item would likely contain verbatim; compared case-insensitively).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from negoprep.evaluation.yamlfile import EvalFileError, load_model

FILE_NAMES = ("expect.yaml", "expect.yml")
Section = Literal[
    "elements",
    "cognitive_traps",
    "partial_alternatives",
    "their_dependencies",
    "warnings",
    "tactical_consent",
    "process_moves",
    "missing_information",
]
SECTIONS: tuple[Section, ...] = get_args(Section)
MUST_NOT = "must_not"
SECTION_TITLES: dict[str, str] = {
    "elements": "Elements at stake",
    "cognitive_traps": "Cognitive traps",
    "partial_alternatives": "Partial alternatives",
    "their_dependencies": "Their dependencies",
    "warnings": "Warnings",
    "tactical_consent": "Tactical consent",
    "process_moves": "Process moves",
    "missing_information": "Missing information",
    MUST_NOT: "Must not appear",
}


class Item(BaseModel):
    """One expected (or forbidden) item: plain words, and phrases that would show it."""

    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=3)
    synonyms: list[str] = Field(default_factory=list)

    @field_validator("item")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an item needs words")
        return " ".join(value.split())

    @field_validator("synonyms")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(str(v).split()) for v in value]
        if any(not v for v in cleaned):
            raise ValueError("a synonym must not be empty")
        return cleaned

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"item": value}
        if isinstance(value, dict) and isinstance(value.get("synonyms"), list):
            # YAML reads `[2026, 27 November]` as a number and a string: both are words here
            scalars = (int, float, datetime.date)
            value = {
                **value,
                "synonyms": [str(v) if isinstance(v, scalars) else v for v in value["synonyms"]],
            }
        return value


class ExpectedSections(BaseModel):
    """Items per section of the five moves; every section optional."""

    model_config = ConfigDict(extra="forbid")

    elements: list[Item] = Field(default_factory=list)
    cognitive_traps: list[Item] = Field(default_factory=list)
    partial_alternatives: list[Item] = Field(default_factory=list)
    their_dependencies: list[Item] = Field(default_factory=list)
    warnings: list[Item] = Field(default_factory=list)
    tactical_consent: list[Item] = Field(default_factory=list)
    process_moves: list[Item] = Field(default_factory=list)
    missing_information: list[Item] = Field(default_factory=list)


class Expectations(BaseModel):
    """A whole expectation file."""

    model_config = ConfigDict(extra="forbid")

    expect: ExpectedSections = Field(default_factory=ExpectedSections)
    must_not: list[Item] = Field(default_factory=list)

    def sections(self) -> dict[str, list[Item]]:
        """Section -> its items, for the sections that have any; `must_not` last."""
        found: dict[str, list[Item]] = {
            s: getattr(self.expect, s) for s in SECTIONS if getattr(self.expect, s)
        }
        if self.must_not:
            found[MUST_NOT] = self.must_not
        return found

    def item_ids(self, section: str) -> list[str]:
        """Stable ids of a section's items: `elements.1`, `elements.2`, ... (1-based)."""
        return [f"{section}.{n}" for n in range(1, len(self.sections().get(section, [])) + 1)]


def find_file(case_dir: Path) -> Path | None:
    """The case's expectation file, or None."""
    return next((case_dir / n for n in FILE_NAMES if (case_dir / n).is_file()), None)


def _known_keys(loc: Sequence[int | str]) -> Sequence[str]:
    if not loc:
        return ("expect", MUST_NOT)
    if tuple(loc) == ("expect",):
        return SECTIONS
    return ("item", "synonyms")


def load_expectations(path: Path) -> Expectations:
    """Read and check an expectation file.

    Raises `EvalFileError` (a `UserError`) naming the file and line: unreadable file, bad
    YAML, an unknown section (with the known ones), an item without words, no item at all.
    """
    expectations = load_model(path, Expectations, "expectation file", _known_keys)
    if not expectations.sections():
        raise EvalFileError(
            f"{path}:1: no items: add some under expect: ({', '.join(SECTIONS)}) or must_not:"
        )
    return expectations
