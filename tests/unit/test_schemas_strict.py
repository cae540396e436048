"""Every schema a model is asked to fill is accepted by strict structured output.

OpenAI's strict mode (and servers that copy it) rejects a schema unless every object lists all
of its properties as required, forbids additional properties, and has no defaults. A schema
that breaks this fails only against a live provider, so it is checked here, offline.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from negoprep.agents.registry import all_agents
from negoprep.llm.structured import response_format_for

SCHEMAS = list(dict.fromkeys(schema for agent in all_agents() for schema in agent.schemas))
"""Every schema any agent of the agent table sends to a model (the validator audit in
test_schema_rules.py uses it too)."""


def objects(node: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            found.append((path, node))
        for key, value in node.items():
            found.extend(objects(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(objects(value, f"{path}[{i}]"))
    return found


def defaults(node: Any, path: str = "$") -> list[str]:
    if isinstance(node, dict):
        here = [path] if "default" in node else []
        return here + [
            p for k, v in node.items() if k != "default" for p in defaults(v, f"{path}.{k}")
        ]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in defaults(v, f"{path}[{i}]")]
    return []


def strict_problems(sent: dict[str, Any]) -> list[str]:
    """Why strict structured output would reject the schema (empty: it accepts it)."""
    found = objects(sent)
    problems = [] if found else ["the schema has no objects"]
    for path, obj in found:
        if obj.get("additionalProperties") is not False:
            problems.append(f"{path} allows extra properties")
        if sorted(obj.get("required", [])) != sorted(obj.get("properties", {})):
            problems.append(f"{path}: not all required")
    problems += [f"{p}: a default (strict mode rejects defaults)" for p in defaults(sent)]
    return problems


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_schema_is_strict(schema: type[BaseModel]) -> None:
    sent = response_format_for(schema, "json_schema", {"passage": ["D1.P1"], "kb": ["k"]})
    fmt = sent["response_format"]["json_schema"]
    assert fmt["strict"] is True and fmt["name"] == schema.__name__
    assert strict_problems(fmt["schema"]) == []


def test_the_strict_check_fails_for_a_schema_that_breaks_strict_mode() -> None:
    """A test of the test: a schema with an optional field, a default and open properties."""
    broken = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "note": {"type": "string", "default": ""},
            "extra": {"type": "object", "properties": {"a": {"type": "string"}}},
        },
        "required": ["name"],
        "additionalProperties": False,
    }
    problems = strict_problems(broken)
    assert "$: not all required" in problems
    assert "$.properties.extra allows extra properties" in problems
    assert "$.properties.note: a default (strict mode rejects defaults)" in problems
