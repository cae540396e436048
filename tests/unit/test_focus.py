"""Focused calls: slices of an agent's schema, and their assembly without a model."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from negoprep.agents import challenger, counterpart, extractor
from negoprep.agents.focus import NOT_WRITTEN, assemble, check_covers, focus
from negoprep.agents.schemas import Strict


class Inner(Strict):
    x: str


class Report(Strict):
    title: str = Field(description="The title.")
    items: list[str]
    inner: Inner


def test_a_focus_is_a_strict_slice_importable_by_name() -> None:
    part = focus(Report, "head", ("title", "items"), "The title and the items.")
    assert part.schema.__name__ == "ReportHead" and globals()["ReportHead"] is part.schema
    assert set(part.schema.model_fields) == {"title", "items"}
    assert part.schema.model_fields["title"].description == "The title."
    with pytest.raises(ValidationError):
        part.schema.model_validate({"title": "t", "items": [], "inner": {"x": "y"}})
    with pytest.raises(KeyError):
        focus(Report, "bad", ("nope",), "")


def test_focuses_must_write_every_field_exactly_once() -> None:
    head = focus(Report, "head", ("title", "items"), "")
    again = focus(Report, "again", ("items", "inner"), "")
    tail = focus(Report, "tail", ("inner",), "")
    check_covers(Report, (head, tail))
    with pytest.raises(ValueError, match=r"repeat \['items'\]"):
        check_covers(Report, (head, again))
    with pytest.raises(ValueError, match=r"miss \['inner'\]"):
        check_covers(Report, (head,))
    for agent, schema in (
        (extractor, extractor.DealProfile),
        (challenger, challenger.ChallengeReport),
        (counterpart, counterpart.CounterpartProfile),
    ):
        check_covers(schema, agent.FOCUSES)


def test_assembly_keeps_what_was_written_and_marks_what_was_not() -> None:
    head = focus(Report, "head", ("title", "items"), "")
    tail = focus(Report, "tail", ("inner",), "")
    whole, missing = assemble(
        Report,
        (head, tail),
        {
            "head": head.schema(title="T", items=["a"]),
            "tail": tail.schema(inner=Inner(x="y")),
        },
    )
    assert whole == Report(title="T", items=["a"], inner=Inner(x="y")) and missing == []
    only_tail, missing = assemble(Report, (head, tail), {"tail": tail.schema(inner=Inner(x="y"))})
    assert only_tail.title == NOT_WRITTEN and only_tail.items == [] and missing == ["head"]
    # A missing focus that writes a nested object cannot be stood in for: the caller reports it.
    with pytest.raises(ValidationError):
        assemble(Report, (head, tail), {"head": head.schema(title="T", items=[])})
