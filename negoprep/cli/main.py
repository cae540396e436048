"""The `negoprep` command: prepare, rehearse, and manage knowledge and prompts.

Subcommands live in `negoprep/commands/`, one module each with a `register(subparsers)`; heavy
libraries are imported only inside the handlers, so `negoprep --help` starts instantly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from negoprep.cli import export, kb, prepare, prompts, rehearse, serve

COMMANDS = (prepare, rehearse, serve, export, kb, prompts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negoprep",
        description="Prepare hard negotiations: a grounded dossier from your case documents.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print(
            "\nnegoprep: interrupted; finished agents' work is kept in the run folder",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:
        from negoprep.errors import user_error_types

        if isinstance(exc, user_error_types()):
            print(f"negoprep: error: {exc}", file=sys.stderr)
            return 2
        raise
    return code


if __name__ == "__main__":
    sys.exit(main())
