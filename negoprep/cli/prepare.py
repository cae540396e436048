"""`negoprep prepare`: case folder in, grounded dossier out."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.cli.options import add_model_options, command_line, model_flags, model_options
from negoprep.errors import UserError

if TYPE_CHECKING:
    from negoprep.app.prepare import PlannedRun, PrepareRequest
    from negoprep.cli.progress import Progress


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "prepare",
        help="write a preparation dossier for a case folder",
        description="Read a folder of case documents and write dossier.md and dossier.json.",
        usage=(
            "%(prog)s CASE_DIR [CASE_DIR...] [options]\n       %(prog)s --all FOLDER [options]\n"
            "       %(prog)s --resume RUN_DIR [CASE_DIR] [options]"
        ),
    )
    p.add_argument(
        "case_dirs",
        nargs="*",
        type=Path,
        metavar="CASE_DIR",
        help="folder with the case documents (several: prepared concurrently, one run each)",
    )
    p.add_argument(
        "--all",
        type=Path,
        metavar="FOLDER",
        help="prepare every case in FOLDER (each subfolder with case.yaml or documents)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="output folder (default: a new folder under runs/); with several cases, the folder "
        "their run folders go under",
    )
    p.add_argument(
        "--language", help="language of the dossier (default: the brief's, else the documents')"
    )
    p.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="retry what failed in an earlier run"
    )
    p.add_argument(
        "--review",
        action="store_true",
        help="pause after the extractor so you can correct the deal profile before the others run",
    )
    p.add_argument(
        "--redo",
        metavar="AGENT",
        help="with --resume: write this agent's section again (and what depends on it)",
    )
    p.add_argument("--note", help="with --redo: a note for that agent, e.g. who decides")
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
        case_dir=args.case_dirs[0] if args.case_dirs else None,
        out=args.out,
        resume=args.resume,
        language=args.language,
        **model_options(args),
        review=args.review,
        redo=args.redo,
        note=args.note,
    )


def run(args: argparse.Namespace) -> int:
    from negoprep.cli.progress import Progress

    if args.all is not None or len(args.case_dirs) > 1:
        from negoprep.cli.batch import run_batch

        return run_batch(args, request_of(args))
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
            f"  {command_line('prepare', '--resume', str(run_dir), *model_flags(args))}",
            file=sys.stderr,
        )
        return 130


async def _prepare(
    request: PrepareRequest,
    progress: Progress,
    state: dict[str, Any],
    args: argparse.Namespace,
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
        elif event.get("kind") == "checking":
            progress.checking(event["done"], event["total"])
        elif event.get("kind") == "notice":
            progress.notice(str(event["text"]))
        else:
            progress.event(event)

    estimate = bool(getattr(args, "estimate", False))
    yes = bool(getattr(args, "yes", False))
    settings = None
    if estimate:  # no model is called: an estimate needs no provider configured
        from negoprep.app import settings as settings_mod

        settings_mod.load_env_file()
        settings = replace(settings_mod.from_env(model=request.model), provider_configured=True)
    found = await prepare_case(
        request,
        settings=settings,
        on_event=on_event,
        confirm=lambda planned: confirm_cost(planned, estimate=estimate, yes=yes),
    )
    if found is None:
        return 0 if estimate else 2
    result = found
    while result.review_file is not None:
        if not sys.stdin.isatty():
            print(
                f"\nThe run waits for your review of the deal profile. Correct {result.review_file},\n"
                f"then continue with: negoprep prepare --resume {result.run_dir}"
            )
            return 0
        print(f"\nReview the deal profile: correct {result.review_file} in your editor,")
        input("then press Enter to continue (Ctrl-C to stop; continue later with --resume) ")
        follow = replace(request, resume=result.run_dir, case_dir=None, out=None)
        try:
            result = await prepare_case(follow, on_event=on_event) or result
        except UserError as exc:  # a correction that is not a deal profile: fix it and go on
            print(f"negoprep: {exc}", file=sys.stderr)
    assert result.dossier is not None
    for line in result.reread:
        progress.say(f"  (read again: {line})")
    if result.archived:
        progress.say(f"  (the previous dossier was moved to {result.archived})")
    for line in result.dossier.user_changes:
        progress.say(f"  (your review: {line})")
    resume = command_line("prepare", "--resume", str(result.run_dir), *model_flags(args))
    print(summary(result.dossier, result.run_dir, progress.elapsed(), resume, progress.shown))
    return result.exit_code


def confirm_cost(planned: PlannedRun, *, estimate: bool, yes: bool, ask: bool = True) -> bool:
    """--estimate: print the estimate and stop (False). Otherwise True, unless a live or
    recording run exceeds NEGOPREP_MAX_RUN_TOKENS: then ask on a terminal (if `ask`), and
    otherwise raise `UserError` unless `yes`."""
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
    if not (ask and sys.stdin.isatty()):
        raise UserError(f"{text}; add --yes to run it anyway")
    if input(f"negoprep: {text}. Run it? [y/N] ").strip().lower() in ("y", "yes"):
        return True
    print("negoprep: not run.", file=sys.stderr)
    return False
