"""A scripted chat model and provider, injected through the graph's context (nothing patched).

`ScriptedProvider(responder)` hands out one `ScriptedChatModel` per call; the responder turns
(agent, call, messages) into the reply text, or raises to simulate a provider failure. Every call
is kept in `history` with its start and end time, so tests can check what ran in parallel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.base import BaseCheckpointSaver

from negoprep.llm.compat import Usage
from negoprep.llm.provider import ModelConfig

Responder = Callable[[str, str, list[BaseMessage]], str]


@dataclass
class Call:
    agent: str
    call: str
    messages: list[BaseMessage]
    kwargs: dict[str, Any]
    started: float
    ended: float = 0.0


@dataclass
class ScriptedProvider:
    responder: Responder
    delay: float = 0.0
    config_overrides: dict[str, ModelConfig] = field(default_factory=dict)
    history: list[Call] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    meet: set[str] = field(default_factory=set)
    """Calls that must all be in flight at once: each waits for the others before answering,
    and fails (`TimeoutError`) if they never are (a barrier, not a sleep)."""
    _barrier: asyncio.Barrier | None = None

    def barrier(self) -> asyncio.Barrier:
        if self._barrier is None:
            self._barrier = asyncio.Barrier(len(self.meet))
        return self._barrier

    def config(self, agent: str) -> ModelConfig:
        return self.config_overrides.get(agent, ModelConfig(model=f"scripted-{agent}"))

    def notify(self, text: str) -> None:
        self.notices.append(text)

    def chat_model(
        self,
        agent: str,
        call: str,
        *,
        streaming: bool = False,
        usage: Usage | None = None,
        max_output: int | None = None,
    ) -> BaseChatModel:
        return ScriptedChatModel(provider=self, agent=agent, call=call, usage=usage)

    def calls(self, agent: str | None = None) -> list[Call]:
        return [c for c in self.history if agent is None or c.agent == agent]


class ScriptedChatModel(BaseChatModel):
    provider: Any
    agent: str
    call: str
    usage: Any = None

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _reply(self, messages: list[BaseMessage]) -> ChatResult:
        if self.usage is not None:  # like the HTTP transport: every attempt counts, failed too
            self.usage.calls += 1
        text = self.provider.responder(self.agent, self.call, messages)
        if self.usage is not None:
            self.usage.input_tokens += 100
            self.usage.output_tokens += 50
        message = AIMessage(
            content=text,
            usage_metadata={"input_tokens": 100, "output_tokens": 50, "total_tokens": 150},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._reply(messages)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        record = Call(self.agent, self.call, list(messages), dict(kwargs), time.perf_counter())
        self.provider.history.append(record)
        try:
            if self.call in self.provider.meet:
                await asyncio.wait_for(self.provider.barrier().wait(), timeout=20)
            if self.provider.delay:
                await asyncio.sleep(self.provider.delay)
            return self._reply(messages)
        finally:
            record.ended = time.perf_counter()


async def run_preparation(
    deps: Any,
    case_dir: Path,
    *,
    extra_agents: Sequence[Any] = (),
    saver: BaseCheckpointSaver[str] | None = None,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the preparation graph with `deps` (a `PrepDeps`) on `case_dir`; return its whole
    final state (from the checkpointer: the graph's output is only the dossier)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from negoprep.graphs.preparation import build

    graph = build(lambda context: deps, extra_agents).compile(checkpointer=saver or InMemorySaver())
    cfg: Any = {"configurable": {"thread_id": "run"}, **(config or {})}
    await graph.ainvoke({"case_dir": str(case_dir)}, cfg)
    return dict((await graph.aget_state(cfg)).values)
