"""The ways OpenAI-compatible servers take a JSON schema, and how to read each kind of reply.

Servers differ (the README's provider table says which mode each needs):

- ``json_schema``: ``response_format: {"type": "json_schema", "json_schema": {..., "strict":
  true}}``. OpenAI, Azure, vLLM, Ollama, LM Studio, llama.cpp's own ``llama-server``.
- ``json_object_schema``: ``response_format: {"type": "json_object", "schema": {...}}``.
  llama-cpp-python's OpenAI server, which answers ``json_schema`` with HTTP 500 but enforces
  a schema given this way (as a grammar).
- ``tools``: the schema as the parameters of one function the model must call
  (``tool_choice`` forced). Servers with tool calling but no structured output.
- ``json_object``: plain JSON mode, the schema only in the prompt. Nothing enforces it; a small
  model may write until its output limit. The last resort.

The schema is always described in the prompt for the three non-strict modes, since a model
fills what it is shown better than what a grammar merely allows.
"""

from __future__ import annotations

import json
from typing import Any, Literal, get_args

from langchain_core.messages import AIMessage
from pydantic import BaseModel

ResponseFormat = Literal["json_schema", "json_object_schema", "tools", "json_object"]
FORMATS: tuple[ResponseFormat, ...] = get_args(ResponseFormat)
FALLBACK: dict[ResponseFormat, ResponseFormat] = {
    "json_schema": "json_object_schema",
    "json_object_schema": "tools",
    "tools": "json_object",
}
"""What to try next when a server refuses a mode (say so on screen, and which setting to use)."""


def strict_json_schema(schema: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    """The schema in the form OpenAI's strict structured output accepts.

    A dict is taken as already built (a schema with run-time enums, see `negoprep.llm.schema`).
    """
    if isinstance(schema, dict):
        return schema
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(schema)


def request_options(name: str, schema: dict[str, Any], mode: ResponseFormat) -> dict[str, Any]:
    """The request fields (``response_format`` or ``tools``/``tool_choice``) for one mode."""
    if mode == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            }
        }
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode == "tools":
        tool = {
            "type": "function",
            "function": {
                "name": name,
                "description": f"Submit the {name} object.",
                "parameters": schema,
            },
        }
        return {"tools": [tool], "tool_choice": {"type": "function", "function": {"name": name}}}
    return {"response_format": {"type": "json_object"}}


def schema_instructions(schema: dict[str, Any], mode: ResponseFormat) -> str:
    """What to add after the prompt so the model knows the schema ("" when the server takes it)."""
    if mode == "json_schema":
        return ""
    how = (
        "Call the function you are given, once, with arguments"
        if mode == "tools"
        else "Reply with one JSON object, and nothing else,"
    )
    return f"\n\n{how} that match this JSON schema:\n{json.dumps(schema, ensure_ascii=False)}"


def reply_text(message: AIMessage) -> str:
    """The raw text of a reply: a tool call's arguments, else the message content."""
    for call in message.tool_calls:
        return json.dumps(call.get("args", {}), ensure_ascii=False)
    for bad in message.invalid_tool_calls:
        return str(bad.get("args") or "")
    content = message.content
    if isinstance(content, list):
        content = "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return str(content)
