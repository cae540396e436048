"""The LangGraph server entry: the preparation and rehearsal graphs, as `langgraph.json` names them.

`langgraph dev` (or a LangGraph server deployment) imports `preparation` and `rehearsal` from
here. They are compiled without a checkpointer (the server brings its own) and build their
dependencies (models, recorder, prompts, knowledge base) from the run's JSON context, once per
distinct context, with the application layer's factories (`negoprep.app.deps`).

The API clients rely on:

- preparation: input `{"case_dir": "<path on the server>"}`; context as `PrepContext`, e.g.
  `{"replay": "<cassette folder>"}` for an offline run; the final state has `dossier` (the
  content of dossier.json) and `dossier_md` (the Markdown).
- rehearsal: input `{"setup": <the scene, negoprep.app.rehearsal.load_setup>}`; context as
  `RehearsalContext`; every user turn is an interrupt, resumed with `Command(resume=text)`.

Settings (provider, models, folders) come from the server's environment and `.env`, like the CLI.

Checkpoints of the server hold our pydantic types (the case, the agents' outputs). The server's
serializer cannot be given an allowlist in `langgraph.json` (it has `allowed_json_modules` only,
for the legacy JSON format), so `langgraph.json` sets `LANGGRAPH_STRICT_MSGPACK=true`: LangGraph
then allows exactly the types a graph declares (derived at compile time from its schemas), with
no warning. Two gaps are closed here: the server copies each graph per run and the copy loses
that allowlist (`Pregel.copy`, langgraph 1.2), and additional agents' outputs (typed
`BaseModel` in the state) are not derivable from the schemas. Served graphs therefore keep the
allowlist through copies, extended with `checkpoints.allowed_types()`.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph.state import CompiledStateGraph

from negoprep.app.checkpoints import allowed_types
from negoprep.app.deps import cached_prep_deps, cached_rehearsal_deps
from negoprep.graphs import preparation as _preparation
from negoprep.graphs import rehearsal as _rehearsal


class ServedGraph(CompiledStateGraph[Any, Any, Any, Any]):
    """A compiled graph whose checkpoint allowlist survives the server's per-run copies."""

    def copy(self, update: dict[str, Any] | None = None) -> ServedGraph:
        clone = super().copy(update)
        clone._serde_allowlist = self._serde_allowlist
        return clone


def served(graph: CompiledStateGraph[Any, Any, Any, Any]) -> ServedGraph:
    """`graph` as the server gets it: its allowlist (strict mode only) plus all our types."""
    graph.__class__ = ServedGraph
    if graph._serde_allowlist is not None:
        graph._serde_allowlist |= set(allowed_types())
    return graph  # type: ignore[return-value]


preparation = served(_preparation.build(cached_prep_deps).compile(name="preparation"))
"""The preparation graph, served as `preparation`."""

rehearsal = served(_rehearsal.build(cached_rehearsal_deps).compile(name="rehearsal"))
"""The rehearsal graph, served as `rehearsal`."""
