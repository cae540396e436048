"""What every agent shares: its dependencies, and one structured call with its record."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary, RenderedPrompt
from negoprep.llm.provider import ModelProvider
from negoprep.llm.structured import Usage, ainvoke_structured

T = TypeVar("T", bound=BaseModel)


@dataclass
class AgentDeps:
    """Injected into every agent (through the graph's runtime context)."""

    models: ModelProvider
    prompts: PromptLibrary
    knowledge: KnowledgeBase
    max_attempts: int = 3
    """Attempts per structured call: the first, plus retries with the validation error fed back."""


class CallRecord(BaseModel):
    """One model call as the dossier's appendix reports it."""

    call: str
    agent: str
    model: str
    prompt_id: str
    prompt_version: str
    prompt_hash: str
    input_tokens: int
    output_tokens: int
    attempts: int
    seconds: float

    @classmethod
    def of(
        cls,
        rendered: RenderedPrompt,
        *,
        call: str,
        agent: str,
        model: str,
        usage: Usage,
        attempts: int,
        started: float,
    ) -> CallRecord:
        """The record of a call that began at `started` (a `time.perf_counter()` value)."""
        return cls(
            call=call,
            agent=agent,
            model=model,
            prompt_id=rendered.id,
            prompt_version=rendered.version,
            prompt_hash=rendered.hash,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            attempts=attempts,
            seconds=round(time.perf_counter() - started, 3),
        )


@dataclass
class AgentResult(Generic[T]):
    output: T
    record: CallRecord


async def run_structured(
    deps: AgentDeps, agent: str, call: str, prompt_id: str, schema: type[T], **values: Any
) -> AgentResult[T]:
    """Render the prompt, ask the agent's model for `schema`, and record the call."""
    rendered = deps.prompts.render(prompt_id, **values)
    cfg = deps.models.config(agent)
    model = deps.models.chat_model(agent, call)
    started = time.perf_counter()
    result = await ainvoke_structured(
        model,
        schema,
        rendered.system,
        rendered.user,
        response_format=cfg.response_format,
        max_attempts=deps.max_attempts,
    )
    record = CallRecord.of(
        rendered,
        call=call,
        agent=agent,
        model=cfg.model,
        usage=result.usage,
        attempts=result.attempts,
        started=started,
    )
    return AgentResult(result.value, record)


def to_prompt_json(model: BaseModel) -> str:
    """A compact, stable JSON rendering of a schema object for use inside a prompt."""
    return model.model_dump_json(indent=1)
