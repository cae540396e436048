"""Options that `prepare` and `rehearse` share: where answers come from, and what to think with."""

from __future__ import annotations

import argparse
from pathlib import Path


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
