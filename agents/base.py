"""What every agent shares: its dependencies, and one structured call with its record."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.prompts import PromptLibrary, RenderedPrompt
from negoprep.llm.provider import ModelProvider
from negoprep.llm.structured import CallFailed, Usage, ainvoke_structured

T = TypeVar("T", bound=BaseModel)


@dataclass
class AgentDeps:
    """Injected into every agent (through the graph's runtime context)."""

    models: ModelProvider
    prompts: PromptLibrary
    knowledge: KnowledgeBase
    max_attempts: int = 3
    """Attempts per structured call: the first, plus retries with the validation error fed back."""
    replies_dir: Path | None = None
    """Where the raw replies of a failed structured call are kept (the run folder's replies/)."""
    on_call: Callable[[CallRecord, BaseException | None], None] | None = None
    """Told of every model call as it finishes: its record, and the error if it failed (the
    run's call log, `negoprep.app.calllog_writer.RunLog`); must not raise."""

    def finished(self, record: CallRecord, error: BaseException | None = None) -> None:
        """Report a finished call to `on_call`, if set."""
        if self.on_call is not None:
            self.on_call(record, error)


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
    requests: int = 0
    """HTTP requests sent for this call (every attempt and retry); 0 in older dossiers."""
    status: str = "ok"
    """'ok', or 'failed' for a call that produced nothing but was made (and billed)."""
    cached_tokens: int | None = None
    """Prompt tokens served from the provider's cache; None when the provider did not say."""

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
        status: str = "ok",
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
            requests=usage.calls,
            status=status,
            cached_tokens=usage.cached_tokens,
        )


@dataclass
class AgentResult(Generic[T]):
    output: T
    record: CallRecord


class AgentCallFailed(CallFailed):
    """A structured call of an agent failed; `record` says what it cost (for the dossier)."""

    def __init__(self, failure: CallFailed, record: CallRecord) -> None:
        self.record = record
        super().__init__(failure.reason, failure.usage, failure.attempts, failure.replies_file)


async def run_structured(
    deps: AgentDeps,
    agent: str,
    call: str,
    prompt_id: str,
    schema: type[T],
    *,
    ids: Mapping[str, Sequence[str]] | None = None,
    **values: Any,
) -> AgentResult[T]:
    """Render the prompt, ask the agent's model for `schema`, and record the call.

    `ids`: id kind -> the ids that exist (sent as enums; see `negoprep.llm.schema`).
    Raises `AgentCallFailed` (its `record` counts every attempt's requests and tokens, its
    ``__cause__`` is the failure) when the call fails.
    """
    rendered = deps.prompts.render(prompt_id, **values)
    cfg = deps.models.config(agent)
    started = time.perf_counter()
    try:
        result = await ainvoke_structured(
            deps.models,
            agent,
            call,
            schema,
            rendered.system,
            rendered.user,
            ids=ids,
            max_attempts=deps.max_attempts,
            replies_dir=deps.replies_dir,
        )
    except CallFailed as exc:
        record = CallRecord.of(
            rendered,
            call=call,
            agent=agent,
            model=cfg.model,
            usage=exc.usage,
            attempts=exc.attempts,
            started=started,
            status="failed",
        )
        deps.finished(record, exc)
        raise AgentCallFailed(exc, record) from exc
    record = CallRecord.of(
        rendered,
        call=call,
        agent=agent,
        model=cfg.model,
        usage=result.usage,
        attempts=result.attempts,
        started=started,
    )
    deps.finished(record)
    return AgentResult(result.value, record)


def to_prompt_json(model: BaseModel) -> str:
    """A compact, stable JSON rendering of a schema object for use inside a prompt."""
    return model.model_dump_json(indent=1)
