"""`negoprep prepare` with several cases: the progress of each case, and the summary table.

The work is `negoprep.app.batch.prepare_batch`; this module only renders it. On a terminal each
case has one line that is rewritten as the case goes on; otherwise (a log, a pipe) each event is
one line that starts with the case's name.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from negoprep.cli.options import command_line, model_flags

if TYPE_CHECKING:
    from negoprep.app.batch import BatchEvent, BatchResult, CaseOutcome
    from negoprep.app.prepare import PrepareRequest

CLEAR_LINE = "\x1b[2K"


def labels(cases: list[Path]) -> list[str]:
    """A short name per case: the folder's name, with its parent's when two names are equal."""
    names = [c.name or str(c) for c in cases]
    return [
        f"{c.parent.name}/{n}" if names.count(n) > 1 and c.parent.name else n
        for c, n in zip(cases, names, strict=True)
    ]


@dataclass
class CaseLine:
    """What the screen shows of one case."""

    label: str
    state: str = "queued"
    started: float = 0.0
    working: dict[str, float] = field(default_factory=dict)
    finished: int = 0
    failed: int = 0
    notice: str = ""
    final: str = ""

    def text(self, now: float) -> str:
        if self.final:
            return self.final
        if self.state != "running":
            return self.state
        parts = [f"{self.finished} finished"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.working:
            agents: dict[str, int] = {}
            for label in self.working:  # "extractor (facts)" and its siblings: "extractor ×4"
                agent = label.split(" (")[0]
                agents[agent] = agents.get(agent, 0) + 1
            names = [f"{a} ×{n}" if n > 1 else a for a, n in agents.items()]
            parts.append("working: " + ", ".join(names))
        if self.notice:
            parts.append(self.notice)
        return f"{' · '.join(parts)} · {now - self.started:.0f} s"


class BatchProgress:
    """Progress of a batch on `stream` (stderr): live lines on a terminal, event lines otherwise,
    nothing when `quiet`."""

    def __init__(
        self,
        cases: list[Path],
        stream: TextIO | None = None,
        *,
        quiet: bool = False,
        live: bool | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.lines = [CaseLine(label) for label in labels(cases)]
        self.width = max(len(line.label) for line in self.lines) if self.lines else 0
        rows = shutil.get_terminal_size().lines
        is_tty = self.stream.isatty() if live is None else live
        self.live = is_tty and len(self.lines) < rows - 1
        self.drawn = 0
        self.checked: dict[int, int] = {}
        self.shown: set[str] = set()
        """Failure reasons said on screen as event lines (the summary does not repeat them)."""

    def _say(self, index: int, text: str) -> None:
        if not self.quiet and not self.live:
            label = self.lines[index].label
            print(f"[{label}] {text}", file=self.stream, flush=True)

    def draw(self) -> None:
        """Rewrite every case's line in place (terminal only)."""
        if self.quiet or not self.live:
            return
        now = time.perf_counter()
        columns = shutil.get_terminal_size().columns
        out = [f"\x1b[{self.drawn}F"] if self.drawn else []
        for line in self.lines:
            text = f"{line.label:<{self.width}}  {line.text(now)}"
            out.append(CLEAR_LINE + text[: max(columns - 1, 20)] + "\n")
        self.stream.write("".join(out))
        self.stream.flush()
        self.drawn = len(self.lines)

    def event(self, index: int, event: dict[str, Any]) -> None:
        """One case's event (see `negoprep.app.batch.BatchEvent`)."""
        line = self.lines[index]
        kind = event.get("kind")
        if kind == "queued":
            pass
        elif kind == "reading":
            line.state = "reading the documents"
            self._say(index, "reading the documents")
        elif kind == "run":
            line.state, line.started = "running", time.perf_counter()
            planned = event["planned"]
            docs = [d for d in planned.case.documents if d.passages]
            self._say(
                index,
                f"run folder {event['run_dir']}: {len(docs)} documents, "
                f"{len(planned.case.passages)} passages",
            )
        elif kind == "notice":
            line.notice = str(event["text"])[:80]
            self._say(index, f"· {event['text']}")
        elif kind == "checking":
            tenth = int(event["done"]) * 10 // max(int(event["total"]), 1)
            if tenth > self.checked.get(index, -1):
                self.checked[index] = tenth
                self._say(index, f"… checking quotes: {event['done']:,} of {event['total']:,}")
        elif kind == "done":
            line.final = outcome_line(event["outcome"])
            self._say(index, line.final)
        else:
            self._agent(index, line, event)
        self.draw()

    def _agent(self, index: int, line: CaseLine, event: dict[str, Any]) -> None:
        agent, status, detail = event.get("agent", "?"), event.get("status"), event.get("detail")
        label = f"{agent} ({detail})" if detail else str(agent)
        if line.state != "running":
            line.state, line.started = "running", time.perf_counter()
        if status == "started":
            line.working[label] = time.perf_counter()
            self._say(index, f"… {label} working")
        elif status == "finished":
            took = time.perf_counter() - line.working.pop(label, time.perf_counter())
            line.finished += 1
            self._say(index, f"✓ {label} finished in {took:.1f} s")
        elif status == "failed":
            line.working.pop(label, None)
            line.failed += 1
            reason = event.get("reason") or ""
            self._say(index, f"✗ {label} failed: {reason}" if reason else f"✗ {label} failed")
            if reason and not self.quiet and not self.live:
                self.shown.add(reason)


def outcome_line(outcome: CaseOutcome) -> str:
    """One case's end in a few words: its status, calls, time, or its reason."""
    mark = {"complete": "✓", "waiting for review": "…"}.get(outcome.status, "✗")
    words = [f"{mark} {outcome.status} (exit {outcome.exit_code})"]
    dossier = outcome.result.dossier if outcome.result is not None else None
    if dossier is not None:
        words.append(f"{len(dossier.calls)} model calls")
    words.append(f"{outcome.seconds:.1f} s")
    if outcome.reason:
        words.append(outcome.reason)
    return " · ".join(words)


def summary_table(
    result: BatchResult,
    cases: list[Path],
    args: argparse.Namespace,
    shown: set[str] | frozenset[str] = frozenset(),
) -> str:
    """The closing table: one row per case (status, exit code, calls, citations, time, run
    folder), the reasons of the cases that failed (a reason in `shown`, said live, is not
    repeated), how to continue, and the totals."""
    rows = [("case", "status", "exit", "calls", "citations", "time", "run folder")]
    notes: list[str] = []
    for label, outcome in zip(labels(cases), result.outcomes, strict=True):
        dossier = outcome.result.dossier if outcome.result is not None else None
        calls = citations = "-"
        if dossier is not None:
            calls = str(len(dossier.calls))
            g = dossier.grounding
            citations = f"{g.verified} of {g.verified + g.unverified}"
        run_dir = str(outcome.run_dir) if outcome.run_dir is not None else "-"
        rows.append(
            (
                label,
                outcome.status,
                str(outcome.exit_code),
                calls,
                citations,
                f"{outcome.seconds:.1f} s",
                run_dir,
            )
        )
        if outcome.reason:
            notes.append(f"  ✗ {label}: {outcome.reason}")
        if dossier is not None and dossier.failures:
            for agent, reason in dossier.failures.items():
                said = any(text and text in reason for text in shown)
                notes.append(f"  ✗ {label}: {agent}: {'failed (reason above)' if said else reason}")
        if outcome.result is not None and outcome.result.review_file is not None:
            notes.append(f"  {label}: correct {outcome.result.review_file}, then")
        if outcome.run_dir is not None and outcome.status != "complete":
            resume = command_line("prepare", "--resume", str(outcome.run_dir), *model_flags(args))
            notes.append(f"  {label}: continue with: {resume}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [""]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines += notes
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    lines.append(
        f"{len(result.outcomes)} cases: {tally}; exit code {result.exit_code}; "
        f"{result.seconds:.1f} s in all"
    )
    return "\n".join(lines)


def case_list(args: argparse.Namespace) -> list[Path]:
    """The batch's case folders: CASE_DIRs, or the cases of `--all FOLDER` (not both)."""
    from negoprep.app.batch import find_cases
    from negoprep.errors import UserError

    if args.all is not None:
        if args.case_dirs:
            raise UserError("give CASE_DIRs or --all FOLDER, not both")
        return find_cases(args.all)
    return list(args.case_dirs)


def run_batch(args: argparse.Namespace, request: PrepareRequest) -> int:
    """`negoprep prepare` with several cases; returns the worst of their exit codes (130 after
    Ctrl-C, with the commands that continue the cases that had started)."""
    from negoprep.app.batch import check_batch

    cases = case_list(args)
    check_batch(request, cases)
    if args.estimate:
        return _estimate(cases, request)
    progress = BatchProgress(cases, quiet=args.quiet)
    started: dict[int, Path] = {}
    ended: set[int] = set()

    def on_event(index: int, event: dict[str, Any]) -> None:
        if event.get("kind") == "run":
            started[index] = event["run_dir"]
        elif event.get("kind") == "done":
            ended.add(index)
        progress.event(index, event)

    try:
        result = asyncio.run(_run(cases, request, args, on_event))
    except KeyboardInterrupt:
        print("\nnegoprep: interrupted. What finished is saved; continue with:", file=sys.stderr)
        for index, run_dir in sorted(started.items()):
            if index not in ended:
                flags = model_flags(args)
                print(
                    f"  {command_line('prepare', '--resume', str(run_dir), *flags)}",
                    file=sys.stderr,
                )
        return 130
    print(summary_table(result, cases, args, progress.shown))
    return result.exit_code


async def _run(
    cases: list[Path], request: PrepareRequest, args: argparse.Namespace, on_event: BatchEvent
) -> BatchResult:
    from negoprep.app.batch import prepare_batch
    from negoprep.cli.prepare import confirm_cost

    loop = asyncio.get_running_loop()
    try:
        return await prepare_batch(
            cases,
            request,
            on_event=on_event,
            confirm=lambda planned: confirm_cost(planned, estimate=False, yes=args.yes, ask=False),
        )
    except asyncio.CancelledError:  # Ctrl-C: what the cases had saved stays; say it plainly
        loop.set_exception_handler(_quiet_after_interrupt)
        raise


def _quiet_after_interrupt(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """After Ctrl-C, asyncio.run() cancels what is left; a graph's checkpoint write still
    pending then finds its database closed. That is the interruption itself (the last saved
    step is what --resume continues from), not an error to show as a traceback."""
    if str(context.get("message", "")).startswith("unhandled exception during asyncio.run()"):
        return
    loop.default_exception_handler(context)


def _estimate(cases: list[Path], request: PrepareRequest) -> int:
    from negoprep.app import settings as settings_mod
    from negoprep.app.batch import estimate_cases
    from negoprep.app.estimate import render_estimate

    settings_mod.load_env_file()
    settings = replace(settings_mod.from_env(model=request.model), provider_configured=True)
    found = estimate_cases(cases, request, settings)
    tokens = cost = 0.0
    priced = False
    for label, item in zip(labels(cases), found, strict=True):
        print(f"== {label} ({item.case_dir})")
        if item.estimate is None:
            print(f"not estimated: {item.reason}\n")
            continue
        print(render_estimate(item.estimate, settings) + "\n")
        tokens += item.estimate.total_tokens
        each = item.estimate.cost(settings)
        if each is not None:
            priced, cost = True, cost + each
    done = [item for item in found if item.estimate is not None]
    line = f"{len(done)} of {len(found)} cases estimated: about {int(tokens):,} tokens in all"
    print(line + (f", cost about {cost:.4f}" if priced else ""))
    return 0 if len(done) == len(found) else 2
