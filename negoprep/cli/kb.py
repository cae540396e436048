"""`negoprep kb`: list, search and check the knowledge base (built-in plus the user's dirs).

User directories come from `--kb DIR` (repeatable) or, when none is given, from the environment
variable NEGOPREP_KB_DIRS (directories separated by os.pathsep). `kb check` takes its dirs as
arguments instead. Handlers return the exit code: 0 ok, 1 problems found (check), 2 error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from negoprep.knowledge import base as knowledge
from negoprep.knowledge.base import MOVES, KnowledgeBase, KnowledgeError, check_dirs

ENV_VAR = "NEGOPREP_KB_DIRS"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kb = subparsers.add_parser(
        "kb",
        help="list, search and check the knowledge base",
        description="List, search and check the knowledge base: the built-in entries plus any "
        f"user directories of Markdown entries (--kb DIR, or ${ENV_VAR}).",
    )
    sub = kb.add_subparsers(dest="kb_command", metavar="{list,search,check}", required=True)

    def add_kb_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--kb",
            metavar="DIR",
            action="append",
            type=Path,
            default=None,
            help=f"a user knowledge-base directory (repeatable; default: ${ENV_VAR})",
        )

    p_list = sub.add_parser("list", help="list the entries and where each comes from")
    add_kb_option(p_list)
    p_list.set_defaults(func=cmd_list)

    p_search = sub.add_parser("search", help="rank entries against a free-text query")
    p_search.add_argument("text", metavar="TEXT", help="what to look for, in plain words")
    p_search.add_argument("-k", type=_positive_int, default=5, help="how many hits (default 5)")
    p_search.add_argument(
        "--move", action="append", choices=MOVES, default=None, help="only entries for this move"
    )
    add_kb_option(p_search)
    p_search.set_defaults(func=cmd_search)

    p_check = sub.add_parser(
        "check",
        help="check entries for problems",
        description="Check the built-in knowledge base, or the given directories combined with "
        "it. Prints each problem as path:line: message; exit 1 if any.",
    )
    p_check.add_argument("dirs", metavar="DIR", nargs="*", type=Path, help="user directories")
    p_check.set_defaults(func=cmd_check)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def user_dirs(args: argparse.Namespace) -> list[Path]:
    """`--kb` dirs if given, else those of $NEGOPREP_KB_DIRS."""
    given: list[Path] | None = getattr(args, "kb", None)
    if given:
        return list(given)
    env = os.environ.get(ENV_VAR, "")
    return [Path(part) for part in env.split(os.pathsep) if part.strip()]


def _missing(dirs: Sequence[Path]) -> bool:
    """Print an error and return True if any of `dirs` is not a directory."""
    missing = [str(d) for d in dirs if not d.is_dir()]
    if missing:
        names = ", ".join(missing)
        print(f"negoprep kb: error: knowledge-base directory not found: {names}", file=sys.stderr)
    return bool(missing)


def _load(args: argparse.Namespace) -> tuple[KnowledgeBase, list[Path]] | None:
    dirs = user_dirs(args)
    if _missing(dirs):
        return None
    try:
        return KnowledgeBase.load(dirs), dirs
    except KnowledgeError as exc:
        print(f"negoprep kb: error: {exc}", file=sys.stderr)
        print("Fix these files, then `negoprep kb check [DIR ...]` confirms.", file=sys.stderr)
    except OSError as exc:
        print(f"negoprep kb: error: cannot read the knowledge base: {exc}", file=sys.stderr)
    return None


def _source(path: Path, dirs: Sequence[Path]) -> str:
    """'built-in' or the user directory that `path` comes from (the last one that holds it)."""
    builtin = knowledge.BUILTIN_KB_DIR
    for directory in reversed([builtin, *dirs]):
        if path.is_relative_to(directory):
            return "built-in" if directory == builtin else str(directory)
    return str(path.parent)


def cmd_list(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 2
    kb, dirs = loaded
    rows = []
    for entry in kb.entries.values():
        source = _source(entry.path, dirs)
        if entry.id in kb.overridden:
            source += " (overrides " + _source(kb.overridden[entry.id], dirs) + ")"
        rows.append((entry.id, ",".join(entry.moves), source, entry.title))
    header = ("ID", "MOVES", "SOURCE", "TITLE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3])
    user = sum(1 for e in kb.entries.values() if _source(e.path, dirs) != "built-in")
    print(
        f"\n{len(kb.entries)} entries: {len(kb.entries) - user} built-in, {user} from user "
        f"directories ({len(kb.overridden)} overriding a built-in or earlier entry)"
    )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 2
    kb, dirs = loaded
    hits = kb.search(args.text, k=args.k, moves=args.move or ())
    if not hits:
        print(
            "No entry matches. Try other words, e.g. what you fear losing or who depends on whom."
        )
        return 0
    for rank, hit in enumerate(hits, start=1):
        entry = hit.entry
        source = _source(entry.path, dirs)
        where = "" if source == "built-in" else f"  [{source}]"
        print(f"{rank:2}. {hit.score:7.3f}  {entry.id}  ({', '.join(entry.moves)}){where}")
        print(f"             {entry.title}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    dirs: list[Path] = list(args.dirs)
    if _missing(dirs):
        return 2
    try:
        problems = check_dirs(dirs, with_builtin=True)
    except OSError as exc:
        print(f"negoprep kb: error: cannot read the knowledge base: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    checked = ", ".join(["built-in", *map(str, dirs)])
    if problems:
        files = len({p.path for p in problems})
        print(f"\n{len(problems)} problem(s) in {files} file(s) (checked: {checked})")
        return 1
    print(f"OK: no problems (checked: {checked})")
    return 0
