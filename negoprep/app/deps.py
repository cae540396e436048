"""From settings and a run's plain context to the live objects the agents use.

The same function serves every edge: the CLI and the web app (through `negoprep.app.prepare`
and `negoprep.app.rehearsal`) and the LangGraph server entry (`negoprep.app.server`), which only
has the JSON context a client sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from negoprep.agents.base import AgentDeps
from negoprep.agents.registry import agent_names
from negoprep.app import settings as settings_mod
from negoprep.app.settings import Settings
from negoprep.app.sources import AnswerSource
from negoprep.errors import UserError
from negoprep.graphs.context import ModelContext, PrepContext, PrepDeps
from negoprep.graphs.rehearsal_state import RehearsalContext
from negoprep.knowledge.base import KnowledgeBase
from negoprep.llm.limits import shared_limiter
from negoprep.llm.prompts import PromptLibrary
from negoprep.llm.provider import OpenAICompatibleProvider

PREPARATION_SECTION = "models"
REHEARSAL_SECTION = "rehearsal"


def context_fields(request: Any, case_dir: Path | None) -> dict[str, Any]:
    """The context fields every graph shares, from a request with `replay`, `record`, `author`,
    `model`, `kb` and `prompts` (as `PrepareRequest` and `RehearsalRequest` have them): the
    answer source (cassette folders made absolute; '' means CASE_DIR/cassettes), the model and
    the knowledge and prompt folders. Raises `UserError` for two answer sources at once."""
    source = AnswerSource.choose(
        replay=request.replay, record=request.record, author=request.author, case_dir=case_dir
    )
    return {
        **source.context_fields(),
        "model": request.model,
        "kb": [str(Path(p).resolve()) for p in request.kb],
        "prompts": [str(Path(p).resolve()) for p in request.prompts],
    }


@dataclass
class Wiring:
    """Everything one run needs, built once: settings, answer source, provider, prompts, KB."""

    settings: Settings
    source: AnswerSource
    provider: OpenAICompatibleProvider
    knowledge: KnowledgeBase
    prompts: PromptLibrary

    def agent_deps(self, replies_dir: Path | None = None) -> AgentDeps:
        """The agents' dependencies; `replies_dir` keeps the raw replies of failed calls."""
        return AgentDeps(
            models=self.provider,
            prompts=self.prompts,
            knowledge=self.knowledge,
            max_attempts=self.settings.max_attempts,
            replies_dir=replies_dir,
        )

    def prep_deps(self, max_parts: int | None = None, replies_dir: Path | None = None) -> PrepDeps:
        return PrepDeps(
            agents=self.agent_deps(replies_dir),
            max_parts=max_parts or self.settings.max_parts,
            describe_source=self.source.describe,
        )

    def models_table(self, agents: list[str]) -> dict[str, dict[str, Any]]:
        """Agent -> what may be shown of its model config (never the key, no URL credentials)."""
        return {a: self.provider.config(a).public() for a in agents}

    def request_shapes(self, agents: list[str]) -> dict[str, dict[str, Any]]:
        """Agent -> the settings that shape its requests (for a cassette's manifest)."""
        return {a: self.provider.config(a).request_shape() for a in agents}


def wire(
    context: ModelContext,
    *,
    settings: Settings | None = None,
    manifest_sections: tuple[str, ...] = (PREPARATION_SECTION,),
) -> Wiring:
    """Build a run's dependencies from its context (and the environment's settings).

    Raises `UserError` (no provider configured for a live run, a bad cassette manifest) and
    `negoprep.app.settings.SettingsError`, `negoprep.knowledge.base.KnowledgeError`,
    `negoprep.llm.prompts.PromptError` for bad settings, knowledge or prompt folders.
    """
    if settings is None:
        settings_mod.load_env_file()
        settings = settings_mod.from_env(model=context.model)
    source = AnswerSource.choose(
        replay=context.replay, record=context.record, author=context.author
    )
    recorded = source.recorded_models(manifest_sections, agent_names())
    if recorded:  # the recorded request settings; --model keeps its model name
        settings = settings.with_models(recorded, keep_model=bool(context.model))
    if context.models:
        settings = settings.with_models(context.models)
    if source.mode in ("live", "record") and not settings.provider_configured:
        # Recording is a live run too: never fall back on a default endpoint.
        raise UserError(settings_mod.NO_PROVIDER_HELP)
    knowledge = KnowledgeBase.load([*settings.kb_dirs, *(Path(d) for d in context.kb)])
    prompts = PromptLibrary.load([*settings.prompt_dirs, *(Path(d) for d in context.prompts)])
    limiter = shared_limiter(settings.max_concurrency, settings.max_rpm)
    provider = OpenAICompatibleProvider(
        settings.default, settings.per_agent, source.recorder, limiter=limiter
    )
    return Wiring(settings, source, provider, knowledge, prompts)


_cache: dict[str, Wiring] = {}
_lock = threading.Lock()


def _cached_wiring(context: ModelContext, sections: tuple[str, ...]) -> Wiring:
    """`wire(context)` once per distinct context and graph, for the whole process."""
    key = json.dumps([sections, asdict(context)], sort_keys=True)
    with _lock:
        if key not in _cache:
            _cache[key] = wire(context, manifest_sections=sections)
        return _cache[key]


def cached_prep_deps(context: PrepContext) -> PrepDeps:
    """The preparation graph's dependencies for the LangGraph server, from the run's JSON
    context; built once per distinct context (the graph asks for them in every node).

    Raises what `wire` raises (`UserError` for a live run without a provider, a missing
    cassette folder; settings, knowledge and prompt errors); the run then fails with that message.
    """
    wiring = _cached_wiring(context, (PREPARATION_SECTION,))
    return wiring.prep_deps(context.max_parts)


def cached_rehearsal_deps(context: RehearsalContext) -> AgentDeps:
    """The rehearsal graph's dependencies for the LangGraph server, like `cached_prep_deps`:
    models replayed or recorded with the cassette's preparation and rehearsal sections."""
    wiring = _cached_wiring(context, (PREPARATION_SECTION, REHEARSAL_SECTION))
    return wiring.agent_deps()
