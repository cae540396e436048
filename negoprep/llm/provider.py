"""The chat-model factory: one code path for every OpenAI-compatible provider.

Agents never build models themselves. They ask a `ModelProvider` for a chat model for a named
call ("extractor", "extractor.part-2", "challenger", ...). The real provider builds a
`langchain_openai.ChatOpenAI` against any OpenAI-compatible endpoint (OpenAI, Azure's OpenAI
endpoint, Ollama, vLLM, llama.cpp, LM Studio, gateways). Its HTTP goes through the compatibility
transport (`negoprep.llm.compat`: server quirks, retry notices, every attempt counted) and,
when a recorder is active, the cassette transport; what goes to the network holds a slot of
the process's request limiter (`negoprep.llm.limits`). Tests hand in a scripted provider instead;
nothing is patched.
"""

from __future__ import annotations

import functools
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel

from negoprep.llm.compat import AsyncCompatTransport, CompatState, CompatTransport, Notify, Usage
from negoprep.llm.formats import FORMATS, ResponseFormat
from negoprep.llm.limits import LimitedAsyncTransport, LimitedTransport, RequestLimiter

__all__ = [
    "FORMATS",
    "ModelConfig",
    "ModelProvider",
    "OpenAICompatibleProvider",
    "ResponseFormat",
    "Usage",
    "mask_url",
]
from negoprep.llm.recorder import CALL_HEADER, AsyncRecordingTransport, Recorder, RecordingTransport

OPENAI_URL = "https://api.openai.com/v1"


def mask_url(url: str | None) -> str:
    """A base URL safe to show or store: credentials (``user:pass@``) and key-like query
    values replaced by ``***``. None is OpenAI's default endpoint."""
    if not url:
        return f"{OPENAI_URL} (default)"
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", "//***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = re.sub(r"(?i)((?:key|token|secret|password|sig)[^=&]*=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass(frozen=True)
class ModelConfig:
    """How to reach one model. Built by `negoprep.app.settings` from the environment and flags."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    """None: do not send a temperature (some reasoning models reject one)."""
    timeout: float = 600.0
    """Seconds to wait for one reply to arrive (read timeout of one HTTP request)."""
    connect_timeout: float = 10.0
    """Seconds to wait for the connection to open: short, so a wrong address fails fast."""
    call_time_limit: float = 1800.0
    """Seconds one structured call may take in all, over its retries and attempts."""
    notice_after: float = 60.0
    """Say on screen when a call has waited this long (and again at each multiple)."""
    max_retries: int = 3
    """Retries of timeouts, 429 and 5xx by the OpenAI client, with exponential backoff."""
    response_format: ResponseFormat = "json_schema"
    """How the schema is sent (see `negoprep.llm.formats`)."""
    context_tokens: int = 24000
    """The part of the model's context window negoprep may fill with case text in one call."""
    context_window: int | None = None
    """The model's whole context (prompt and reply), if known: nothing is asked beyond it."""
    max_output_tokens: int = 8192
    """The output limit sent with every request; larger calls are split to fit under it."""
    max_tokens_field: str = "max_completion_tokens"
    """How the limit is sent: OpenAI's ``max_completion_tokens`` or the older ``max_tokens``."""
    stream_usage: bool = True
    """Send ``stream_options`` on streamed calls (some servers reject it with 422)."""

    def request_shape(self) -> dict[str, Any]:
        """The settings that shape a request body (stored in a cassette's manifest, so that a
        replay sends the very requests that were recorded)."""
        return {
            "model": self.model,
            "response_format": self.response_format,
            "max_output_tokens": self.max_output_tokens,
            "max_tokens_field": self.max_tokens_field,
            "stream_usage": self.stream_usage,
            # Only when set: a manifest without it replays with no temperature sent.
            **({"temperature": self.temperature} if self.temperature is not None else {}),
        }

    def with_shape(self, shape: Mapping[str, Any]) -> ModelConfig:
        """This config with the request settings of a manifest entry (unknown keys ignored)."""
        keys = (
            "model",
            "response_format",
            "max_output_tokens",
            "max_tokens_field",
            "stream_usage",
            "temperature",
        )
        return replace(self, **{k: shape[k] for k in keys if k in shape})

    def public(self) -> dict[str, object]:
        """What may be shown or stored about this config: never the key, never URL credentials."""
        return {
            "model": self.model,
            "base_url": mask_url(self.base_url),
            "temperature": self.temperature,
            "response_format": self.response_format,
            "max_output_tokens": self.max_output_tokens,
        }


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context of every request the process sends (certificates as httpx2 finds them,
    SSL_CERT_FILE included). Built once: loading the CA bundle takes about 50 ms of CPU, which
    for every call would hold up the other calls of a batch."""
    import httpx2

    return httpx2.create_ssl_context()


class ModelProvider(Protocol):
    """Where agents get their chat models from (the graph's context carries one)."""

    def chat_model(
        self,
        agent: str,
        call: str,
        *,
        streaming: bool = False,
        usage: Usage | None = None,
        max_output: int | None = None,
    ) -> BaseChatModel:
        """A model for one named call; every HTTP attempt's calls and tokens go to `usage`;
        `max_output` lowers the output limit sent (default: the config's)."""
        ...

    def config(self, agent: str) -> ModelConfig: ...

    def notify(self, text: str) -> None:
        """Say something on screen while a call runs (a retry, a long wait, a fallback)."""
        ...


class OpenAICompatibleProvider:
    """Builds `ChatOpenAI` models from per-agent configs, recording or replaying if asked."""

    def __init__(
        self,
        default: ModelConfig,
        per_agent: Mapping[str, ModelConfig] | None = None,
        recorder: Recorder | None = None,
        *,
        notify: Notify | None = None,
        replies_dir: Path | None = None,
        limiter: RequestLimiter | None = None,
    ) -> None:
        self.default = default
        self.per_agent = dict(per_agent or {})
        self.recorder = recorder
        self.replies_dir = replies_dir
        """Where the raw replies of a failed structured call are kept (None: not kept)."""
        self.on_notice = notify
        """Where `notify` sends its text (the screen); may be set once the run's reader exists."""
        self._compat: dict[str, CompatState] = {}
        self.limiter = limiter
        """The process's limit on requests sent to the provider (`negoprep.llm.limits`); every
        HTTP request, retries included, holds one of its slots. None: no limit."""

    def config(self, agent: str) -> ModelConfig:
        return self.per_agent.get(agent, self.default)

    def notify(self, text: str) -> None:
        """Say `text` about a call in progress (a retry, a long wait, a fallback)."""
        if self.on_notice is not None:
            self.on_notice(text)

    def override(self, agent: str, **changes: object) -> None:
        """Change one agent's config for the rest of the run (e.g. a response-format fallback)."""
        self.per_agent[agent] = replace(self.config(agent), **changes)  # type: ignore[arg-type]

    def chat_model(
        self,
        agent: str,
        call: str,
        *,
        streaming: bool = False,
        usage: Usage | None = None,
        max_output: int | None = None,
    ) -> BaseChatModel:
        import httpx2
        from langchain_openai import ChatOpenAI

        cfg = self.config(agent)
        if self.recorder is not None and self.recorder.mode != "record":
            # Replayed and hand-written answers never fail transiently: no retries, no waiting.
            cfg = replace(cfg, max_retries=0)
        state = self._compat.setdefault(
            agent, CompatState(send_stream_options=cfg.stream_usage, notify=self.notify)
        )
        tls = tls_context()
        sync_t: httpx2.BaseTransport = httpx2.HTTPTransport(verify=tls)
        async_t: httpx2.AsyncBaseTransport = httpx2.AsyncHTTPTransport(verify=tls)
        if self.limiter is not None:  # only what goes to the network: replay takes no slot
            sync_t = LimitedTransport(sync_t, self.limiter)
            async_t = LimitedAsyncTransport(async_t, self.limiter)
        if self.recorder is not None:
            sync_t = RecordingTransport(self.recorder, sync_t)
            async_t = AsyncRecordingTransport(self.recorder, async_t)
        sync_t = CompatTransport(sync_t, state, usage, call)
        async_t = AsyncCompatTransport(async_t, state, usage, call)
        tokens = min(cfg.max_output_tokens, max_output or cfg.max_output_tokens)
        limit: dict[str, Any] = {}
        if cfg.max_tokens_field == "max_tokens":
            limit["extra_body"] = {"max_tokens": tokens}
        else:
            limit["max_tokens"] = tokens  # sent as max_completion_tokens
        return ChatOpenAI(
            model=cfg.model,
            base_url=cfg.base_url,
            # Local servers (Ollama, vLLM, llama.cpp) accept any key; the client needs one set.
            api_key=cfg.api_key or "no-key",
            temperature=cfg.temperature,
            timeout=httpx2.Timeout(cfg.timeout, connect=cfg.connect_timeout),
            max_retries=cfg.max_retries,
            default_headers={CALL_HEADER: call},
            http_client=httpx2.Client(transport=sync_t),
            http_async_client=httpx2.AsyncClient(transport=async_t),
            streaming=streaming,
            stream_usage=True,
            **limit,
        )
