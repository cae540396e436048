"""Prompt files: declared inputs, clear errors, overrides by id, every shipped prompt valid."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from negoprep.app import runs
from negoprep.llm.prompts import (
    BUILTIN_PROMPTS_DIR,
    PromptError,
    PromptLibrary,
    check_prompt_dirs,
    parse_prompt,
)

GOOD = """---
id: {id}
version: 2
description: A test prompt.
inputs: [name, case]
---
# system
You help {{{{ name }}}}.
# user
Case: {{{{case}}}}
"""


def write(folder: Path, pid: str, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{pid}.md"
    path.write_text(text if text is not None else GOOD.format(id=pid))
    return path


def test_every_shipped_prompt_is_valid() -> None:
    assert check_prompt_dirs([BUILTIN_PROMPTS_DIR]) == []
    library = PromptLibrary.load()
    for required in ("extractor", "extractor_reduce", "challenger", "counterpart", "synthesis"):
        assert required in library.prompts


def test_render_fills_declared_inputs(tmp_path: Path) -> None:
    prompt = parse_prompt(write(tmp_path, "p"))
    rendered = prompt.render(name="Ada", case="X")
    assert rendered.system == "You help Ada." and rendered.user == "Case: X"
    assert rendered.version == "2" and len(rendered.hash) == 12


def test_a_prompt_after_a_shared_prefix(tmp_path: Path) -> None:
    write(tmp_path, "head", GOOD.format(id="head"))
    task = "---\nid: task\nversion: 3\ndescription: d\nprefix: head\ninputs: [focus]\n---\n"
    write(tmp_path, "task", task + "# system\nYour task.\n# user\nFocus: {{ focus }}\n")
    library = PromptLibrary.load([tmp_path], builtin=False)
    one = library.render("task", name="Ada", case="X", focus="a")
    two = library.render("task", name="Ada", case="X", focus="b")
    # The prefix's system message, then its user text, the task's instructions and inputs.
    assert one.system == "You help Ada." and one.user == "Case: X\n\nYour task.\n\nFocus: a"
    assert two.user.startswith("Case: X\n\nYour task.") and one.hash == two.hash
    assert (one.id, one.version) == ("task", "3")
    with pytest.raises(PromptError, match="neither it nor its prefix 'head' declares: x"):
        library.render("task", name="Ada", case="X", focus="a", x=1)
    with pytest.raises(PromptError, match=r"missing value\(s\) for case"):
        library.render("task", name="Ada", focus="a")
    (tmp_path / "head.md").unlink()
    with pytest.raises(PromptError, match=r"task.md:5: prefix 'head' is not a known prompt id"):
        PromptLibrary.load([tmp_path], builtin=False)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "a"}, r"missing value\(s\) for case"),
        ({"name": "a", "case": "b", "x": 1}, "does not declare: x"),
    ],
)
def test_render_rejects_missing_and_unknown_values(
    tmp_path: Path, values: dict[str, object], message: str
) -> None:
    prompt = parse_prompt(write(tmp_path, "p"))
    with pytest.raises(PromptError, match=message) as info:
        prompt.render(**values)
    assert str(tmp_path / "p.md") in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "no front matter"),
        (
            "---\nid: p\nversion: 1\ninputs: []\n---\n# system\na\n# user\nb\n",
            "lacks 'description'",
        ),
        (
            "---\nid: other\nversion: 1\ndescription: d\ninputs: []\n---\n# system\na\n# user\nb\n",
            "must equal the file name",
        ),
        (
            "---\nid: p\nversion: 1\ndescription: d\ninputs: []\n---\n# system\n{{ x }}\n# user\nb\n",
            "not declared in inputs: x",
        ),
        (
            "---\nid: p\nversion: 1\ndescription: d\ninputs: [y]\n---\n# system\na\n# user\nb\n",
            "never used: y",
        ),
        (
            "---\nid: p\nversion: 1\ndescription: d\ninputs: []\n---\njust text\n",
            "'# system' and a '# user'",
        ),
        ("---\nid: p\nversion: [1\n---\n# system\na\n# user\nb\n", "not valid YAML"),
    ],
)
def test_broken_prompt_files_give_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "p", text)
    with pytest.raises(PromptError, match=message) as info:
        parse_prompt(path)
    assert str(path) in str(info.value)
    assert check_prompt_dirs([tmp_path]) == [str(info.value)]


def test_user_folder_overrides_builtin_prompt_by_id(tmp_path: Path) -> None:
    override = write(tmp_path, "challenger", GOOD.format(id="challenger"))
    library = PromptLibrary.load([tmp_path])
    assert library.get("challenger").path == override
    assert library.overridden["challenger"] == BUILTIN_PROMPTS_DIR / "challenger.md"
    assert library.get("extractor").path == BUILTIN_PROMPTS_DIR / "extractor.md"


def test_unknown_prompt_id_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="no prompt with id 'nope'"):
        PromptLibrary.load().get("nope")
    with pytest.raises(PromptError, match="prompts folder not found"):
        PromptLibrary.load([tmp_path / "missing"])


def test_prompts_cli_check_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from negoprep.cli.main import main

    assert main(["prompts", "check"]) == 0
    assert "prompt file(s) OK" in capsys.readouterr().out
    write(
        tmp_path,
        "challenger",
        "---\nid: challenger\nversion: 1\ndescription: d\ninputs: [a]\n---\n# system\nx\n"
        "# user\ny\n",
    )
    assert main(["prompts", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'challenger.md'}:5: declared input(s) never used: a" in out
    write(tmp_path, "extractor", GOOD.format(id="extractor"))
    (tmp_path / "challenger.md").unlink()
    assert main(["prompts", "list", "--prompts", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    rows = {line.split()[0]: line for line in listing.splitlines() if not line.startswith(" ")}
    assert rows["extractor"].endswith(f"{tmp_path / 'extractor.md'} (overrides built-in)")
    assert rows["challenger"].endswith("built-in") and "(overrides" not in rows["challenger"]


def test_a_later_override_names_the_one_it_replaces(tmp_path: Path) -> None:
    first = write(tmp_path / "a", "synthesis", GOOD.format(id="synthesis"))
    second = write(tmp_path / "b", "synthesis", GOOD.format(id="synthesis"))
    library = PromptLibrary.load([tmp_path / "a", tmp_path / "b"])
    assert library.source("synthesis") == f"{second} (overrides {first})"
    assert library.source("extractor") == "built-in"


def test_an_override_with_no_known_id_is_named_with_the_known_ids(tmp_path: Path) -> None:
    write(tmp_path, "synthsis", GOOD.format(id="synthsis"))
    with pytest.raises(PromptError) as info:
        PromptLibrary.load([tmp_path])
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'synthsis.md'}: 'synthsis' is not a known prompt id")
    assert "did you mean 'synthesis.md'?" in message and "\n" not in message
    assert (
        "known ids: case_reading, challenger, coach_debrief, coach_hint, counterpart, eval_judge"
        in message
    )
    assert list(PromptLibrary.load([tmp_path], builtin=False).prompts) == ["synthsis"]
    added = PromptLibrary.load([tmp_path], added_ids=["synthsis"])  # an agent's own new prompt
    assert added.source("synthsis") == str(tmp_path / "synthsis.md")


@pytest.mark.parametrize(
    "argv",
    [
        ["prompts", "check", "{dir}"],
        ["prompts", "list", "--prompts", "{dir}"],
        ["prepare", "{case}", "--replay", "--prompts", "{dir}"],
        ["rehearse", "{run}", "--replay", "{case}/cassettes", "--prompts", "{dir}"],
    ],
)
def test_every_command_refuses_a_misspelled_override_in_one_line(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from negoprep.cli.main import main

    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(BUILTIN_PROMPTS_DIR / "synthesis.md", folder / "synthsis.md")
    case = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"
    run = tmp_path / "run"
    runs.claim_out_dir(run, case, {}).release()  # a run folder whose dossier is a stand-in
    (run / "dossier.json").write_text("{}")
    names = {"{dir}": folder, "{case}": case, "{run}": run}
    args = [next((a.replace(k, str(v)) for k, v in names.items() if k in a), a) for a in argv]
    assert main(args) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(f"negoprep: error: {folder / 'synthsis.md'}: 'synthsis' is not a known")
    assert "OK" not in captured.out and not (tmp_path / "work" / "runs").exists()
    assert not (run / "checkpoints.sqlite").exists()
