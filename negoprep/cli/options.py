"""Options that `prepare` and `rehearse` share: where answers come from, and what to think with."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any


def add_model_options(p: argparse.ArgumentParser) -> None:
    """--replay/--record/--author (cassettes), --model, --kb and --prompts."""
    p.add_argument(
        "--replay",
        nargs="?",
        const="",
        metavar="CASSETTE_DIR",
        help="replay recorded responses offline (default folder: CASE_DIR/cassettes)",
    )
    p.add_argument(
        "--record",
        nargs="?",
        const="",
        metavar="CASSETTE_DIR",
        help="record every model exchange (default folder: CASE_DIR/cassettes)",
    )
    # Builds cassettes from hand-written responses (scripts/author_example.sh); not for users.
    p.add_argument("--author", metavar="CASSETTE_DIR", help=argparse.SUPPRESS)
    p.add_argument("--model", help="model for every agent (overrides NEGOPREP_MODEL*)")
    p.add_argument(
        "--kb",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="extra knowledge-base folder (repeatable; later folders win)",
    )
    p.add_argument(
        "--prompts",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="folder of prompt overrides, by id (repeatable; later folders win)",
    )


def model_options(args: argparse.Namespace) -> dict[str, Any]:
    """The flags of `add_model_options` as the app layer's request fields (replay, record,
    author, model, kb, prompts): `PrepareRequest(**model_options(args), ...)`."""
    return {
        "replay": args.replay,
        "record": args.record,
        "author": args.author,
        "model": args.model,
        "kb": list(args.kb),
        "prompts": list(args.prompts),
    }


def model_flags(args: argparse.Namespace) -> list[str]:
    """The --replay/--record/--author/--model/--kb/--prompts flags as the user gave them.

    For commands the program suggests (how to continue, how to resume): a suggestion without
    the user's `--replay DIR` would go to a live provider instead and fail.
    """
    argv: list[str] = []
    for mode in ("replay", "record", "author"):
        value = getattr(args, mode, None)
        if value is not None:
            argv += [f"--{mode}", value] if value else [f"--{mode}"]
    if getattr(args, "model", None):
        argv += ["--model", args.model]
    for folder in getattr(args, "kb", None) or []:
        argv += ["--kb", str(folder)]
    for folder in getattr(args, "prompts", None) or []:
        argv += ["--prompts", str(folder)]
    return argv


def command_line(*words: str) -> str:
    """`negoprep WORD...` quoted for a POSIX shell, ready to copy."""
    return shlex.join(["negoprep", *words])
