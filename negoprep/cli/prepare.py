"""`negoprep prepare`: case folder in, grounded dossier out."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.cli.options import add_model_options, replay_models, selected_mode
from negoprep.errors import UserError

if TYPE_CHECKING:
    from negoprep.llm.recorder import Recorder


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


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_prepare(args))
    except KeyboardInterrupt:
        run_dir = getattr(args, "run_dir", None)
        if run_dir is None:
            raise
        print(
            f"\nnegoprep: interrupted. What finished is saved in {run_dir}; continue with:\n"
            f"  negoprep prepare --resume {run_dir}",
            file=sys.stderr,
        )
        return 130


def _cassette_dir(value: str | None, case_dir: Path) -> Path | None:
    if value is None:
        return None
    return Path(value) if value else case_dir / "cassettes"


async def _prepare(args: argparse.Namespace) -> int:
    from negoprep.agents.base import AgentDeps
    from negoprep.app import runs, settings
    from negoprep.cli.progress import Progress, summary
    from negoprep.graphs.context import PrepContext
    from negoprep.graphs.preparation import graph
    from negoprep.knowledge.base import KnowledgeBase
    from negoprep.llm.prompts import PromptLibrary
    from negoprep.llm.provider import OpenAICompatibleProvider, mask_url
    from negoprep.llm.recorder import Recorder
    from negoprep.output.dossier import assemble
    from negoprep.output.render import render_markdown
    from negoprep.reading.ingest import load_case

    settings.load_env_file()
    cfg = settings.from_env(model=args.model)
    progress = Progress(quiet=args.quiet)

    previous: dict[str, Any] = {}
    if args.resume:
        previous = runs.load_progress(args.resume)
        case_dir = args.case_dir or Path(previous["case_root"])
    elif args.case_dir is None:
        raise UserError("give a CASE_DIR (the folder with the case documents), or --resume RUN_DIR")
    else:
        case_dir = args.case_dir

    case = load_case(case_dir)
    mode = selected_mode(args)
    cassette = _cassette_dir(getattr(args, mode, None), case_dir) if mode != "live" else None
    if mode == "replay" and cassette is not None:
        recorded = replay_models(cassette, ["models"])
        cfg = cfg.with_models(recorded, keep_model=bool(args.model))
    elif mode == "live" and not cfg.provider_configured and not args.estimate:
        raise UserError(settings.NO_PROVIDER_HELP)

    knowledge = KnowledgeBase.load([*cfg.kb_dirs, *args.kb])
    prompts = PromptLibrary.load([*cfg.prompt_dirs, *args.prompts])
    language = case.language(args.language or cfg.language)
    checked = args.estimate or (cfg.max_run_tokens is not None and mode in ("live", "record"))
    if checked and not _confirm_cost(args, cfg, case, prompts, knowledge, language):
        return 0 if args.estimate else 2

    run_dir = args.resume or (
        runs.claim_out_dir(args.out) if args.out else runs.new_run_dir(cfg.runs_dir, case.name)
    )
    args.run_dir = run_dir
    recorder = Recorder(mode, cassette) if cassette is not None and mode != "live" else None  # type: ignore[arg-type]
    provider = OpenAICompatibleProvider(
        cfg.default, cfg.per_agent, recorder, notify=progress.notice
    )
    deps = AgentDeps(
        models=provider,
        prompts=prompts,
        knowledge=knowledge,
        max_attempts=cfg.max_attempts,
        replies_dir=run_dir / "replies",
    )

    docs = [d for d in case.documents if d.passages]
    where = f" · {mode} {cassette}" if cassette else f" · live: {mask_url(cfg.default.base_url)}"
    progress.say(
        f"negoprep: case '{case.name}', {len(docs)} documents, {len(case.passages)} passages{where}"
    )
    for warning in case.warnings:
        progress.say(f"  ! {warning}")

    state_in: dict[str, Any] = {"case": case, "language": language, **previous.get("outputs", {})}
    if previous.get("knowledge_used"):
        state_in["knowledge_used"] = previous["knowledge_used"]
    final: dict[str, Any] = dict(state_in)
    stream: Any = graph.astream(  # type: ignore[call-overload]
        state_in,
        {"max_concurrency": cfg.max_concurrency},
        context=PrepContext(deps=deps, max_parts=cfg.max_parts),
        stream_mode=["custom", "values"],
    )
    async for stream_mode, chunk in stream:
        if stream_mode == "custom":
            progress.event(chunk)
        else:
            final = dict(chunk)
            runs.save_progress(run_dir, str(case_dir), language, final)

    from negoprep.agents.base import CallRecord

    final["calls"] = [CallRecord.model_validate(c) for c in previous.get("calls", [])] + list(
        final.get("calls", [])
    )
    runs.save_progress(run_dir, str(case_dir), language, final)
    models = {
        a: provider.config(a).public()
        for a in ("extractor", "challenger", "counterpart", "synthesis")
    }
    dossier = assemble(
        final,
        knowledge=knowledge,
        prompts=prompts,
        models=models,
        mode=_describe_mode(mode, cassette, recorder),
    )
    archived = runs.archive_previous(run_dir) if args.resume else None
    from negoprep.files import write_json_atomic, write_text_atomic

    write_json_atomic(run_dir / "dossier.json", dossier.model_dump(mode="json"))
    write_text_atomic(run_dir / "dossier.md", render_markdown(dossier))
    if recorder is not None and mode in ("record", "author") and cassette is not None:
        _write_manifest(cassette, mode, {a: provider.config(a).request_shape() for a in models})
    if archived:
        progress.say(f"  (the previous dossier was moved to {archived})")
    print(summary(dossier, run_dir, progress.elapsed(), progress.shown))
    bad_files = any(d.status in ("unreadable", "skipped") for d in case.documents)
    return 1 if dossier.failures or dossier.part_failures or bad_files else 0


def _confirm_cost(
    args: argparse.Namespace, cfg: Any, case: Any, prompts: Any, knowledge: Any, language: str
) -> bool:
    """Print the estimate for --estimate (then stop: False); otherwise True unless the run
    exceeds NEGOPREP_MAX_RUN_TOKENS and the user does not confirm (UserError without a
    terminal and without --yes)."""
    from negoprep.app.estimate import estimate_run, render_estimate

    run = estimate_run(case, cfg, prompts, knowledge, language)
    if args.estimate:
        print(render_estimate(run, cfg))
        return False
    if run.total_tokens <= cfg.max_run_tokens or args.yes:
        return True
    text = (
        f"this run is estimated at about {run.total_tokens:,} tokens, above "
        f"NEGOPREP_MAX_RUN_TOKENS={cfg.max_run_tokens:,} (see: negoprep prepare "
        f"{args.case_dir} --estimate)"
    )
    if not sys.stdin.isatty():
        raise UserError(f"{text}; add --yes to run it anyway")
    answer = input(f"negoprep: {text}. Run it? [y/N] ")
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("negoprep: not run.", file=sys.stderr)
    return False


def _describe_mode(mode: str, cassette: Path | None, recorder: Recorder | None) -> str:
    """'live', or e.g. 'replay (cases/x/cassettes): hand-written responses, not a model's'."""
    if cassette is None or recorder is None:
        return mode
    text = f"{mode} ({cassette})"
    kinds = recorder.used_sources() if mode == "replay" else []
    if kinds == ["hand-written"]:
        return (
            f"{text}: hand-written responses, not a model's (the model named is the one requested)"
        )
    if kinds:
        return f"{text}: {' and '.join(kinds)} responses"
    return text


def _write_manifest(cassette: Path, mode: str, shapes: dict[str, dict[str, Any]]) -> None:
    from negoprep.files import write_json_atomic
    from negoprep.llm.recorder import MANIFEST

    data = {
        "about": "Recorded LLM exchanges for negoprep. Each entry's 'source' says whether it was "
        "recorded from a live provider (and which model answered) or written by hand.",
        "source": "hand-written" if mode == "author" else "recorded",
        "models": shapes,
    }
    write_json_atomic(cassette / MANIFEST, data)
