"""`negoprep prompts list|check`: see and validate the prompt files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "prompts", help="list or check prompt files", description="List or check prompts."
    )
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    lst = psub.add_parser("list", help="the prompts in use, with version, hash and source")
    lst.add_argument("--prompts", action="append", type=Path, default=[], metavar="DIR")
    lst.set_defaults(func=list_prompts)
    chk = psub.add_parser("check", help="validate prompt files (default: the built-in ones)")
    chk.add_argument("dirs", nargs="*", type=Path, metavar="DIR")
    chk.set_defaults(func=check_prompts)


def _env_dirs() -> list[Path]:
    raw = os.environ.get("NEGOPREP_PROMPTS_DIRS", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def list_prompts(args: argparse.Namespace) -> int:
    from negoprep.llm.prompts import PromptLibrary

    library = PromptLibrary.load(args.prompts or _env_dirs())
    for prompt in sorted(library.prompts.values(), key=lambda p: p.id):
        source = "built-in" if prompt.id not in library.overridden else f"override: {prompt.path}"
        print(f"{prompt.id:<20} v{prompt.version:<4} {prompt.hash}  {source}")
        print(f"{'':<20} inputs: {', '.join(prompt.inputs)}")
        print(f"{'':<20} {prompt.description}")
    return 0


def check_prompts(args: argparse.Namespace) -> int:
    from negoprep.llm.prompts import BUILTIN_PROMPTS_DIR, check_prompt_dirs

    dirs = args.dirs or [BUILTIN_PROMPTS_DIR]
    problems = check_prompt_dirs(dirs)
    for problem in problems:
        print(problem)
    count = sum(len(list(d.glob("*.md"))) for d in dirs if d.is_dir())
    if problems:
        print(f"{len(problems)} problem(s) in {count} prompt file(s)")
        return 1
    print(f"{count} prompt file(s) OK")
    return 0
