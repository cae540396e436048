"""Focused calls: one agent's output written by several calls in parallel, merged without a model.

A large schema asked for in one call needs a long output: many servers cap a reply at 4k-8k
tokens, and a run's critical path is the sum of the output tokens of its sequential calls. So the
extractor, the challenger and the counterpart simulator each split their schema into a few
`Focus`es: slices of its fields, each asked for by its own call. The calls of one agent send an
identical prompt prefix (instructions, then the material) and differ only in their last lines,
so a provider's prompt cache serves the repeats. `assemble` puts the slices back together.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, create_model

from negoprep.agents.schemas import Strict

NOT_WRITTEN = "(not written: that part of the analysis failed)"
"""The text a missing focus leaves in a required string field."""


@dataclass(frozen=True)
class Focus:
    """One focused call: a few fields of an agent's schema, with a bounded output."""

    name: str
    """Its call label's last part (`challenger.trades`, `extractor.part-2.parties`)."""
    fields: tuple[str, ...]
    """The fields of the agent's schema it writes."""
    instruction: str
    """What the prompt asks for: the prompt's last part (the prefix is shared by all focuses)."""
    schema: type[BaseModel]
    """The slice of the agent's schema with exactly `fields` (strict, like its parent)."""


def focus(parent: type[BaseModel], name: str, fields: Sequence[str], instruction: str) -> Focus:
    """A focus writing `fields` of `parent`, whose schema is named `<Parent><Name>`.

    The schema is made importable from `parent`'s module under that name, so that checkpoints
    can restore it (they name a type by module and name). Raises `KeyError` for a field that
    `parent` does not have.
    """
    model_fields = {f: parent.model_fields[f] for f in fields}
    schema = create_model(  # type: ignore[call-overload]
        f"{parent.__name__}{name.title()}",
        __base__=Strict,
        __module__=parent.__module__,
        **{f: (info.annotation, info) for f, info in model_fields.items()},
    )
    setattr(sys.modules[parent.__module__], schema.__name__, schema)
    return Focus(name, tuple(fields), instruction, schema)


def check_covers(parent: type[BaseModel], focuses: Sequence[Focus]) -> None:
    """Raise `ValueError` unless `focuses` write every field of `parent` exactly once."""
    written = [f for each in focuses for f in each.fields]
    if sorted(written) != sorted(parent.model_fields):
        missing = sorted(set(parent.model_fields) - set(written))
        twice = sorted({f for f in written if written.count(f) > 1})
        raise ValueError(f"{parent.__name__}: focuses miss {missing} or repeat {twice}")


def assemble(
    parent: type[BaseModel], focuses: Sequence[Focus], parts: Mapping[str, BaseModel]
) -> tuple[Any, list[str]]:
    """One `parent` object from the focused parts (focus name -> its output), without a model;
    and the names of the focuses missing from `parts`.

    A missing focus leaves its list fields empty and its text fields saying it was not written,
    so what the other focuses wrote is kept. Raises `pydantic.ValidationError` when a missing
    focus writes a field that has no such empty value (a nested object).
    """
    values: dict[str, Any] = {}
    missing = []
    for each in focuses:
        part = parts.get(each.name)
        if part is None:
            missing.append(each.name)
        for field in each.fields:
            if part is not None:
                values[field] = getattr(part, field)
            elif parent.model_fields[field].annotation is str:
                values[field] = NOT_WRITTEN
            else:
                values[field] = []
    return parent.model_validate(values), missing
