"""The chat-model factory: one code path for every OpenAI-compatible provider.

Agents never build models themselves. They ask a `ModelProvider` for a chat model for a named
call ("extractor", "extractor.part-2", "challenger", ...). The real provider builds a
`langchain_openai.ChatOpenAI` against any OpenAI-compatible endpoint (OpenAI, Azure's OpenAI
endpoint, Ollama, vLLM, llama.cpp server) and, when a recorder is active, routes its HTTP through
the cassette transport. Tests hand in a scripted provider instead; nothing is patched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from langchain_core.language_models import BaseChatModel

from negoprep.llm.recorder import CALL_HEADER, AsyncRecordingTransport, Recorder, RecordingTransport

ResponseFormat = Literal["json_schema", "json_object"]


@dataclass(frozen=True)
class ModelConfig:
    """How to reach one model. Built by `negoprep.app.settings` from the environment and flags."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    """None: do not send a temperature (some reasoning models reject one)."""
    timeout: float = 600.0
    max_retries: int = 3
    """Retries of timeouts, 429 and 5xx by the OpenAI client, with exponential backoff."""
    response_format: ResponseFormat = "json_schema"
    """json_schema: strict structured output; json_object: JSON mode, schema in the prompt."""
    context_tokens: int = 24000
    """The part of the model's context window negoprep may fill with case text in one call."""

    def public(self) -> dict[str, object]:
        """What may be shown or stored about this config: never the key."""
        return {
            "model": self.model,
            "base_url": self.base_url or "https://api.openai.com/v1 (default)",
            "temperature": self.temperature,
            "response_format": self.response_format,
        }


class ModelProvider(Protocol):
    """Where agents get their chat models from (the graph's context carries one)."""

    def chat_model(self, agent: str, call: str, *, streaming: bool = False) -> BaseChatModel: ...

    def config(self, agent: str) -> ModelConfig: ...


class OpenAICompatibleProvider:
    """Builds `ChatOpenAI` models from per-agent configs, recording or replaying if asked."""

    def __init__(
        self,
        default: ModelConfig,
        per_agent: Mapping[str, ModelConfig] | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.default = default
        self.per_agent = dict(per_agent or {})
        self.recorder = recorder

    def config(self, agent: str) -> ModelConfig:
        return self.per_agent.get(agent, self.default)

    def chat_model(self, agent: str, call: str, *, streaming: bool = False) -> BaseChatModel:
        import httpx2
        from langchain_openai import ChatOpenAI

        cfg = self.config(agent)
        if self.recorder is not None and self.recorder.mode != "record":
            # Replayed and hand-written answers never fail transiently: no retries, no waiting.
            cfg = replace(cfg, max_retries=0)
        sync_t: httpx2.BaseTransport = httpx2.HTTPTransport()
        async_t: httpx2.AsyncBaseTransport = httpx2.AsyncHTTPTransport()
        if self.recorder is not None:
            sync_t = RecordingTransport(self.recorder, sync_t)
            async_t = AsyncRecordingTransport(self.recorder, async_t)
        return ChatOpenAI(
            model=cfg.model,
            base_url=cfg.base_url,
            # Local servers (Ollama, vLLM, llama.cpp) accept any key; the client needs one set.
            api_key=cfg.api_key or "no-key",
            temperature=cfg.temperature,
            timeout=cfg.timeout,
            max_retries=cfg.max_retries,
            default_headers={CALL_HEADER: call},
            http_client=httpx2.Client(transport=sync_t),
            http_async_client=httpx2.AsyncClient(transport=async_t),
            streaming=streaming,
            stream_usage=True,
        )
