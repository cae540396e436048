"""`negoprep log [RUN] [--csv] [--limit N]`: the call log, as a table or CSV on stdout.

Without RUN: the most recent runs with their totals. With RUN (a run folder or a run id, or the
start of one): that run's model calls in the order they finished. The log itself is
`negoprep.app.calllog`, imported when the command runs so `negoprep --help` stays light.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from negoprep.app.calllog import CallRow, RunRow


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "log",
        help="list runs and their model calls from the call log",
        description="The call log: every model call of every run (tokens, time, outcome; no "
        "case text, no keys). Without RUN, the most recent runs with their totals; with RUN, "
        "that run's calls. The log is RUNS_DIR/calls.sqlite, or the NEGOPREP_DATABASE_URL "
        "database.",
    )
    parser.add_argument(
        "run",
        metavar="RUN",
        nargs="?",
        default=None,
        help="a run folder, or a run id (or its first characters) as the list shows it",
    )
    parser.add_argument(
        "--csv", action="store_true", help="write CSV to stdout (every column, in full)"
    )
    parser.add_argument(
        "--limit",
        "-n",
        metavar="N",
        type=_positive_int,
        default=None,
        help="at most N rows: the N most recent runs (default 20), or a run's last N calls",
    )
    parser.set_defaults(func=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    """Print the log (a broken pipe, as `negoprep log --csv | head` gives, is `main`'s)."""
    from negoprep.app import calllog
    from negoprep.app import settings as settings_mod

    settings_mod.load_env_file()
    settings = settings_mod.from_env()
    if args.run is None:
        runs = calllog.recent_runs(settings, args.limit or 20)
        if args.csv:
            write_csv(sys.stdout, calllog.RUN_COLUMNS, runs)
        elif not runs:
            print(f"No runs in the call log yet ({calllog.where(settings)}).")
        else:
            print(runs_table(runs))
        return 0
    found, calls = calllog.run_calls(settings, args.run)
    shown = calls[-args.limit :] if args.limit else calls
    if args.csv:
        write_csv(sys.stdout, calllog.CALL_COLUMNS, shown)
    else:
        print(calls_table(found, shown, len(calls)))
    return 0


def write_csv(out: TextIO, columns: Sequence[str], rows: Sequence[Any]) -> None:
    """`rows` (dataclasses) as CSV with a header of `columns`; None as an empty cell."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if (v := getattr(row, c)) is None else v for c in columns])


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """Aligned columns, two spaces apart; the columns in `right` aligned right (numbers)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _when(iso: str | None) -> str:
    return (iso or "-").replace("T", " ").removesuffix("Z")


def runs_table(runs: Sequence[RunRow]) -> str:
    """The runs list: one line per run, times in UTC."""
    headers = ["run", "started (UTC)", "case", "answers", "calls", "failed"]
    headers += ["prompt tok", "cached", "output tok", "model s", "folder"]
    rows = [
        [
            r.run_id[:12],
            _when(r.started),
            r.case_name,
            r.sources or "-",
            _n(r.calls),
            _n(r.failed),
            _n(r.input_tokens),
            _n(r.cached_tokens),
            _n(r.output_tokens),
            f"{r.seconds:,.1f}",
            r.run_dir,
        ]
        for r in runs
    ]
    return table(headers, rows, right={4, 5, 6, 7, 8, 9})


def calls_table(found: RunRow, calls: Sequence[CallRow], total: int) -> str:
    """One run's calls, with a heading naming the run and a line of totals."""
    head = f"Run {found.run_id} · {found.case_name} · {found.run_dir}"
    if len(calls) < total:
        head += f"\n(the last {len(calls)} of {total} calls)"
    headers = ["finished (UTC)", "session", "call", "model", "prompt", "in", "cached", "out"]
    headers += ["s", "tries", "req", "outcome"]
    rows = [
        [
            _when(c.finished),
            c.session or "-",
            c.call,
            c.model,
            f"{c.prompt_id} v{c.prompt_version} {c.prompt_hash[:8]}",
            _n(c.input_tokens),
            _n(c.cached_tokens),
            _n(c.output_tokens),
            f"{c.seconds:,.1f}",
            str(c.attempts),
            str(c.requests),
            c.outcome if c.error is None else f"{c.outcome}: {c.error}",
        ]
        for c in calls
    ]
    cached = "" if found.cached_tokens is None else f" ({found.cached_tokens:,} cached)"
    failed = f", {found.failed} failed" if found.failed else ""
    foot = (
        f"Total: {found.calls} calls{failed}; {found.input_tokens:,} prompt tokens{cached}, "
        f"{found.output_tokens:,} output tokens; {found.seconds:,.1f} s of model time"
    )
    if not rows:
        return f"{head}\nNo calls logged.\n{foot}"
    return f"{head}\n\n{table(headers, rows, right={5, 6, 7, 8, 9, 10})}\n\n{foot}"
