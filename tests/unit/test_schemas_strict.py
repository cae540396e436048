"""Every schema a model is asked to fill is accepted by strict structured output.

OpenAI's strict mode (and servers that copy it) rejects a schema unless every object lists all
of its properties as required, forbids additional properties, and has no defaults. A schema
that breaks this fails only against a live provider, so it is checked here, offline.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.coach import Debrief, Hint
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.roleplay_rules import TurnAssessment
from negoprep.agents.synthesis import Brief
from negoprep.llm.structured import response_format_for

SCHEMAS = [DealProfile, ChallengeReport, CounterpartProfile, Brief, TurnAssessment, Hint, Debrief]


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


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_schema_is_strict(schema: type[BaseModel]) -> None:
    sent = response_format_for(schema, "json_schema")["response_format"]["json_schema"]
    assert sent["strict"] is True and sent["name"] == schema.__name__
    found = objects(sent["schema"])
    assert found, "the schema has objects"
    for path, obj in found:
        assert obj.get("additionalProperties") is False, f"{path} allows extra properties"
        assert sorted(obj.get("required", [])) == sorted(obj.get("properties", {})), (
            f"{path}: not all required"
        )
    assert defaults(sent["schema"]) == [], "strict mode rejects defaults"
