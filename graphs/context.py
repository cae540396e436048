"""The runtime context of the graphs: everything a node needs that is not state."""

from __future__ import annotations

from dataclasses import dataclass

from negoprep.agents.base import AgentDeps


@dataclass
class PrepContext:
    """Handed to `graph.ainvoke(..., context=...)`; tests pass scripted models through it."""

    deps: AgentDeps
    max_parts: int = 60
    """At most this many extraction calls for one case; what does not fit is reported unread."""
