"""Settings from flags, the environment and `.env`: flags beat the environment, which beats
`.env`, which beats the defaults.

The variables are read by pydantic-settings (`Env`); every one is documented in `.env.example`.
A bad value is one `SettingsError` naming the variable and what it must be; nothing here touches
the network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from negoprep.llm.formats import FORMATS, ResponseFormat
from negoprep.llm.provider import ModelConfig

DEFAULT_MODEL = "gpt-4.1"
ENV_FILE = ".env"

# What negoprep may fill of a model's context with case text in one call (tokens), by model name.
_CONTEXT_BY_MODEL = (
    (r"^(gpt-4\.1|gpt-5|o3|o4|gpt-4o)", 100_000),
    (r"(llama|qwen|mistral|gemma|phi|deepseek|granite|smol)", 6_000),
)
DEFAULT_CONTEXT_TOKENS = 24_000
# A model's whole context window (prompt and reply), by model name, when the settings say none.
_WINDOW_BY_MODEL = (
    (r"^gpt-4\.1", 1_000_000),
    (r"^(gpt-5|o3|o4)", 200_000),
    (r"^gpt-4o", 128_000),
)


class SettingsError(Exception):
    """A setting is missing or has a bad value; the message says which and how to fix it."""


def load_env_file(path: Path | None = None) -> Path | None:
    """Load `.env` (from the working folder) without overriding variables already set."""
    from dotenv import load_dotenv

    env_path = path or Path.cwd() / ENV_FILE
    if env_path.is_file():
        load_dotenv(env_path, override=False)
        return env_path
    return None


def context_tokens_for(model: str) -> int:
    """Case text per call (tokens) for a model name: large for cloud models, small for local."""
    for pattern, tokens in _CONTEXT_BY_MODEL:
        if re.search(pattern, model, flags=re.IGNORECASE):
            return tokens
    return DEFAULT_CONTEXT_TOKENS


def context_window_for(model: str) -> int | None:
    """The context window of a well-known model (tokens), None when unknown."""
    for pattern, tokens in _WINDOW_BY_MODEL:
        if re.search(pattern, model, flags=re.IGNORECASE):
            return tokens
    return None


NonNegFloat = Field(default=None, ge=0)
NonNegInt = Field(default=None, ge=0)


class _EnvBase(BaseSettings):
    """The variables negoprep reads (names: NEGOPREP_<FIELD>, OPENAI_API_KEY, OPENAI_BASE_URL)."""

    model_config = SettingsConfigDict(
        env_prefix="NEGOPREP_",
        env_file=ENV_FILE,
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    openai_api_key: str | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str | None = None
    response_format: Literal[FORMATS] = "json_schema"  # type: ignore[valid-type]
    temperature: float | None = None
    timeout: float = Field(default=600.0, ge=0)
    connect_timeout: float = Field(default=10.0, ge=0)
    call_time_limit: float = Field(default=1800.0, ge=0)
    max_retries: int = Field(default=3, ge=0)
    max_attempts: int = Field(default=3, ge=0)
    context_tokens: int | None = NonNegInt
    context_window: int | None = NonNegInt
    max_output_tokens: int = Field(default=8192, ge=256)
    max_tokens_field: Literal["max_completion_tokens", "max_tokens"] | None = None
    stream_usage: bool = True
    max_parts: int = Field(default=60, ge=0)
    max_concurrency: int = Field(default=8, ge=0)
    max_rpm: int | None = NonNegInt
    max_run_tokens: int | None = NonNegInt
    price_input: float | None = NonNegFloat
    """Price per million prompt tokens (any currency), for --estimate."""
    price_output: float | None = NonNegFloat
    kb_dirs: str | None = None
    prompts_dirs: str | None = None
    runs_dir: str = "runs"
    language: str | None = None
    database_url: str | None = None


def _agent_names() -> list[str]:
    from negoprep.agents.registry import agent_names

    return list(agent_names())


def _env_model() -> type[_EnvBase]:
    """`_EnvBase` with NEGOPREP_MODEL_<AGENT> and NEGOPREP_RESPONSE_FORMAT_<AGENT> per agent."""
    fields: dict[str, Any] = {}
    for agent in _agent_names():
        fields[f"model_{agent}"] = (str | None, None)
        fields[f"response_format_{agent}"] = (Literal[FORMATS] | None, None)
    return create_model("Env", __base__=_EnvBase, **fields)


_KIND_WORDS = {"float_parsing": "float", "int_parsing": "int", "int_from_float": "int"}


def _explain(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err["loc"] else "?"
        var = name.upper() if name.startswith("openai_") else f"NEGOPREP_{name.upper()}"
        raw = err.get("input")
        kind = err["type"]
        if kind in _KIND_WORDS:
            problems.append(f"{var}={raw!r} is not a valid {_KIND_WORDS[kind]}")
        elif kind in ("greater_than_equal", "greater_than"):
            limit = (err.get("ctx") or {}).get("ge", (err.get("ctx") or {}).get("gt"))
            what = "must not be negative" if limit in (0, 0.0) else f"must be at least {limit}"
            problems.append(f"{var}={raw!r} {what}")
        elif kind == "literal_error" and name.startswith("response_format"):
            problems.append(
                f"{var}={raw!r}: use json_schema (strict structured output), json_object_schema "
                "(llama-cpp-python), tools (tool calling) or json_object (JSON mode); see the "
                "README's provider table"
            )
        elif kind == "bool_parsing":
            problems.append(f"{var}={raw!r}: use true or false")
        else:
            problems.append(f"{var}={raw!r}: {err['msg']}")
    return "; ".join(problems)


@dataclass
class Settings:
    default: ModelConfig
    per_agent: dict[str, ModelConfig] = field(default_factory=dict)
    provider_configured: bool = False
    kb_dirs: list[Path] = field(default_factory=list)
    prompt_dirs: list[Path] = field(default_factory=list)
    runs_dir: Path = Path("runs")
    language: str | None = None
    max_parts: int = 60
    max_concurrency: int = 8
    """At most this many requests to the provider in flight at once, over the whole process
    (parts of a large case, parallel agents, every case of a batch; retries count)."""
    max_rpm: int | None = None
    """At most this many requests to the provider started in any 60 seconds (None: no limit)."""
    max_attempts: int = 3
    max_run_tokens: int | None = None
    """A run whose estimate exceeds this many tokens asks before it starts (None: no limit)."""
    price_input: float | None = None
    """Price per million prompt tokens, for the estimate (None: no cost shown)."""
    price_output: float | None = None
    explicit_context_tokens: int | None = None
    database_url: str | None = None
    """NEGOPREP_DATABASE_URL: a PostgreSQL database for every run's checkpoints (default: a
    SQLite file in each run folder)."""

    def for_agent(self, agent: str) -> ModelConfig:
        return self.per_agent.get(agent, self.default)

    def with_models(
        self, models: Mapping[str, str | Mapping[str, Any]], *, keep_model: bool = False
    ) -> Settings:
        """Per agent, the model name or the request settings of a cassette's manifest
        (`ModelConfig.request_shape`), for replay; `keep_model` keeps the names (--model)."""
        per_agent = {}
        for agent, shape in models.items():
            entry = {"model": shape} if isinstance(shape, str) else dict(shape)
            if keep_model:
                entry.pop("model", None)
            cfg = self.for_agent(agent).with_shape(entry)
            per_agent[agent] = replace(
                cfg, context_tokens=self.explicit_context_tokens or context_tokens_for(cfg.model)
            )
        return replace(self, per_agent={**self.per_agent, **per_agent})


def _paths(raw: str | None) -> list[Path]:
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()] if raw else []


def read_env() -> _EnvBase:
    """The variables as pydantic-settings reads them; `SettingsError` names each bad one."""
    try:
        return _env_model()()
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


def from_env(*, model: str | None = None) -> Settings:
    """Build settings from the environment and `.env`; `model` is --model (every agent)."""
    env = read_env()
    base_model = model or env.model or DEFAULT_MODEL
    values = env.model_dump()

    def config(model_name: str, fmt: ResponseFormat) -> ModelConfig:
        field_name = env.max_tokens_field or (
            "max_completion_tokens" if env.openai_base_url is None else "max_tokens"
        )
        return ModelConfig(
            model=model_name,
            base_url=env.openai_base_url,
            api_key=env.openai_api_key,
            temperature=env.temperature,
            timeout=env.timeout,
            connect_timeout=env.connect_timeout,
            call_time_limit=env.call_time_limit,
            max_retries=env.max_retries,
            response_format=fmt,
            context_tokens=env.context_tokens or context_tokens_for(model_name),
            context_window=env.context_window or context_window_for(model_name),
            max_output_tokens=env.max_output_tokens,
            max_tokens_field=field_name,
            stream_usage=env.stream_usage,
        )

    per_agent = {}
    for agent in _agent_names():
        name = values.get(f"model_{agent}")
        fmt = values.get(f"response_format_{agent}")
        if (name and not model) or fmt:  # --model sets every agent's model
            per_agent[agent] = config(
                name if name and not model else base_model, fmt or env.response_format
            )
    return Settings(
        default=config(base_model, env.response_format),
        per_agent=per_agent,
        provider_configured=bool(env.openai_api_key or env.openai_base_url),
        kb_dirs=_paths(env.kb_dirs),
        prompt_dirs=_paths(env.prompts_dirs),
        runs_dir=Path(env.runs_dir),
        language=env.language,
        max_parts=env.max_parts or 60,
        max_concurrency=max(1, env.max_concurrency),
        max_rpm=env.max_rpm or None,
        max_attempts=max(1, env.max_attempts),
        max_run_tokens=env.max_run_tokens,
        price_input=env.price_input,
        price_output=env.price_output,
        explicit_context_tokens=env.context_tokens,
        database_url=_database_url(env.database_url),
    )


def _database_url(url: str | None) -> str | None:
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise SettingsError(
            "NEGOPREP_DATABASE_URL: give a PostgreSQL URL (postgresql://user@host:port/db), or "
            "leave it unset to keep each run's checkpoints in its run folder"
        )
    return url or None


NO_PROVIDER_HELP = """\
No LLM provider is configured, and --replay was not given.

Point negoprep at any OpenAI-compatible server in .env (see .env.example) or the environment:
  OpenAI:     OPENAI_API_KEY=sk-...                       (NEGOPREP_MODEL=gpt-4.1)
  Ollama:     OPENAI_BASE_URL=http://localhost:11434/v1   NEGOPREP_MODEL=qwen2.5:14b
  vLLM:       OPENAI_BASE_URL=http://localhost:8000/v1    NEGOPREP_MODEL=<served model>
Or replay recorded responses offline:  negoprep prepare CASE_DIR --replay"""
