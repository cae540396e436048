"""The runtime context of the preparation graph: plain JSON data, and how it becomes dependencies.

`PrepContext` is what a run is given (`graph.ainvoke(..., context=...)`): model names, where
answers come from (live, or a cassette folder to replay or record), knowledge and prompt folders,
the dossier's language. It is plain data, so the LangGraph server can pass it as JSON
(`{"replay": "cases/supplier-claim/cassettes"}`).

The graph turns it into live objects (models, prompts, the knowledge index) with the
`DepsFactory` it was built with: the application layer's (`negoprep.app.deps`) in the CLI, the
web app and the server entry; a scripted one in tests. Nothing is patched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from negoprep.agents.base import AgentDeps


@dataclass(kw_only=True)
class ModelContext:
    """Where a run's answers come from and what it thinks with: plain JSON."""

    replay: str | None = None
    """A cassette folder to replay recorded responses from (offline); '' = CASE_DIR/cassettes."""
    record: str | None = None
    """A cassette folder to record every exchange into; '' = CASE_DIR/cassettes."""
    author: str | None = None
    """Build a cassette from hand-written responses (scripts/author_example.sh); not for users."""
    model: str | None = None
    """One model for every agent (overrides NEGOPREP_MODEL*)."""
    models: dict[str, str] = field(default_factory=dict)
    """Agent name -> model, for some agents only."""
    kb: list[str] = field(default_factory=list)
    """Knowledge folders beside the built-in one (later ones override entries by id)."""
    prompts: list[str] = field(default_factory=list)
    """Prompt override folders."""


@dataclass(kw_only=True)
class PrepContext(ModelContext):
    """How one preparation run thinks: plain JSON, so any LangGraph runtime can pass it."""

    language: str | None = None
    """The dossier's language; default: the case brief's, else the documents'."""
    max_parts: int | None = None
    """At most this many extraction calls for one case (default: NEGOPREP_MAX_PARTS, 60)."""


@dataclass
class PrepDeps:
    """The live dependencies of one preparation run, built from its `PrepContext`."""

    agents: AgentDeps
    max_parts: int = 60
    """At most this many extraction calls for one case; what does not fit is reported unread."""
    describe_source: Callable[[], str] = field(default=lambda: "live")
    """Where the answers came from, for the dossier's appendix (called after the agents ran)."""
    models_public: Callable[[str], dict[str, object]] | None = None
    """Agent -> what may be shown of its model config (never a key); default: the provider's."""

    def model_info(self, agent: str) -> dict[str, object]:
        if self.models_public is not None:
            return self.models_public(agent)
        return self.agents.models.config(agent).public()


DepsFactory = Callable[[PrepContext], PrepDeps]
"""Builds (or returns cached) dependencies for a context; raises on a bad configuration."""
