"""`negoprep eval` as a user runs it: the examples on replay, a threshold, a baseline, and the
model judge over the local OpenAI-compatible stub (verdicts, and a failure that falls back)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.cli.main import main
from negoprep.evaluation.expectations import load_expectations
from negoprep.evaluation.judge import judge_all

REPO = Path(__file__).resolve().parents[2]
SUPPLIER = REPO / "cases" / "supplier-claim"
KOMMUNE = REPO / "cases" / "kommune-arkivsystem"
EXAMPLES = sorted(p for p in (REPO / "cases").iterdir() if (p / "expect.yaml").is_file())


def _report(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return data


def test_every_example_on_replay_is_scored_by_keywords_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(EXAMPLES) >= 5 and SUPPLIER in EXAMPLES and KOMMUNE in EXAMPLES
    out = tmp_path / "eval"
    code = main(["eval", *map(str, EXAMPLES), "--replay", "--out", str(out), "-q"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    report = _report(out)
    names = [p.name for p in EXAMPLES]
    assert [c["case"] for c in report["cases"]] == names
    for case in report["cases"]:
        assert case["scorer"] == "keywords (the replay has no judge recording)"
        assert case["coverage"] >= 0.9 and case["must_not_found"] == []
        assert case["grounding"]["unverified"] == 0 and case["grounding"]["quotes"] > 40
        assert case["length"]["words"] > 1000
        assert Path(case["run_dir"], "dossier.json").is_file()  # prepared like `prepare`
        assert {s["section"] for s in case["sections"]} >= {"elements", "must_not"}
    table = (out / "report.md").read_text(encoding="utf-8")
    assert "| Elements at stake |" in table and "| **Coverage** |" in table
    assert f"| | {' | '.join(names)} | all cases |" in table
    assert table in printed.out
    # the same files against the next case's dossier: the items are specific to their case
    others = report["cases"][1:] + report["cases"][:1]
    for case, other in zip(report["cases"], others, strict=True):
        expectations = load_expectations(Path(case["case_dir"]) / "expect.yaml")
        dossier = json.loads(Path(other["run_dir"], "dossier.json").read_text(encoding="utf-8"))
        results = asyncio.run(judge_all(None, expectations, dossier))
        expected = [v for r in results if r.section != "must_not" for v in r.verdicts]
        assert sum(v.covered != "no" for v in expected) / len(expected) < 0.35


def _copy_case(tmp_path: Path, expect: str) -> Path:
    case = tmp_path / "case"
    shutil.copytree(SUPPLIER, case, ignore=shutil.ignore_patterns("cassettes"))
    (case / "expect.yaml").write_text(expect, encoding="utf-8")
    return case


def test_a_threshold_fails_the_run_and_a_baseline_shows_what_was_gained_and_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _copy_case(
        tmp_path,
        "expect:\n  elements:\n    - item: the release of T1\n      synonyms: [release of T1]\n"
        "    - a helicopter airlift of the transformer\n",
    )
    first = tmp_path / "first"
    cassettes = str(SUPPLIER / "cassettes")
    argv = ["eval", str(case), "--replay", cassettes, "--out", str(first), "--min-coverage", "80"]
    assert main(argv) == 1
    assert "coverage below 80%: case, overall" in capsys.readouterr().err  # named by folder
    report = _report(first)
    assert report["coverage"] == 0.5 and report["below_threshold"] == ["case", "overall"]
    run_dir = report["cases"][0]["run_dir"]

    (case / "expect.yaml").write_text(
        "expect:\n  elements:\n    - item: the release of T1\n      synonyms: [gone phrase]\n"
        "    - item: the FAT instalment\n      synonyms: [FAT instalment]\n",
        encoding="utf-8",
    )
    second = tmp_path / "second"
    argv = ["eval", "--run", run_dir, "--keywords", "--out", str(second), "--baseline", str(first)]
    assert main(argv) == 0
    diff = _report(second)["diff"]
    assert [(c["item"], c["before"], c["after"]) for c in diff["changed"]] == [
        ("the FAT instalment", "absent", "yes"),
        ("a helicopter airlift of the transformer", "no", "absent"),
    ]
    # without its synonym, one content word of 'the release of T1' is only a partial match
    assert [(c["item"], c["before"], c["after"]) for c in diff["lost"]] == [
        ("the release of T1", "yes", "partly")
    ]
    assert diff["gained"] == []
    assert "Against " in (second / "report.md").read_text(encoding="utf-8")
    # the report folder is never overwritten
    assert main(argv) == 2
    assert "already holds an evaluation report" in capsys.readouterr().err


def test_a_case_without_expect_yaml_or_with_a_bad_one_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _copy_case(tmp_path, "expect:\n  elements: [fine item]\n  bad_section: [x]\n")
    assert main(["eval", str(case), "--replay", str(SUPPLIER / "cassettes")]) == 2
    err = capsys.readouterr().err
    assert f"{case / 'expect.yaml'}:3: expect.bad_section: unknown key" in err
    assert not Path("evals").exists() and not Path("runs").exists()  # checked before any run
    (case / "expect.yaml").unlink()
    assert main(["eval", str(case), "--keywords"]) == 2
    assert "no expect.yaml" in capsys.readouterr().err


# -- the model judge over the stub ----------------------------------------------------------------


def _enums(schema: Any, name: str) -> list[str]:
    """The enum of property `name` anywhere in a JSON schema."""
    if isinstance(schema, dict):
        prop = (schema.get("properties") or {}).get(name)
        if isinstance(prop, dict) and "enum" in prop:
            return list(prop["enum"])
        for value in schema.values():
            found = _enums(value, name)
            if found:
                return found
    if isinstance(schema, list):
        for value in schema:
            found = _enums(value, name)
            if found:
                return found
    return []


def _judge(request: SeenRequest) -> Reply:
    call = request.headers.get("x-negoprep-call", "")
    schema = request.body["response_format"]["json_schema"]["schema"]
    items, entries = _enums(schema, "item"), _enums(schema, "passage")
    if call == "judge.warnings":
        return Reply(status=500)
    if call == "judge.elements":
        verdicts = [
            {
                "item": "elements.1",
                "covered": "yes",
                "reason": "The release of T1 for the sailing is an element.",
                "passage": "profile.elements[4]",
                "quote": "Release of T1 for the 27 November sailing",
            },
            {
                "item": "elements.2",
                "covered": "no",
                "reason": "Precedent is not discussed.",
                "passage": "none",
                "quote": "",
            },
        ]
    else:
        quote = "words that are in no entry" if call == "judge.cognitive_traps" else ""
        verdicts = [
            {
                "item": i,
                "covered": "partly",
                "reason": "Touched.",
                "passage": entries[0],
                "quote": quote,
            }
            for i in items
        ]
    return Reply(json.dumps({"verdicts": verdicts}))


@pytest.fixture
def prepared(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    assert main(["prepare", str(SUPPLIER), "--replay", "--out", str(run), "-q"]) == 0
    return run


def test_the_judge_gives_a_verdict_per_item_and_a_failed_section_falls_back_to_keywords(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEGOPREP_MAX_RETRIES", "0")
    with StubOpenAI(_judge) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        out = tmp_path / "judged"
        code = main(["eval", "--run", str(prepared), "--judge-model", "judge-x", "--out", str(out)])
    assert code == 0
    calls = {r.headers["x-negoprep-call"]: r for r in stub.requests}
    assert set(calls) == {
        "judge.elements",
        "judge.cognitive_traps",
        "judge.partial_alternatives",
        "judge.their_dependencies",
        "judge.warnings",
        "judge.tactical_consent",
        "judge.process_moves",
        "judge.missing_information",
        "judge.must_not",
    }
    elements = calls["judge.elements"]
    assert elements.body["model"] == "judge-x"
    schema = elements.body["response_format"]["json_schema"]["schema"]
    assert _enums(schema, "item") == [f"elements.{n}" for n in range(1, 6)]  # no invented items
    assert "profile.elements[4]" in _enums(schema, "passage")
    case = _report(out)["cases"][0]
    by_id = {v["id"]: v for v in case["verdicts"]}
    one = by_id["elements.1"]
    assert (one["covered"], one["method"], one["passage"]) == (
        "yes",
        "judge",
        "profile.elements[4]",
    )
    assert one["reason"] == "The release of T1 for the sailing is an element."
    assert by_id["elements.2"]["covered"] == "no" and by_id["elements.2"]["passage"] == ""
    assert by_id["cognitive_traps.1"]["reason"] == "Touched. [the quote is not in that entry]"
    assert by_id["process_moves.1"]["reason"] == "Touched."
    left_out = by_id["elements.3"]
    assert left_out["method"] == "keywords" and left_out["reason"].startswith("not judged; ")
    assert all(v["method"] == "keywords" for v in case["verdicts"] if v["section"] == "warnings")
    methods = {s["section"]: s["method"] for s in case["sections"]}
    assert methods["warnings"].startswith("keywords (judge failed: provider error 500")
    assert methods["elements"] == "judge (3 item(s) left out: keywords)"
    assert methods["process_moves"] == "judge"
    assert case["scorer"].startswith("mixed: judge on 8 of 9 sections; ")
    assert len(case["judge_calls"]) == 9


def test_the_judge_model_comes_from_its_setting_and_no_provider_means_keywords(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = main(["eval", "--run", str(prepared), "--out", str(tmp_path / "a"), "-q"])
    assert code == 0
    assert _report(tmp_path / "a")["cases"][0]["scorer"] == (
        "keywords (no provider configured for the judge)"
    )
    monkeypatch.setenv("NEGOPREP_MODEL_JUDGE", "from-setting")
    with StubOpenAI(_judge) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        assert main(["eval", "--run", str(prepared), "--out", str(tmp_path / "b"), "-q"]) == 0
    assert {r.body["model"] for r in stub.requests} == {"from-setting"}


def test_the_judge_is_recorded_and_replays_offline_with_the_same_verdicts(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = tmp_path / "cassette"
    monkeypatch.setenv("NEGOPREP_MAX_RETRIES", "0")
    with StubOpenAI(_judge) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        argv = ["eval", "--run", str(prepared), "--record", str(cassette), "-q"]
        assert main([*argv, "--judge-model", "judge-r", "--out", str(tmp_path / "live")]) == 0
    monkeypatch.delenv("OPENAI_BASE_URL")
    manifest = json.loads((cassette / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["eval"]["judge"]["model"] == "judge-r"
    argv = ["eval", "--run", str(prepared), "--replay", str(cassette), "-q"]
    assert main([*argv, "--out", str(tmp_path / "replayed")]) == 0
    live, replayed = _report(tmp_path / "live"), _report(tmp_path / "replayed")
    assert replayed["cases"][0]["verdicts"] == live["cases"][0]["verdicts"]
    assert replayed["cases"][0]["scorer"].startswith("mixed: judge on 8 of 9 sections; ")
