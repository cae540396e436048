"""`negoprep eval`: is the dossier better or worse than before? Coverage of expected items."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from negoprep.cli.options import add_model_options, model_options
from negoprep.errors import UserError


def _share(text: str) -> float:
    """A threshold as a share: '0.8', '80' or '80%' -> 0.8."""
    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (e.g. 80 or 0.8)") from None
    value = value / 100 if value > 1 else value
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"'{text}' must be between 0 and 100%")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="check dossiers against the cases' expect.yaml (coverage, grounding, length)",
        description="Prepare each case (or read a run) and report how well its dossier covers "
        "the items of the case's expect.yaml, per section and overall, what must not appear, "
        "grounding and length. Coverage is judged by a model, or by a keyword check when no "
        "judge can be reached; the report says which.",
        usage="%(prog)s CASE_DIR... [options]\n       %(prog)s --run RUN_DIR [options]",
    )
    p.add_argument(
        "case_dirs",
        nargs="*",
        type=Path,
        metavar="CASE_DIR",
        help="case folders with an expect.yaml (each is prepared first)",
    )
    p.add_argument(
        "--run",
        action="append",
        type=Path,
        default=[],
        metavar="RUN_DIR",
        help="evaluate an existing run instead of preparing (repeatable)",
    )
    add_model_options(p)
    p.add_argument(
        "--judge-model",
        metavar="NAME",
        help="the judge's model (default: NEGOPREP_MODEL_JUDGE, else the default model)",
    )
    p.add_argument(
        "--keywords", action="store_true", help="use only the keyword check (no judge call)"
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="report folder (default: evals/<time>/)")
    p.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="an earlier report.json (or its folder): show what was gained and lost",
    )
    p.add_argument(
        "--min-coverage",
        type=_share,
        metavar="PCT",
        help="exit code 1 when a case's or the overall coverage is below this (e.g. 80)",
    )
    p.add_argument(
        "--rehearsal",
        action="store_true",
        help="also play each case's rehearsal-eval.yaml and check the counterpart and debrief",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from negoprep.app.evaluate import EvalRequest, evaluate

    options = model_options(args)
    if options.pop("author"):
        raise UserError("eval does not author cassettes; use --replay or --record")
    request = EvalRequest(
        case_dirs=list(args.case_dirs),
        runs=list(args.run),
        **options,
        judge_model=args.judge_model,
        keywords_only=args.keywords,
        out=args.out,
        baseline=args.baseline,
        min_coverage=args.min_coverage,
        rehearsal=args.rehearsal,
    )

    def on_event(event: dict[str, Any]) -> None:
        if args.quiet:
            return
        if event.get("kind") == "case":
            verb = {"prepare": "preparing", "judge": "judging", "rehearse": "rehearsing"}[
                event["step"]
            ]
            print(f"{verb} {event['case']} ...", file=sys.stderr)
        elif event.get("kind") == "notice":
            print(f"  {event['text']}", file=sys.stderr)

    result = asyncio.run(evaluate(request, on_event=on_event))
    from negoprep.evaluation.table import render_table

    print(render_table(result.report), end="")
    print(f"Report: {result.folder / 'report.md'}\n        {result.folder / 'report.json'}")
    if result.report.below_threshold:
        print(
            f"negoprep: coverage below {args.min_coverage * 100:.0f}%: "
            f"{', '.join(result.report.below_threshold)}",
            file=sys.stderr,
        )
    if result.report.rehearsal_failed:
        print(
            f"negoprep: rehearsal checks failed: {', '.join(result.report.rehearsal_failed)}",
            file=sys.stderr,
        )
    return result.exit_code
