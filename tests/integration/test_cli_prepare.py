"""`negoprep prepare` as a user runs it: the example case offline, bad input, resume, no overwrite."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import focused_calls

from negoprep.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "tests" / "snapshots" / "example_dossier.md"


def normalise(markdown: str, case_dir: Path) -> str:
    text = markdown.replace(str(case_dir), "cases/supplier-claim")
    text = re.sub(r"written \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "written <time>", text)
    return re.sub(r"\| (\d+) \| ([\d.]+) \|$", r"| \1 | <s> |", text, flags=re.MULTILINE)


def test_example_case_replays_offline_and_matches_the_snapshot(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["prepare", str(example_case), "--replay", "--out", str(tmp_path / "run")])
    out = capsys.readouterr()
    assert code == 0, out.err + out.out
    dossier = json.loads((tmp_path / "run" / "dossier.json").read_text())
    assert dossier["status"] == "complete" and dossier["failures"] == {}
    assert dossier["grounding"]["unverified"] == 0 and dossier["grounding"]["total"] >= 40
    assert dossier["grounding"]["unknown_kb_refs"] == []
    focused = focused_calls("extractor", "challenger", "counterpart")
    assert sorted(c["call"] for c in dossier["calls"]) == sorted([*focused, "synthesis"])
    assert "… extractor (facts) working" in out.err and "✓ synthesis finished" in out.err
    assert "Citations: " in out.out and "Tokens: " in out.out
    markdown = normalise((tmp_path / "run" / "dossier.md").read_text(), example_case)
    for heading in (
        "## One-page brief",
        "## 1. Widen the field of vision",
        "## 2. Build partial alternatives",
        "## 3. Their alternatives and dependencies",
        "## 4. Warnings, tactical consent and inertia",
        "## 5. Process, relationship, substance",
        "## Missing information: questions to ask",
        "## Appendix",
    ):
        assert heading in markdown
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(markdown)
    assert markdown == SNAPSHOT.read_text(), (
        "the dossier changed: review it, then UPDATE_SNAPSHOTS=1 pytest"
    )


def test_example_cassette_is_labelled_and_holds_no_secrets(example_case: Path) -> None:
    entries = [
        json.loads(p.read_text())
        for p in (example_case / "cassettes").glob("*.json")
        if p.name != "manifest.json"
    ]
    assert entries
    assert all(e["source"]["kind"] in ("hand-written", "recorded") for e in entries)
    assert all(
        e["source"]["kind"] == "hand-written"
        for e in entries
        if e["call"] in ("extractor.parties", "synthesis")
    )
    text = "".join(json.dumps(e) for e in entries).lower()
    assert "authorization" not in text and "bearer " not in text and "api_key" not in text


@pytest.mark.parametrize("record", [[], ["--record", "rec"]])
def test_no_provider_and_no_replay_says_how_to_configure(
    example_case: Path, capsys: pytest.CaptureFixture[str], record: list[str]
) -> None:
    # Recording is live too: without a provider it must not fall back on a default endpoint.
    assert main(["prepare", str(example_case), *record]) == 2
    err = capsys.readouterr().err
    assert "No LLM provider is configured" in err and "OPENAI_BASE_URL" in err and "--replay" in err
    assert not Path("runs").exists(), "nothing is written on a configuration error"
    assert not Path("rec").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prepare", "no-such-folder", "--replay", "x"], "case folder not found: no-such-folder"),
        (["prepare", "no-such-folder"], "case folder not found"),
        (["prepare"], "give a CASE_DIR"),
        (["prepare", "--resume", "nowhere"], "nowhere: not found (give a run folder"),
    ],
)
def test_usage_errors_are_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_cassette_folder(
    tmp_path: Path, example_case: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["prepare", str(example_case), "--replay", str(tmp_path / "none")])
    assert code == 2 and "--replay: cassette folder not found" in capsys.readouterr().err


def test_existing_dossier_is_never_overwritten(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["prepare", str(example_case), "--replay", "--out", str(out), "-q"]) == 0
    before = (out / "dossier.md").read_text()
    assert main(["prepare", str(example_case), "--replay", "--out", str(out), "-q"]) == 2
    assert "never overwrites a dossier" in capsys.readouterr().err
    assert (out / "dossier.md").read_text() == before


def test_default_output_folders_are_new_each_run(example_case: Path, offline_env: Path) -> None:
    assert main(["prepare", str(example_case), "--replay", "-q"]) == 0
    assert main(["prepare", str(example_case), "--replay", "-q"]) == 0
    runs = sorted(p for p in (offline_env / "runs").iterdir() if p.is_dir())
    assert len(runs) == 2 and all((r / "dossier.md").is_file() for r in runs)
    assert (offline_env / "runs" / "calls.sqlite").is_file(), "the call log, beside the runs"
    assert all(r.name.startswith("supplier-claim-") for r in runs)


def test_failed_agent_then_resume(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = tmp_path / "partial-cassette"
    shutil.copytree(example_case / "cassettes", partial)
    # One focused call of the counterpart simulator fails (the persona's, which it needs).
    for entry in partial.glob("counterpart.tactics-*.json"):
        entry.unlink()
    run_dir = tmp_path / "run"
    assert (
        main(["prepare", str(example_case), "--replay", str(partial), "--out", str(run_dir)]) == 1
    )
    captured = capsys.readouterr()
    out = captured.out + captured.err  # said live on stderr; the summary points to it
    assert "replay: no recording for call 'counterpart.tactics'" in out
    first = json.loads((run_dir / "dossier.json").read_text())
    assert (
        first["status"] == "incomplete"
        and first["challenge"] is not None
        and first["one_page_brief"] is None
    )

    assert (
        main(["prepare", "--resume", str(run_dir), "--replay", str(example_case / "cassettes")])
        == 0
    )
    captured = capsys.readouterr()
    assert "previous dossier was moved" in captured.err
    second = json.loads((run_dir / "dossier.json").read_text())
    assert second["status"] == "complete" and second["challenge"] == first["challenge"]
    calls = [c["call"] for c in second["calls"] if c["status"] == "ok"]  # not the failed try
    assert calls.count("extractor.facts") == 1, "the extractor did not run again"
    assert calls.count("counterpart.profile") == 1, "nor the counterpart's finished calls"
    assert calls.count("counterpart.tactics") == 1 and calls.count("synthesis") == 1
    (archived,) = (run_dir / "previous").iterdir()
    assert json.loads((archived / "dossier.json").read_text())["status"] == "incomplete"


def test_unreadable_file_is_named_and_gives_exit_1(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case"
    shutil.copytree(example_case, case, ignore=shutil.ignore_patterns("cassettes"))
    (case / "99-scan.pdf").write_bytes(b"\x00\x01binary junk" * 10)
    code = main(
        [
            "prepare",
            str(case),
            "--replay",
            str(example_case / "cassettes"),
            "--out",
            str(tmp_path / "r"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "99-scan.pdf" in captured.err and "99-scan.pdf" in captured.out
    markdown = (tmp_path / "r" / "dossier.md").read_text()
    assert "`99-scan.pdf` | unreadable" in markdown


def test_cli_starts_without_importing_the_llm_stack() -> None:
    code = (
        "import sys; from negoprep.cli.main import build_parser; build_parser();"
        "heavy = [m for m in ('langchain_core', 'langgraph', 'openai', 'httpx2') if m in sys.modules];"
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"


def test_norwegian_example_in_real_formats_replays_in_norwegian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = REPO / "cases" / "kommune-arkivsystem"
    assert main(["prepare", str(case), "--replay", "--out", str(tmp_path / "run"), "-q"]) == 0
    dossier = json.loads((tmp_path / "run" / "dossier.json").read_text())
    assert dossier["language"] == "Norwegian", "detected from the documents (the brief names none)"
    assert set(dossier["case"]["languages"]) == {"no", "en"}, "a mixed-language case"
    formats = {d["path"]: (d["id"], d["format"], d["status"]) for d in dossier["case"]["documents"]}
    assert formats["01-avtaleutdrag.docx"] == ("D1", "docx", "read")
    assert formats["02-varsel-prisendring.eml > price-notice-2027.pdf"] == ("D2.a1", "pdf", "read")
    assert formats["04-motereferat.pdf"][1:] == ("pdf", "read")
    assert dossier["grounding"]["unverified"] == 0
    cited = {c["passage_id"] for c in dossier["citation_checks"]}
    assert any(c.startswith("D4.p2.") for c in cited), "PDF passages carry their page"
    assert any(c.startswith("D2.a1.") for c in cited), (
        "attachments are cited as their own documents"
    )
    markdown = (tmp_path / "run" / "dossier.md").read_text()
    assert "## 1. Utvid synsfeltet" in markdown and "språk: norsk (dokumenter: norsk" in markdown


def test_broken_cassette_manifest_is_named(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "cassette"
    shutil.copytree(example_case / "cassettes", cassette)
    (cassette / "manifest.json").write_text("{ broken")
    assert (
        main(
            ["prepare", str(example_case), "--replay", str(cassette), "--out", str(tmp_path / "r")]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        f"{cassette / 'manifest.json'}: not a valid cassette manifest" in err
        and "Traceback" not in err
    )


def test_two_answer_sources_at_once_is_a_usage_error(
    example_case: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prepare", str(example_case), "--replay", "--record"]) == 2
    assert "--replay and --record cannot be used together" in capsys.readouterr().err


def test_resume_with_another_case_folder_is_refused(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    assert main(["prepare", str(example_case), "--replay", "--out", str(run_dir), "-q"]) == 0
    before = (run_dir / "dossier.json").read_bytes()
    other = example_case.parent / "kommune-arkivsystem"
    capsys.readouterr()
    assert main(["prepare", "--resume", str(run_dir), str(other)]) == 2
    err = capsys.readouterr().err
    assert f"is a run of {example_case.resolve()}, not of {other}" in err
    assert (run_dir / "dossier.json").read_bytes() == before and not (run_dir / "previous").exists()
    # The same folder (here by another path) is fine: CASE_DIR is for a case folder that moved.
    same = tmp_path / "same"
    same.symlink_to(example_case)
    assert main(["prepare", "--resume", str(run_dir), str(same), "-q"]) == 0


@pytest.mark.parametrize("command", [["kb", "list"], ["prompts", "list"]])
def test_a_listing_piped_into_head_ends_quietly(command: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "negoprep", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line, as `| head -0` would be
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err and "BrokenPipe" not in err
