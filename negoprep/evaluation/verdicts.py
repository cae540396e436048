"""One verdict per expected item, whoever gave it (the model judge or the keyword check)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Covered = Literal["yes", "partly", "no"]
Method = Literal["judge", "keywords"]
SCORE: dict[str, float] = {"yes": 1.0, "partly": 0.5, "no": 0.0}
"""What a verdict counts towards coverage."""


class ItemVerdict(BaseModel):
    """The verdict on one item.

    For an expected item, `covered` says whether the dossier contains it; for a `must_not`
    item, whether the dossier contains (advises) it, so there "yes" is a failure.
    """

    id: str
    """`<section>.<n>`, e.g. `elements.2` (1-based, in the file's order)."""
    section: str
    item: str
    covered: Covered
    reason: str
    passage: str = ""
    """The dossier entry the verdict rests on (e.g. `challenge.warnings[2]`); '' if none."""
    evidence: str = ""
    """The words in that entry it rests on."""
    method: Method
