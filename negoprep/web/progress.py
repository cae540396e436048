"""What the run page shows: the agents' progress from a job's events, and a finished run's
summary from its dossier (sections, failures, citations, tokens and time per agent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from negoprep.agents.registry import preparation_agents
from negoprep.output.dossier import Dossier

LABELS = {
    "extractor": "Case extractor",
    "challenger": "Knowledge-base challenger",
    "counterpart": "Counterpart simulator",
    "synthesis": "Synthesis",
}


@dataclass
class AgentRow:
    """One agent's (or one part's) line: status, what it works on, seconds, failure reason."""

    agent: str
    label: str
    detail: str
    status: str = "started"
    started: float = 0.0
    seconds: float | None = None
    reason: str = ""


@dataclass
class RunSummary:
    """A finished run, for the page: what was written, what failed, and what it cost."""

    status: str
    sections: list[tuple[str, bool]]
    can_rehearse: bool
    """Whether the dossier has a counterpart profile to rehearse with."""
    failures: dict[str, str]
    bad_files: list[tuple[str, str, str]]
    verified: int
    unverified: int
    tokens: list[tuple[str, int, int, float]] = field(default_factory=list)
    """Per agent: input tokens, output tokens, seconds of model time."""
    mode: str = ""


def agent_rows(events: list[dict[str, Any]], *, ended: bool = False) -> list[AgentRow]:
    """The rows of the progress table, in the order the agents started; once the job has
    `ended`, an agent still marked as working was stopped (cancelled or interrupted)."""
    rows: list[AgentRow] = []
    for event in events:
        agent = event.get("agent")
        if not agent:
            continue
        status, detail, t = event.get("status"), str(event.get("detail") or ""), event["t"]
        label = LABELS.get(agent, agent.replace("_", " ").capitalize())
        if status == "started":
            rows.append(AgentRow(agent, label, detail, "started", t))
            continue
        open_rows = [r for r in rows if r.agent == agent and r.status == "started"]
        match = next((r for r in open_rows if r.detail == detail), None)
        row = match or (open_rows[-1] if open_rows else None)
        if row is None:
            row = AgentRow(agent, label, "", "started", t)
            rows.append(row)
        row.status, row.seconds = str(status), round(t - row.started, 1)
        if status == "failed":
            row.reason = str(event.get("reason") or detail)
    if ended:
        for row in rows:
            if row.status == "started":
                row.status = "stopped"
    return rows


def run_summary(run_dir: Path) -> RunSummary | None:
    """The summary of the run's dossier, or None when there is none (yet)."""
    path = run_dir / "dossier.json"
    if not path.is_file():
        return None
    dossier = Dossier.model_validate_json(path.read_bytes())
    # From the agent table, in dossier order; the counterpart profile is what rehearsal needs.
    sections = [(a.title, getattr(dossier, a.key) is not None) for a in preparation_agents(())]
    per_agent: dict[str, list[float]] = {}
    for call in dossier.calls:
        acc = per_agent.setdefault(call.agent, [0, 0, 0.0])
        acc[0] += call.input_tokens
        acc[1] += call.output_tokens
        acc[2] += call.seconds
    bad: list[tuple[str, str, str]] = [
        (d.path, str(d.status), "; ".join(d.problems))
        for d in dossier.case.documents
        if d.status in ("unreadable", "skipped")
    ]
    return RunSummary(
        status=dossier.status,
        sections=sections,
        can_rehearse=dossier.counterpart is not None,
        failures=dict(dossier.failures),
        bad_files=bad,
        verified=dossier.grounding.verified,
        unverified=dossier.grounding.unverified,
        tokens=[
            (LABELS.get(a, a), int(v[0]), int(v[1]), round(v[2], 1)) for a, v in per_agent.items()
        ],
        mode=dossier.mode,
    )


def summary_notes(run_dir: Path) -> dict[str, list[str]]:
    """What the user changed in this run: `{"review": [...], "redo": ["agent: note", ...],
    "earlier": [<previous dossier folders>]}` (empty lists when nothing)."""
    dossier = Dossier.model_validate_json((run_dir / "dossier.json").read_bytes())
    previous = run_dir / "previous"
    return {
        "review": list(dossier.user_changes),
        "redo": [f"{agent}: {note}" for agent, note in dossier.notes.items()],
        "earlier": sorted(p.name for p in previous.iterdir()) if previous.is_dir() else [],
    }
