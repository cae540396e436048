"""`negoprep rehearse`: talk to the simulated counterpart of a dossier, then get a debrief.

Given a run folder, the dossier there sets the scene. Given a case folder, the newest run folder
of that case under the runs folder is used; if there is none, the case is prepared first, with
the same --replay/--record/--author/--model flags, by the prepare command itself.

Sessions live in the run's checkpointer (`RUN_DIR/checkpoints.sqlite`, or the database of
NEGOPREP_DATABASE_URL; one thread per session) and can be continued later with the same
--session name; transcripts and debriefs are written under
`RUN_DIR/rehearsals/<session>/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.cli.options import add_model_options, command_line, model_flags, model_options
from negoprep.errors import UserError

if TYPE_CHECKING:
    from negoprep.app.rehearsal import RehearsalRequest


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
    if args.script is not None and not args.script.is_file():
        raise UserError(f"--script {args.script}: file not found")
    from negoprep.app.rehearsal import RehearsalRequest

    request = RehearsalRequest(
        target=args.target,
        session=args.session,
        **model_options(args),
    )
    return asyncio.run(_rehearse(args, request))


def _on_event(event: dict[str, Any]) -> None:
    """Notes and the preparation's progress (when a case is prepared first), on stderr."""
    if event.get("kind") == "note":
        print(f"negoprep: {event['text']}", file=sys.stderr)
    elif event.get("kind") == "notice":
        print(f"  · {event['text']}", file=sys.stderr, flush=True)


async def _rehearse(args: argparse.Namespace, request: RehearsalRequest) -> int:
    from negoprep.app.rehearsal import open_rehearsal
    from negoprep.cli.chat import ChatSession, check_session_name, parse_script
    from negoprep.llm.provider import mask_url

    check_session_name(args.session)
    items = parse_script(args.script.read_text(encoding="utf-8")) if args.script else None
    async with open_rehearsal(request, on_event=_on_event) as rehearsal:
        source, run_dir = rehearsal.source, rehearsal.run.path
        where = (
            f"{source.mode} {source.cassette}"
            if source.cassette
            else f"live: {mask_url(rehearsal.wiring.settings.default.base_url)}"
        )
        print(f"negoprep: rehearsing with the dossier in {run_dir} · {where}", file=sys.stderr)
        chat = ChatSession(
            rehearsal.graph,
            rehearsal.context,
            run_dir,
            rehearsal.load_setup,
            resume_command=command_line("rehearse", str(run_dir), *model_flags(args)),
        )
        chat.thread_of = rehearsal.thread
        await chat.open(args.session, new_if_ended=items is not None)
        if items is not None:
            return await chat.run_script(items)
        _line_editing()
        return await chat.run_interactive()


def _line_editing() -> None:
    """Arrow keys and history in the prompt, where the terminal has them."""
    if sys.stdin.isatty():
        with contextlib.suppress(ImportError):  # not on every platform
            importlib.import_module("readline")
