"""Settings from flags, the environment and `.env`: flags beat the environment, which beats defaults.

Every setting is documented in `.env.example`. Bad values are a `SettingsError` naming the
variable; nothing here touches the network.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from negoprep.llm.provider import ModelConfig, ResponseFormat

DEFAULT_MODEL = "gpt-4.1"
ENV_FILE = ".env"

# What negoprep may fill of a model's context with case text in one call (tokens), by model name.
_CONTEXT_BY_MODEL = (
    (r"^(gpt-4\.1|gpt-5|o3|o4|gpt-4o)", 100_000),
    (r"(llama|qwen|mistral|gemma|phi|deepseek|granite|smol)", 6_000),
)
DEFAULT_CONTEXT_TOKENS = 24_000


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


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def _number(
    name: str, kind: type[float] | type[int], default: float | int | None
) -> float | int | None:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative")
    return value


def context_tokens_for(model: str) -> int:
    for pattern, tokens in _CONTEXT_BY_MODEL:
        if re.search(pattern, model, flags=re.IGNORECASE):
            return tokens
    return DEFAULT_CONTEXT_TOKENS


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
    """At most this many model calls at once (parts of a large case, parallel agents)."""
    max_attempts: int = 3
    database_url: str | None = None
    """NEGOPREP_DATABASE_URL: a PostgreSQL database for every run's checkpoints (default: a
    SQLite file in each run folder)."""

    def for_agent(self, agent: str) -> ModelConfig:
        return self.per_agent.get(agent, self.default)

    def with_models(self, models: dict[str, str]) -> Settings:
        """Override model names per agent (used for replay, from the cassette's manifest)."""
        per_agent = {
            a: replace(self.for_agent(a), model=m, context_tokens=self._ctx(m))
            for a, m in models.items()
        }
        return replace(self, per_agent={**self.per_agent, **per_agent})

    def _ctx(self, model: str) -> int:
        explicit = _env("NEGOPREP_CONTEXT_TOKENS")
        return int(explicit) if explicit and explicit.isdigit() else context_tokens_for(model)


def _paths(name: str) -> list[Path]:
    raw = _env(name)
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()] if raw else []


def from_env(*, model: str | None = None) -> Settings:
    """Build settings from the environment (call `load_env_file` first); `model` is --model."""
    response_format = _env("NEGOPREP_RESPONSE_FORMAT") or "json_schema"
    if response_format not in ("json_schema", "json_object"):
        raise SettingsError(
            f"NEGOPREP_RESPONSE_FORMAT={response_format!r}: use json_schema (structured output) "
            "or json_object (JSON mode, for servers without structured output)"
        )
    fmt: ResponseFormat = "json_object" if response_format == "json_object" else "json_schema"
    temperature = _number("NEGOPREP_TEMPERATURE", float, None)
    base_model = model or _env("NEGOPREP_MODEL") or DEFAULT_MODEL
    context = _number("NEGOPREP_CONTEXT_TOKENS", int, None)

    def config(model_name: str) -> ModelConfig:
        return ModelConfig(
            model=model_name,
            base_url=_env("OPENAI_BASE_URL"),
            api_key=_env("OPENAI_API_KEY"),
            temperature=None if temperature is None else float(temperature),
            timeout=float(_number("NEGOPREP_TIMEOUT", float, 600.0) or 600.0),
            max_retries=int(_number("NEGOPREP_MAX_RETRIES", int, 3) or 0),
            response_format=fmt,
            context_tokens=int(context) if context else context_tokens_for(model_name),
        )

    per_agent = {}
    from negoprep.agents.registry import all_agents

    for agent in all_agents():
        name = _env(agent.model_setting)
        if name and not model:  # --model sets every agent's model
            per_agent[agent.name] = config(name)
    max_parts = int(_number("NEGOPREP_MAX_PARTS", int, 60) or 60)
    return Settings(
        default=config(base_model),
        per_agent=per_agent,
        provider_configured=bool(_env("OPENAI_API_KEY") or _env("OPENAI_BASE_URL")),
        kb_dirs=_paths("NEGOPREP_KB_DIRS"),
        prompt_dirs=_paths("NEGOPREP_PROMPTS_DIRS"),
        runs_dir=Path(_env("NEGOPREP_RUNS_DIR") or "runs"),
        language=_env("NEGOPREP_LANGUAGE"),
        max_parts=max_parts,
        max_concurrency=max(1, int(_number("NEGOPREP_MAX_CONCURRENCY", int, 8) or 1)),
        max_attempts=int(_number("NEGOPREP_MAX_ATTEMPTS", int, 3) or 1),
        database_url=_database_url(),
    )


def _database_url() -> str | None:
    url = _env("NEGOPREP_DATABASE_URL")
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
