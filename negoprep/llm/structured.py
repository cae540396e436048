"""Ask a chat model for a reply that validates against a pydantic schema.

The reply is requested as strict JSON schema output (or JSON mode with the schema in the prompt,
for servers without structured output), parsed and validated here. An invalid reply is sent back
with the validation errors and asked again, a bounded number of times. The raw reply text of each
attempt is kept, so a failure can show what the model actually said.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from negoprep.llm.provider import ResponseFormat

T = TypeVar("T", bound=BaseModel)
CUT_OFF = (
    "the reply was cut off at the model's output limit (finish_reason 'length'); use a model or "
    "server setting with a larger output limit, or a smaller NEGOPREP_CONTEXT_TOKENS so that each "
    "part asks for less"
)


class InvalidReply(Exception):
    """The model did not produce a valid reply within the allowed attempts."""

    def __init__(self, schema: str, attempts: int, errors: str, last_reply: str) -> None:
        self.schema = schema
        self.attempts = attempts
        self.errors = errors
        self.last_reply = last_reply
        super().__init__(
            f"the model's reply did not match the {schema} schema after {attempts} attempt(s): "
            f"{errors}"
        )


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0

    def add(self, message: AIMessage) -> None:
        meta = message.usage_metadata
        if meta:
            self.input_tokens += int(meta.get("input_tokens", 0))
            self.output_tokens += int(meta.get("output_tokens", 0))
        self.calls += 1


@dataclass
class Structured(Generic[T]):
    value: T
    usage: Usage
    attempts: int
    replies: list[str] = field(default_factory=list)


def strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The schema in the form OpenAI's strict structured output accepts."""
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(schema)


def response_format_for(schema: type[BaseModel], mode: ResponseFormat) -> dict[str, Any]:
    if mode == "json_object":
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {
            "name": schema.__name__,
            "schema": strict_json_schema(schema),
            "strict": True,
        },
    }


def _reply_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, list):
        content = "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    text = str(content).strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.DOTALL)
    return fenced.group(1) if fenced else text


def describe_errors(exc: ValidationError, limit: int = 8) -> str:
    """Validation errors without input echoes or version-specific URLs (stable for cassettes)."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False)[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)


async def ainvoke_structured(
    model: BaseChatModel,
    schema: type[T],
    system: str,
    user: str,
    *,
    response_format: ResponseFormat = "json_schema",
    max_attempts: int = 3,
) -> Structured[T]:
    if response_format == "json_object":
        system = (
            f"{system}\n\nReply with one JSON object, and nothing else, that matches this JSON "
            f"schema:\n{json.dumps(strict_json_schema(schema), ensure_ascii=False)}"
        )
    bound = model.bind(response_format=response_format_for(schema, response_format))
    messages: list[BaseMessage] = [SystemMessage(content=system), HumanMessage(content=user)]
    usage = Usage()
    replies: list[str] = []
    for attempt in range(1, max_attempts + 1):
        try:
            reply = await bound.ainvoke(messages)
        except openai.LengthFinishReasonError as exc:
            raise InvalidReply(schema.__name__, attempt, CUT_OFF, "") from exc
        if not isinstance(reply, AIMessage):  # pragma: no cover - chat models return AIMessage
            reply = AIMessage(content=str(getattr(reply, "content", reply)))
        usage.add(reply)
        text = _reply_text(reply)
        replies.append(text)
        refusal = reply.additional_kwargs.get("refusal")
        if reply.response_metadata.get("finish_reason") == "length":
            # Asking again gives the same cut-off reply: say what to change instead.
            raise InvalidReply(schema.__name__, attempt, CUT_OFF, text)
        try:
            if refusal:
                raise ValueError(f"the model refused: {refusal}")
            value = schema.model_validate_json(text)
        except ValidationError as exc:
            errors = describe_errors(exc)
        except ValueError as exc:
            errors = str(exc)
        else:
            return Structured(value=value, usage=usage, attempts=attempt, replies=replies)
        if attempt == max_attempts:
            raise InvalidReply(schema.__name__, attempt, errors, text)
        messages = [
            *messages,
            AIMessage(content=text),
            HumanMessage(
                content=(
                    "Your reply is not valid against the required JSON schema: "
                    f"{errors}. Reply again with the complete, corrected JSON object only."
                )
            ),
        ]
    raise AssertionError("unreachable")  # pragma: no cover
