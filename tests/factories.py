"""Valid agent replies built from the schemas themselves, citing real passages of a case.

`example(Model, case, kb_ids)` fills every field: strings with a label, lists with one item,
literals with their first choice, citations with a real passage and a verbatim quote, and
`kb_refs` with knowledge ids. It follows schema changes without edits.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from negoprep.agents.schemas import Citation
from negoprep.reading.case import Case


def cite(case: Case, index: int = 0) -> dict[str, str]:
    passage = case.passages[index % len(case.passages)]
    return {"passage_id": passage.id, "quote": " ".join(passage.text.split()[:8])}


def _value(tp: Any, name: str, case: Case, kb_ids: Sequence[str], counter: list[int]) -> Any:
    origin = typing.get_origin(tp)
    if tp is str:
        return f"{name} {counter[0]}"
    if origin is Literal:
        return typing.get_args(tp)[0]
    if origin is list:
        (inner,) = typing.get_args(tp)
        if name == "kb_refs":
            return list(kb_ids[:1])
        return [_value(inner, name, case, kb_ids, counter)]
    if isinstance(tp, type) and issubclass(tp, Citation):
        counter[0] += 1
        return cite(case, counter[0])
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return build(tp, case, kb_ids, counter)
    raise TypeError(f"no example for {tp!r} ({name})")


def build(
    model: type[BaseModel], case: Case, kb_ids: Sequence[str], counter: list[int] | None = None
) -> dict[str, Any]:
    counter = counter if counter is not None else [0]
    hints = typing.get_type_hints(model, include_extras=False)
    out = {}
    for name in model.model_fields:
        counter[0] += 1
        out[name] = _value(hints[name], name, case, kb_ids, counter)
    return out


def example_json(
    model: type[BaseModel],
    case: Case,
    kb_ids: Sequence[str] = ("partial-alternatives",),
    messages: Sequence[Any] = (),
) -> str:
    """A valid reply; given the request's `messages`, it cites only what the prompt offers:
    the passages of its documents (an extraction part) and its knowledge entries, which the
    schema sent with the request makes enums."""
    if messages:
        kb_ids = given_kb_ids(messages, kb_ids)
        shown = set(given_passage_ids(messages))
        if shown:
            case = case.model_copy(update={"passages": [p for p in case.passages if p.id in shown]})
    return model.model_validate(build(model, case, kb_ids)).model_dump_json()


def _text(messages: Sequence[Any]) -> str:
    return "\n".join(
        str(m.get("content", "")) if isinstance(m, dict) else str(getattr(m, "content", m))
        for m in messages
    )


def given_passage_ids(messages: Sequence[Any]) -> list[str]:
    """The passages whose text a prompt shows (lines ``[id] text``)."""
    return re.findall(r"^\[([^\]\s]+)\] ", _text(messages), flags=re.MULTILINE)


def assessment_data(
    *kinds: str, force: str = "firm", quote: str = "x", **extra: Any
) -> dict[str, Any]:
    """A rehearsal `TurnAssessment` as data: the given kinds of move, nothing else matched."""
    data: dict[str, Any] = {
        "kinds": list(kinds),
        "force": force,
        "quote": quote,
        "probes_hidden_interests": [],
        "pushes_red_lines": [],
        "matches_softeners": [],
        "matches_hardeners": [],
        "process_step": "",
        "user_concession": "",
        "how_they_hear_it": f"They made a {kinds[0]}." if kinds else "I hear it.",
    }
    data.update(extra)
    return data


def given_kb_ids(
    messages: Sequence[Any], default: Sequence[str] = ("partial-alternatives",)
) -> list[str]:
    """The knowledge entries a prompt gave (its ``### [id] title`` headings), else `default`.

    Replies must cite those: they are an enum in the schema the model receives, as a model under
    strict structured output would obey."""
    found = re.findall(r"^### \[([^\]]+)\]", _text(messages), flags=re.MULTILINE)
    return found[:1] or list(default)


def reply_schema(agent: str, call: str, schemas: dict[str, type[BaseModel]]) -> type[BaseModel]:
    """The schema a call is asked for: the agent's, or for a focused call (`extractor.parties`,
    `extractor.part-2.risks`, `challenger.trades`) its focus's slice of the agent's schema."""
    focus = call.rsplit(".", 1)[-1]
    by_name = {f.name: f for f in _focuses().get(agent, ())}
    if focus in by_name:
        return by_name[focus].schema
    return schemas[agent]


def _focuses() -> dict[str, tuple[Any, ...]]:
    from negoprep.agents import challenger, counterpart, extractor

    return {m.NAME: m.FOCUSES for m in (extractor, challenger, counterpart)}


def with_focus_schemas(schemas: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """A schema-name map with the focused calls' schemas added (for HTTP responders)."""
    focused = [f for each in _focuses().values() for f in each]
    return {**schemas, **{f.schema.__name__: f.schema for f in focused}}


def focuses_of(agent: str) -> tuple[Any, ...]:
    """The focused calls (`negoprep.agents.focus.Focus`) `agent` writes its output in; empty
    for an agent that answers in one call."""
    return _focuses().get(agent, ())


def focused_calls(*agents: str) -> list[str]:
    """The labels of the focused calls of `agents` over a whole case, sorted
    (`focused_calls("challenger")` -> ['challenger.alternatives', 'challenger.process', ...])."""
    return sorted(f"{agent}.{f.name}" for agent in agents for f in _focuses()[agent])
