"""Options that `prepare` and `rehearse` share: where answers come from, and what to think with."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from negoprep.errors import UserError


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
        "--kb", action="append", type=Path, default=[], metavar="DIR", help="extra knowledge folder"
    )
    p.add_argument(
        "--prompts", action="append", type=Path, default=[], metavar="DIR", help="prompt overrides"
    )


def selected_mode(args: argparse.Namespace) -> str:
    """'replay', 'record', 'author' or 'live'; two of the first three together is an error."""
    modes = [m for m in ("replay", "record", "author") if getattr(args, m) is not None]
    if len(modes) > 1:
        raise UserError(f"--{modes[0]} and --{modes[1]} cannot be used together")
    return modes[0] if modes else "live"


def replay_models(cassette: Path, sections: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Agent -> the request settings the cassette was recorded with (model, response format,
    output limit; see `ModelConfig.request_shape`), from its manifest; later sections win.

    Replay sends the same requests as the recording, so it must use the same settings, whatever
    the user's `.env` says; `--model` overrides the model.
    """
    from negoprep.llm.provider import AGENT_NAMES
    from negoprep.llm.recorder import MANIFEST

    if not cassette.is_dir():
        raise UserError(f"--replay: cassette folder not found: {cassette}")
    manifest = cassette / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        merged: dict[str, Any] = {}
        for section in sections:
            merged.update(data.get(section, {}))
        return {a: dict(m) for a, m in merged.items() if a in AGENT_NAMES and m["model"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise UserError(f"{manifest}: not a valid cassette manifest ({exc})") from exc
