"""`negoprep prompts list|check`: see and validate the prompt files.

Override folders come from `--prompts DIR` (repeatable) or, when none is given, from the
environment variable NEGOPREP_PROMPTS_DIRS. A file in an override folder whose id is no built-in
prompt's is an error (exit 2), as it is for `prepare` and `rehearse`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ENV_VAR = "NEGOPREP_PROMPTS_DIRS"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `prompts list` and `prompts check` to the `negoprep` parser."""
    p = sub.add_parser(
        "prompts", help="list or check prompt files", description="List or check prompts."
    )
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    lst = psub.add_parser(
        "list", help="the prompts in use, with version, hash and where each comes from"
    )
    lst.add_argument(
        "--prompts",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help=f"folder of prompt overrides, by id (repeatable; default: ${ENV_VAR})",
    )
    lst.set_defaults(func=list_prompts)
    chk = psub.add_parser(
        "check",
        help="validate prompt files (default: the built-in ones)",
        description="Check the built-in prompts, or the given override folders: front matter, "
        "declared and used inputs, and that each file overrides a known prompt id. Prints each "
        "problem with its file; exit 1 if any, 2 for a file that overrides no known prompt.",
    )
    chk.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="folders of prompt overrides to check (default: the built-in prompts)",
    )
    chk.set_defaults(func=check_prompts)


def _env_dirs() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def list_prompts(args: argparse.Namespace) -> int:
    """Print each prompt in use: id, version, hash, source, inputs and description."""
    from negoprep.llm.prompts import PromptLibrary

    library = PromptLibrary.load(args.prompts or _env_dirs())
    for prompt in sorted(library.prompts.values(), key=lambda p: p.id):
        print(f"{prompt.id:<20} v{prompt.version:<4} {prompt.hash}  {library.source(prompt.id)}")
        print(f"{'':<20} inputs: {', '.join(prompt.inputs)}")
        print(f"{'':<20} {prompt.description}")
    return 0


def check_prompts(args: argparse.Namespace) -> int:
    """Print every problem in the prompt files; 0 when there is none, else 1.

    Raises PromptError (exit 2) for a file that overrides no known prompt.
    """
    from negoprep.llm.prompts import BUILTIN_PROMPTS_DIR, check_override_ids, check_prompt_dirs

    dirs = args.dirs or [BUILTIN_PROMPTS_DIR]
    check_override_ids(dirs)
    problems = check_prompt_dirs(dirs)
    for problem in problems:
        print(problem)
    count = sum(len(list(d.glob("*.md"))) for d in dirs if d.is_dir())
    if problems:
        print(f"{len(problems)} problem(s) in {count} prompt file(s)")
        return 1
    print(f"{count} prompt file(s) OK")
    return 0
