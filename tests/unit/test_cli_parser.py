"""The command line itself: every flag explains itself, `--version` reads the installed package's
metadata without loading the LLM stack, `prepare`'s usage says when CASE_DIR may be left out, and
the flags a suggested command repeats are the ones the user gave."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from negoprep.cli.main import build_parser, main
from negoprep.cli.options import command_line, model_flags

REPO = Path(__file__).resolve().parents[2]


def parsers(
    parser: argparse.ArgumentParser, name: str = "negoprep"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser in the tree, with the command that reaches it."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, child in action.choices.items():
                yield from parsers(child, f"{name} {command}")


def test_every_argument_and_subcommand_of_every_command_has_help() -> None:
    missing = []
    for name, parser in parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if not choice.help:
                        missing.append(f"{name} {choice.dest}")
            elif action.help != argparse.SUPPRESS and not (action.help or "").strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []
    walked = {name for name, _ in parsers(build_parser())}
    assert {"negoprep prompts list", "negoprep kb search", "negoprep rehearse"} <= walked


def test_the_walk_finds_a_flag_without_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub.choices["kb"].add_argument("--undocumented")
    found = [
        a.dest
        for _, p in parsers(parser)
        for a in p._actions
        if not isinstance(a, argparse._SubParsersAction) and a.help is None
    ]
    assert found == ["undocumented"]


def test_version_is_the_installed_one_and_loads_no_llm_library() -> None:
    code = (
        "import sys; from negoprep.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = [m for m in ('langchain_core', 'langgraph', 'openai', 'httpx2', 'negoprep.llm')"
        " if m in sys.modules]\n"
        "print(code, heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    printed, status = result.stdout.strip().splitlines()
    assert printed == f"negoprep {version('negoprep')}"
    assert status == "0 []"


def test_prepare_usage_says_case_dir_is_required_without_resume(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["prepare", "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert usage.splitlines() == [
        "usage: negoprep prepare CASE_DIR [CASE_DIR...] [options]",
        "       negoprep prepare --all FOLDER [options]",
        "       negoprep prepare --resume RUN_DIR [CASE_DIR] [options]",
    ]
    assert "[CASE_DIR]" not in usage.splitlines()[0]


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--replay"],
        ["--replay", "cases/x/cassettes", "--model", "qwen2.5:14b"],
        ["--record", "--kb", "my kb", "--kb", "b", "--prompts", "p"],
    ],
)
def test_model_flags_repeat_what_was_given(flags: list[str]) -> None:
    args = build_parser().parse_args(["rehearse", "runs/x", *flags])
    again = build_parser().parse_args(["rehearse", "runs/x", *model_flags(args)])
    for name in ("replay", "record", "author", "model", "kb", "prompts"):
        assert getattr(again, name) == getattr(args, name)
    assert model_flags(args) == flags
    assert command_line("rehearse", "runs/x", *model_flags(args)).startswith("negoprep rehearse")
    if "my kb" in flags:
        assert "--kb 'my kb'" in command_line(*model_flags(args))
