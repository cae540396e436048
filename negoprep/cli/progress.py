"""Live progress on stderr while agents work, and the closing summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from negoprep.agents.registry import preparation_agents
from negoprep.output.dossier import Dossier


class Progress:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = time.perf_counter()
        self.running: dict[str, float] = {}
        self.checked_tenth = -1
        self.shown: set[str] = set()
        """Failure reasons already said on screen (the summary does not repeat them)."""

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def checking(self, done: int, total: int) -> None:
        """Progress of the search for quotes not in their passage, at most every 10%."""
        tenth = done * 10 // max(total, 1)
        if tenth > self.checked_tenth:
            self.checked_tenth = tenth
            self.say(f"  … checking quotes in the whole case: {done:,} of {total:,} passages")

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def event(self, event: dict[str, Any]) -> None:
        agent, status, detail = (
            event.get("agent", "?"),
            event.get("status"),
            event.get("detail", ""),
        )
        key = f"{agent} {detail}".strip()
        label = f"{agent} ({detail})" if detail else agent
        if status == "started":
            self.running[key] = time.perf_counter()
            self.say(f"  … {label} working")
        elif status == "finished":
            took = time.perf_counter() - self.running.pop(key, time.perf_counter())
            self.say(f"  ✓ {label} finished in {took:.1f} s")
        elif status == "failed":
            self.running.pop(key, None)
            reason = event.get("reason") or ""
            self.say(f"  ✗ {label} failed: {reason}" if reason else f"  ✗ {label} failed")
            if not self.quiet and reason:
                self.shown.add(reason)

    def notice(self, text: str) -> None:
        """A message about a call in progress: a retry, a long wait, a fallback (thread-safe)."""
        self.say(f"  · {text}")


def summary(
    dossier: Dossier,
    run_dir: Path,
    seconds: float,
    resume: str = "",
    shown: set[str] | frozenset[str] = frozenset(),
) -> str:
    """The closing lines; `resume` is the command that retries what failed; a failure whose
    reason is in `shown` (said live) is not repeated."""
    g = dossier.grounding
    tin, tout = dossier.tokens()
    requests = sum(max(c.requests, 1) for c in dossier.calls)
    failed = sum(1 for c in dossier.calls if c.status != "ok")
    builtin = preparation_agents(())
    sections: dict[str, object] = {
        f"{a.title.lower()} ({a.name})": getattr(dossier, a.key) for a in builtin
    }
    for name in dossier.models:  # registered extra agents
        if name not in {a.name for a in builtin}:
            sections[name] = dossier.extras.get(name)
    written = [name for name, value in sections.items() if value is not None]
    missing = [name for name, value in sections.items() if value is None]
    lines = [
        "",
        f"Dossier: {run_dir / 'dossier.md'}",
        f"         {run_dir / 'dossier.json'}",
        f"Sections written: {', '.join(written) or 'none'}",
    ]
    if missing:
        lines.append(f"Sections MISSING: {', '.join(missing)}")
    for agent, reason in dossier.failures.items():
        lines.append(
            f"  ✗ {agent}: failed (reason above)"
            if any(said and said in reason for said in shown)
            else f"  ✗ {agent}: {reason}"
        )
    bad_files = [d for d in dossier.case.documents if d.status in ("unreadable", "skipped")]
    for doc in bad_files:
        lines.append(f"  ✗ file {doc.path}: {doc.status}: {'; '.join(doc.problems)}")
    lines += [
        f"Citations: {g.verified} verified, {g.unverified} unverified (marked in the dossier)",
        f"Tokens: {tin:,} in, {tout:,} out, in {len(dossier.calls)} model calls"
        + (f" ({requests} HTTP requests)" if requests > len(dossier.calls) else "")
        + (f", {failed} of them failed" if failed else ""),
        f"Time: {seconds:.1f} s",
        f"Mode: {dossier.mode}",
    ]
    if missing or dossier.failures:
        lines.append(
            f"To retry only what failed: {resume or f'negoprep prepare --resume {run_dir}'}"
        )
    return "\n".join(lines)
