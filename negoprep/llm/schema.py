"""Rules the model must follow, carried by the JSON schema it receives.

A validator that the model cannot see makes a schema-following model fail. So every rule is put
in the schema: constraints as JSON-schema keywords (``minimum``, ``minItems``, ``enum``, fixed
properties), and ids as enums of the ids that exist. An id type is declared with `id_field(kind)`:
its schema says ``x-negoprep-ids: kind``; `schema_with_ids` replaces that marker with an ``enum``
of the ids of that kind sent with the call (the passages of the case, the knowledge entries given
to the agent), so constrained decoding cannot produce an id that does not exist, and validation
with the same ids (``context={"ids": ...}``) rejects one that a non-enforcing server let through.
A set too large for an enum (more than `MAX_ENUM` values in one schema) is checked only.

A validator whose rule no schema can carry is marked with `not_in_schema`: it must repair or
report, never fail the call (``tests/unit/test_schema_rules.py`` audits every validator).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo

MARKER = "x-negoprep-ids"
MAX_ENUM = 500
"""OpenAI's strict mode allows at most 500 enum values per property (and 1,000 per schema)."""
F = TypeVar("F", bound=Callable[..., Any])


def check_id(kind: str) -> Callable[[str, ValidationInfo], str]:
    """A validator: the value must be one of the `kind` ids in the validation context, if any."""

    def check(value: str, info: ValidationInfo) -> str:
        known = ((info.context or {}).get("ids") or {}).get(kind)
        if known and value not in known:
            raise ValueError(f"'{value}' is not one of the {kind} ids given")
        return value

    check.__schema_rule__ = ("enum", kind)  # type: ignore[attr-defined]
    return check


def id_field(kind: str) -> tuple[AfterValidator, Any]:
    """The metadata of an id type: ``Annotated[str, *id_field("passage")]`` (see module doc)."""
    return AfterValidator(check_id(kind)), Field(json_schema_extra={MARKER: kind})


def not_in_schema(reason: str) -> Callable[[F], F]:
    """Mark a validator whose rule the JSON schema cannot carry (it must repair or report)."""

    def mark(func: F) -> F:
        target: Any = getattr(func, "__func__", func)
        target.__schema_rule__ = ("not in schema", reason)
        return func

    return mark


def schema_with_ids(
    schema: type[BaseModel], ids: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """The strict JSON schema of `schema`, with each id field an enum of the given ids.

    Id kinds with no ids given, or too many for an enum, stay plain strings.
    """
    from openai.lib._pydantic import to_strict_json_schema

    base = to_strict_json_schema(schema)
    ids = ids or {}
    total = sum(len(set(v)) for v in ids.values())
    sent = copy.deepcopy(base)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.pop(MARKER, None)
            values = sorted(set(ids.get(kind, ()))) if kind else []
            if values and total <= MAX_ENUM * 2 and len(values) <= MAX_ENUM:
                node["enum"] = values
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(sent)
    return sent
