"""Pydantic schemas shared by the agents.

Field descriptions double as instructions to the model: they are sent as part of the JSON schema.
All fields are required (strict structured output); "none" is an empty list, never a missing key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Side = Literal["ours", "theirs", "both", "third party"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(Strict):
    passage_id: str = Field(description="Id of the source passage, exactly as given, e.g. 'D2.P4'.")
    quote: str = Field(
        description="A short verbatim quote (5-25 words) copied exactly from that passage."
    )


class Cited(Strict):
    """A statement with the passages it rests on."""

    text: str = Field(description="The statement, in one or two sentences.")
    citations: list[Citation] = Field(description="Passages that support it (at least one).")


def iter_citations(obj: object) -> Iterator[Citation]:
    """Every citation anywhere inside a schema object (models, lists, dicts)."""
    if isinstance(obj, Citation):
        yield obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_citations(getattr(obj, name))
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from iter_citations(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from iter_citations(item)


def iter_kb_refs(obj: object) -> Iterator[str]:
    """Every knowledge-base id named in a `kb_refs` field anywhere inside a schema object."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if name == "kb_refs" and isinstance(value, list):
                yield from (str(v) for v in value)
            else:
                yield from iter_kb_refs(value)
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from iter_kb_refs(item)
