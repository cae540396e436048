"""Pydantic schemas shared by the agents.

Field descriptions double as instructions to the model: they are sent as part of the JSON schema.
All fields are required (strict structured output); "none" is an empty list, never a missing key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from negoprep.llm.schema import MARKER, check_id

Side = Literal["ours", "theirs", "both", "third party"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


PassageId = Annotated[
    str, AfterValidator(check_id("passage")), Field(json_schema_extra={MARKER: "passage"})
]
"""A passage id: an enum of the passages sent with the call (see `negoprep.llm.schema`)."""
KbId = Annotated[str, AfterValidator(check_id("kb")), Field(json_schema_extra={MARKER: "kb"})]
"""A knowledge entry id: an enum of the entries sent with the call."""
KB_REFS_DESCRIPTION = "Ids of the knowledge entries this rests on (from the list given)."


class Citation(Strict):
    passage_id: PassageId = Field(
        description="Id of the source passage, exactly as given, e.g. 'D2.P4'."
    )
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


_PASSAGE_LINE = re.compile(r"^\[([^\]\s]+)\] ", flags=re.MULTILINE)


def passage_ids_in(documents: str) -> list[str]:
    """The ids of the passages in documents rendered by `negoprep.reading.parts.render_passages`
    (each passage a line starting ``[id] ``), in order."""
    return list(dict.fromkeys(_PASSAGE_LINE.findall(documents)))


def cited_ids(obj: object) -> list[str]:
    """The passage ids cited anywhere inside a schema object, in order."""
    return list(dict.fromkeys(c.passage_id for c in iter_citations(obj)))
