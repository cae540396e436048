"""Every rule the model must follow is in the schema it receives (the validator audit).

For each schema sent to a model, every validator and every field constraint is listed, and the
audit fails for one whose rule the JSON schema does not carry: a constraint must appear as its
JSON-schema keyword (``minimum``, ``minItems``, ``pattern``, ...), an id check as an ``enum`` of
the ids sent, and any other validator must be marked `not_in_schema` (then it repairs or reports,
never fails the call). The tests of the audit itself show that it can fail.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any

import annotated_types
import pytest
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
from test_schemas_strict import SCHEMAS

from negoprep.llm.schema import MARKER, check_id, schema_with_ids

KEYWORDS: dict[type, tuple[str, ...]] = {
    annotated_types.Ge: ("minimum",),
    annotated_types.Gt: ("exclusiveMinimum",),
    annotated_types.Le: ("maximum",),
    annotated_types.Lt: ("exclusiveMaximum",),
    annotated_types.MinLen: ("minItems", "minLength"),
    annotated_types.MaxLen: ("maxItems", "maxLength"),
}
SAMPLE_IDS = {"passage": ["D1.P1", "D1.P2"], "kb": ["kb-one", "kb-two"]}


def models_in(schema: type[BaseModel]) -> list[type[BaseModel]]:
    """`schema` and every model nested in its fields, once each."""
    found: list[type[BaseModel]] = []

    def visit(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp in found:
                return
            found.append(tp)
            for f in tp.model_fields.values():
                visit(f.annotation)
        for arg in typing.get_args(tp):
            visit(arg)

    visit(schema)
    return found


def _rule_of(func: Any) -> tuple[str, str] | None:
    func = getattr(func, "__func__", func)
    return getattr(func, "__schema_rule__", None)


def _check_metadata(where: str, metadata: list[Any], prop: dict[str, Any]) -> list[str]:
    problems = []
    for item in metadata:
        general = getattr(item, "pattern", None)
        if general is not None and "pattern" not in prop:
            problems.append(f"{where}: pattern {general!r} is not in the schema")
        for kind, words in KEYWORDS.items():
            if isinstance(item, kind) and not any(w in prop for w in words):
                problems.append(f"{where}: {kind.__name__} is not in the schema ({words})")
        func = getattr(item, "func", None)
        if func is not None:
            rule = _rule_of(func)
            if rule is None:
                problems.append(f"{where}: validator {func.__name__} is not in the schema")
            elif rule[0] == "enum" and "enum" not in prop:
                problems.append(f"{where}: the {rule[1]} ids are not an enum in the schema")
    return problems


def audit(schema: type[BaseModel], sent: dict[str, Any] | None = None) -> list[str]:
    """Every rule of `schema` that the JSON schema sent (default: built with sample ids) lacks."""
    sent = sent if sent is not None else schema_with_ids(schema, SAMPLE_IDS)
    problems: list[str] = []
    for model in models_in(schema):
        definition = sent if model is schema else sent.get("$defs", {}).get(model.__name__, {})
        decorators = model.__pydantic_decorators__
        for kind in ("field_validators", "model_validators", "validators", "root_validators"):
            for name, dec in getattr(decorators, kind).items():
                if _rule_of(dec.func) is None:
                    problems.append(f"{model.__name__}.{name}: validator not in the schema")
        for name, info in model.model_fields.items():
            prop = definition.get("properties", {}).get(info.alias or name, {})
            where = f"{model.__name__}.{name}"
            problems += _check_metadata(where, list(info.metadata), prop)
            if typing.get_origin(info.annotation) is list:
                (inner,) = typing.get_args(info.annotation)
                if typing.get_origin(inner) is Annotated:
                    meta = list(getattr(inner, "__metadata__", ()))
                    problems += _check_metadata(f"{where}[]", meta, prop.get("items", {}))
    return problems


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_every_rule_is_in_the_schema_the_model_receives(schema: type[BaseModel]) -> None:
    assert audit(schema) == []


def test_every_validator_of_every_schema_is_listed() -> None:
    """The audit sees the validators that exist: the id checks, and the debrief's constraints."""
    seen = []
    for schema in SCHEMAS:
        for model in models_in(schema):
            for name, info in model.model_fields.items():
                args = typing.get_args(info.annotation)
                meta = list(info.metadata) + [
                    m for a in args for m in getattr(a, "__metadata__", ())
                ]
                if meta:
                    seen.append(f"{model.__name__}.{name}")
    for expected in ("Citation.passage_id", "HiddenTrade.kb_refs", "Score.score", "Score.evidence"):
        assert expected in seen
    assert "DebriefReply.do_differently" in seen


# --- the audit can fail -------------------------------------------------------------------


class Unmarked(BaseModel):
    score: int = Field(ge=1, le=5)
    items: list[str] = Field(min_length=1)
    ref: Annotated[
        str, AfterValidator(check_id("passage")), Field(json_schema_extra={MARKER: "passage"})
    ]

    @field_validator("items")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("no duplicates")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Unmarked:
        return self


def test_the_audit_fails_for_a_validator_the_schema_cannot_show() -> None:
    problems = audit(Unmarked)
    assert "Unmarked._no_duplicates: validator not in the schema" in problems
    assert "Unmarked._consistent: validator not in the schema" in problems


def test_the_audit_fails_for_a_constraint_or_an_id_set_the_schema_lacks() -> None:
    sent = schema_with_ids(Unmarked)  # no ids given: no enum
    del sent["properties"]["score"]["maximum"]
    del sent["properties"]["items"]["minItems"]
    problems = audit(Unmarked, sent)
    assert "Unmarked.score: Le is not in the schema (('maximum',))" in problems
    assert any(p.startswith("Unmarked.items: MinLen") for p in problems)
    assert "Unmarked.ref: the passage ids are not an enum in the schema" in problems
