"""`negoprep rehearse`: talk to the simulated counterpart of a dossier, then get a debrief.

Given a run folder, the dossier there sets the scene. Given a case folder, the newest run folder
of that case under the runs folder is used; if there is none, the case is prepared first, with
the same --replay/--record/--author/--model flags, by the prepare command itself.

Sessions live in `RUN_DIR/rehearsals.sqlite` (one checkpointer thread per session) and can be
continued later with the same --session name; transcripts and debriefs are written under
`RUN_DIR/rehearsals/<session>/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.cli.options import add_model_options, replay_models, selected_mode
from negoprep.errors import UserError

if TYPE_CHECKING:
    from negoprep.app.settings import Settings
    from negoprep.graphs.rehearsal_state import Setup
    from negoprep.llm.provider import OpenAICompatibleProvider

DB_FILE = "rehearsals.sqlite"
MANIFEST_SECTION = "rehearsal"
"""The cassette manifest's section for the rehearsal's models (the preparation owns 'models')."""
REHEARSAL_AGENTS = ("counterpart", "coach")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rehearse",
        help="rehearse against the simulated counterpart, with a debrief",
        description="Rehearse the negotiation in the terminal against the counterpart of a "
        "dossier: /hint for the coach, /debrief for a scored review, /help for all commands.",
    )
    p.add_argument(
        "target",
        type=Path,
        metavar="RUN_DIR_OR_CASE_DIR",
        help="a run folder with dossier.json, or a case folder (its newest run is used)",
    )
    p.add_argument(
        "--session", default="main", help="session name; the same name resumes it (default: main)"
    )
    p.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help="read the turns from FILE instead of the keyboard",
    )
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from negoprep.app import settings

    settings.load_env_file()
    mode = selected_mode(args)
    if args.script is not None and not args.script.is_file():
        raise UserError(f"--script {args.script}: file not found")
    cfg = settings.from_env(model=args.model)
    run_dir = resolve_run_dir(args, cfg)
    return asyncio.run(_rehearse(args, cfg, run_dir, mode))


# -- which dossier -------------------------------------------------------------------------------


def _read_dossier(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "dossier.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a negoprep dossier")
    return data


def newest_run_of(case_dir: Path, runs_dir: Path) -> Path | None:
    """The newest run folder under `runs_dir` whose dossier was made from `case_dir`."""
    if not runs_dir.is_dir():
        return None
    root = case_dir.resolve()
    found: list[tuple[float, Path]] = []
    for dossier in runs_dir.glob("*/dossier.json"):
        try:
            data = json.loads(dossier.read_text(encoding="utf-8"))
            same = Path(data["case"]["root"]).resolve() == root
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if same and data.get("counterpart") is not None:
            found.append((dossier.stat().st_mtime, dossier.parent))
    return max(found)[1] if found else None


def resolve_run_dir(args: argparse.Namespace, cfg: Settings) -> Path:
    target: Path = args.target
    if not target.exists():
        raise UserError(
            f"{target}: not found (give a run folder with dossier.json, or a case folder)"
        )
    if (target / "dossier.json").is_file():
        return target
    if not target.is_dir():
        raise UserError(f"{target}: not a folder (give a run folder or a case folder)")
    found = newest_run_of(target, cfg.runs_dir)
    if found is not None:
        print(f"negoprep: rehearsing with the dossier in {found}", file=sys.stderr)
        return found
    return _prepare_first(args, cfg, target)


def _prepare_first(args: argparse.Namespace, cfg: Settings, case_dir: Path) -> Path:
    from negoprep.app import runs
    from negoprep.cli.main import build_parser

    print(
        f"negoprep: no dossier of {case_dir} under {cfg.runs_dir}/ yet; preparing one first",
        file=sys.stderr,
    )
    out = runs.new_run_dir(cfg.runs_dir, case_dir.resolve().name)
    argv = ["prepare", str(case_dir), "--out", str(out)]
    for mode in ("replay", "record"):
        value = getattr(args, mode)
        if value is not None:
            argv += [f"--{mode}", value] if value else [f"--{mode}"]
    if args.author is not None:
        argv += ["--author", args.author]
    if args.model:
        argv += ["--model", args.model]
    for folder in args.kb:
        argv += ["--kb", str(folder)]
    for folder in args.prompts:
        argv += ["--prompts", str(folder)]
    prepare_args = build_parser().parse_args(argv)
    code = prepare_args.func(prepare_args)
    if not (out / "dossier.json").is_file():
        raise UserError(f"the preparation of {case_dir} wrote no dossier (exit code {code})")
    return out


def load_setup(run_dir: Path, session: str) -> Setup:
    """The scene of a new session, from the run folder's dossier."""
    from pydantic import ValidationError

    from negoprep.agents.challenger import ChallengeReport
    from negoprep.agents.counterpart import CounterpartProfile
    from negoprep.agents.extractor import DealProfile
    from negoprep.agents.synthesis import Brief
    from negoprep.graphs.rehearsal_state import build_setup
    from negoprep.reading.case import Case

    data = _read_dossier(run_dir)
    path = run_dir / "dossier.json"
    if data.get("counterpart") is None:
        raise UserError(
            f"{path}: the dossier has no counterpart profile (the counterpart agent failed), so "
            f"there is no one to rehearse with. Complete it with: negoprep prepare --resume {run_dir}"
        )
    try:
        case = Case.model_validate(data["case"])
        counterpart = CounterpartProfile.model_validate(data["counterpart"])
        profile = DealProfile.model_validate(data["profile"]) if data.get("profile") else None
        brief = Brief.model_validate(data["brief"]) if data.get("brief") else None
        challenge = (
            ChallengeReport.model_validate(data["challenge"]) if data.get("challenge") else None
        )
    except (KeyError, ValidationError) as exc:
        raise UserError(f"{path}: not a dossier this version of negoprep can read ({exc})") from exc
    our_side = (case.brief.our_side if case.brief else None) or (
        profile.our_side if profile else "Us"
    )
    return build_setup(
        session=session,
        language=str(data.get("language") or "English"),
        case_brief=case.brief_text(),
        our_side=our_side,
        counterpart=counterpart,
        profile=profile,
        brief=brief,
        challenge=challenge,
    )


def _cassette_dir(args: argparse.Namespace, mode: str, run_dir: Path) -> Path | None:
    if mode == "live":
        return None
    value = getattr(args, mode)
    if value:
        return Path(value)
    root = Path(str(_read_dossier(run_dir).get("case", {}).get("root", "")))
    if not root.is_dir():
        raise UserError(
            f"--{mode}: the case folder of {run_dir} ({root}) is not here; name the cassette "
            f"folder: --{mode} DIR"
        )
    return root / "cassettes"


# -- the session ---------------------------------------------------------------------------------


async def _rehearse(args: argparse.Namespace, cfg: Settings, run_dir: Path, mode: str) -> int:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from negoprep.agents.base import AgentDeps
    from negoprep.app import settings
    from negoprep.cli.chat import ChatSession, check_session_name, parse_script
    from negoprep.graphs.rehearsal import compile_rehearsal
    from negoprep.graphs.rehearsal_state import RehearsalContext
    from negoprep.knowledge.base import KnowledgeBase
    from negoprep.llm.prompts import PromptLibrary
    from negoprep.llm.provider import OpenAICompatibleProvider, mask_url
    from negoprep.llm.recorder import Recorder

    check_session_name(args.session)
    cassette = _cassette_dir(args, mode, run_dir)
    if mode == "replay" and cassette is not None:
        recorded = replay_models(cassette, ["models", MANIFEST_SECTION])
        cfg = cfg.with_models(recorded, keep_model=bool(args.model))
    elif mode == "live" and not cfg.provider_configured:
        raise UserError(
            settings.NO_PROVIDER_HELP.replace(
                "negoprep prepare CASE_DIR", "negoprep rehearse RUN_DIR"
            )
        )
    items = parse_script(args.script.read_text(encoding="utf-8")) if args.script else None

    knowledge = KnowledgeBase.load([*cfg.kb_dirs, *args.kb])
    prompts = PromptLibrary.load([*cfg.prompt_dirs, *args.prompts])
    recorder = Recorder(mode, cassette) if cassette is not None and mode != "live" else None  # type: ignore[arg-type]
    provider = OpenAICompatibleProvider(
        cfg.default,
        cfg.per_agent,
        recorder,
        notify=lambda text: print(f"  · {text}", file=sys.stderr, flush=True),
    )
    deps = AgentDeps(
        models=provider,
        prompts=prompts,
        knowledge=knowledge,
        max_attempts=cfg.max_attempts,
        replies_dir=run_dir / "replies",
    )
    where = f"{mode} {cassette}" if cassette else f"live: {mask_url(cfg.default.base_url)}"
    print(f"negoprep: rehearsing with the dossier in {run_dir} · {where}", file=sys.stderr)

    async with AsyncSqliteSaver.from_conn_string(str(run_dir / DB_FILE)) as saver:
        chat = ChatSession(
            compile_rehearsal(saver),
            RehearsalContext(deps=deps),
            run_dir,
            lambda name: load_setup(run_dir, name),
        )
        await chat.open(args.session)
        if items is not None:
            code = await chat.run_script(items)
        else:
            _line_editing()
            code = await chat.run_interactive()
    if recorder is not None and mode in ("record", "author") and cassette is not None:
        _update_manifest(cassette, mode, provider)
    return code


def _line_editing() -> None:
    """Arrow keys and history in the prompt, where the terminal has them."""
    if sys.stdin.isatty():
        with contextlib.suppress(ImportError):  # not on every platform
            importlib.import_module("readline")


def _update_manifest(cassette: Path, mode: str, provider: OpenAICompatibleProvider) -> None:
    """Add the rehearsal's models to the cassette manifest, leaving the preparation's alone."""
    from negoprep.files import write_json_atomic
    from negoprep.llm.recorder import MANIFEST

    path = cassette / MANIFEST
    data: dict[str, Any] = {}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault(
        "about",
        "Recorded LLM exchanges for negoprep. Each entry's 'source' says whether it was "
        "recorded from a live provider (and which model answered) or written by hand.",
    )
    data.setdefault("source", "hand-written" if mode == "author" else "recorded")
    data[MANIFEST_SECTION] = {a: provider.config(a).request_shape() for a in REHEARSAL_AGENTS}
    write_json_atomic(path, data)
