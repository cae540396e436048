"""The `negoprep` command: prepare, rehearse, evaluate, and manage knowledge and prompts.

Subcommands live in `negoprep/cli/`, one module each with a `register(subparsers)`; heavy
libraries are imported only inside the handlers, so `negoprep --help` and `negoprep --version`
start instantly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from negoprep.cli import eval as eval_cmd
from negoprep.cli import export, kb, log, prepare, prompts, rehearse, serve

COMMANDS = (prepare, rehearse, eval_cmd, serve, export, log, kb, prompts)


def installed_version() -> str:
    """The version of the installed negoprep package, from its metadata (no import of it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("negoprep")
    except PackageNotFoundError:
        return "unknown (not installed as a package; run: pip install -e .)"


class VersionAction(argparse.Action):
    """`--version`: print the installed version and exit (read only when asked for)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the installed version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(f"negoprep {installed_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The `negoprep` parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="negoprep",
        description="Prepare hard negotiations: a grounded dossier from your case documents.",
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `negoprep ARGV...`; returns the exit code (0, 1, 2 for bad input, 130 after Ctrl-C)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
    except BrokenPipeError:  # `negoprep kb list | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("\nnegoprep: interrupted", file=sys.stderr)  # a command says more where it can
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
