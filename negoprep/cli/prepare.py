"""`negoprep prepare`: case folder in, grounded dossier out."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.cli.options import add_model_options

if TYPE_CHECKING:
    from negoprep.app.prepare import PlannedRun, PrepareRequest
    from negoprep.cli.progress import Progress


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "prepare",
        help="write a preparation dossier for a case folder",
        description="Read a folder of case documents and write dossier.md and dossier.json.",
    )
    p.add_argument("case_dir", nargs="?", type=Path, help="folder with the case documents")
    p.add_argument("--out", type=Path, help="output folder (default: a new folder under runs/)")
    p.add_argument(
        "--language", help="language of the dossier (default: the brief's, else the documents')"
    )
    p.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="retry what failed in an earlier run"
    )
    add_model_options(p)
    p.add_argument(
        "--estimate",
        action="store_true",
        help="make no model call: print the calls, tokens and cost the run would take",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="run even if the estimate exceeds NEGOPREP_MAX_RUN_TOKENS (no question asked)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no live progress")
    p.set_defaults(func=run)


def request_of(args: argparse.Namespace) -> PrepareRequest:
    """The app layer's request from the parsed flags."""
    from negoprep.app.prepare import PrepareRequest

    return PrepareRequest(
        case_dir=args.case_dir,
        out=args.out,
        resume=args.resume,
        language=args.language,
        replay=args.replay,
        record=args.record,
        author=args.author,
        model=args.model,
        kb=list(args.kb),
        prompts=list(args.prompts),
    )


def run(args: argparse.Namespace) -> int:
    from negoprep.cli.progress import Progress

    progress = Progress(quiet=args.quiet)
    state: dict[str, Any] = {}
    try:
        return asyncio.run(_prepare(request_of(args), progress, state, args))
    except KeyboardInterrupt:
        run_dir = state.get("run_dir")
        if run_dir is None:
            raise
        print(
            f"\nnegoprep: interrupted. What finished is saved in {run_dir}; continue with:\n"
            f"  negoprep prepare --resume {run_dir}",
            file=sys.stderr,
        )
        return 130


async def _prepare(
    request: PrepareRequest,
    progress: Progress,
    state: dict[str, Any],
    args: argparse.Namespace | None = None,
) -> int:
    from negoprep.app.prepare import prepare_case
    from negoprep.cli.progress import summary
    from negoprep.llm.provider import mask_url

    def on_event(event: dict[str, Any]) -> None:
        if event.get("kind") == "run":
            state["run_dir"] = event["run_dir"]
            planned = event["planned"]
            case, source = planned.case, planned.source
            docs = [d for d in case.documents if d.passages]
            if source.cassette is not None:
                where = f" · {source.mode} {source.cassette}"
            else:
                where = f" · live: {mask_url(planned.wiring.settings.default.base_url)}"
            progress.say(
                f"negoprep: case '{case.name}', {len(docs)} documents, "
                f"{len(case.passages)} passages{where}"
            )
            for warning in case.warnings:
                progress.say(f"  ! {warning}")
        elif event.get("kind") == "notice":
            progress.notice(str(event["text"]))
        else:
            progress.event(event)

    estimate = bool(args and getattr(args, "estimate", False))
    yes = bool(args and getattr(args, "yes", False))
    settings = None
    if estimate:  # no model is called: an estimate needs no provider configured
        from dataclasses import replace

        from negoprep.app import settings as settings_mod

        settings_mod.load_env_file()
        settings = replace(settings_mod.from_env(model=request.model), provider_configured=True)
    result = await prepare_case(
        request,
        settings=settings,
        on_event=on_event,
        confirm=lambda planned: confirm_cost(planned, estimate=estimate, yes=yes),
    )
    if result is None:
        return 0 if estimate else 2
    for line in result.reread:
        progress.say(f"  (read again: {line})")
    if result.archived:
        progress.say(f"  (the previous dossier was moved to {result.archived})")
    print(summary(result.dossier, result.run_dir, progress.elapsed(), progress.shown))
    return result.exit_code


def confirm_cost(planned: PlannedRun, *, estimate: bool, yes: bool) -> bool:
    """--estimate: print the estimate and stop (False). Otherwise True, unless a live or
    recording run exceeds NEGOPREP_MAX_RUN_TOKENS: then ask on a terminal, and without one
    raise `UserError` unless `yes`."""
    from negoprep.app.estimate import estimate_run, render_estimate
    from negoprep.errors import UserError

    settings = planned.wiring.settings
    limited = settings.max_run_tokens is not None and planned.source.mode in ("live", "record")
    if not (estimate or limited):
        return True
    language = planned.case.language(planned.request.language or settings.language)
    wiring = planned.wiring
    run = estimate_run(planned.case, settings, wiring.prompts, wiring.knowledge, language)
    if estimate:
        print(render_estimate(run, settings))
        return False
    assert settings.max_run_tokens is not None
    if run.total_tokens <= settings.max_run_tokens or yes:
        return True
    text = (
        f"this run is estimated at about {run.total_tokens:,} tokens, above "
        f"NEGOPREP_MAX_RUN_TOKENS={settings.max_run_tokens:,} (see: negoprep prepare "
        f"{planned.case_dir} --estimate)"
    )
    if not sys.stdin.isatty():
        raise UserError(f"{text}; add --yes to run it anyway")
    if input(f"negoprep: {text}. Run it? [y/N] ").strip().lower() in ("y", "yes"):
        return True
    print("negoprep: not run.", file=sys.stderr)
    return False
