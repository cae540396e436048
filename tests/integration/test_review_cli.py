"""`prepare --review` and `prepare --resume RUN --redo AGENT --note ...` from the command line,
live over HTTP against the local OpenAI-compatible stub."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from factories import example_json, focused_calls
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.agents.registry import preparation_agents
from negoprep.cli.main import main
from negoprep.reading.ingest import load_case

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = {s.__name__: s for a in preparation_agents() for s in a.schemas}


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(
        REPO / "cases" / "supplier-claim", target, ignore=shutil.ignore_patterns("cassettes")
    )
    return target


@pytest.fixture
def stub(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> StubOpenAI:
    case = load_case(case_dir)

    def respond(request: SeenRequest) -> Reply:
        name = request.body["response_format"]["json_schema"]["name"]
        return Reply(
            content=example_json(
                SCHEMAS[name], case, ["partial-alternatives"], request.body["messages"]
            )
        )

    server = StubOpenAI(respond)
    server.__enter__()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "-".join(["sk", "stub", "0123456789abcdefghij"]))
    monkeypatch.setenv("NEGOPREP_MODEL", "stub-model")
    yield server  # type: ignore[misc]
    server.__exit__(None, None, None)


def calls(stub: StubOpenAI) -> list[str]:
    return [r.headers["x-negoprep-call"] for r in stub.requests]


def test_review_waits_for_the_corrected_profile_then_continues(
    case_dir: Path, tmp_path: Path, stub: StubOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    assert main(["prepare", str(case_dir), "--out", str(run_dir), "--review", "-q"]) == 0
    out = capsys.readouterr().out
    review = run_dir / "review" / "deal-profile.yaml"
    assert f"continue with: negoprep prepare --resume {run_dir}" in out
    extraction = len(calls(stub))
    assert {c.split(".")[0] for c in calls(stub)} == {"extractor"}
    assert not (run_dir / "dossier.md").exists()

    profile = yaml.safe_load(review.read_text())
    profile["counterpart"] = "Velmora Trasformatori (the CFO decides)"
    review.write_text(yaml.safe_dump(profile, allow_unicode=True))
    assert main(["prepare", "--resume", str(run_dir), "-q"]) == 0
    assert "the CFO decides" in json.dumps(stub.requests[extraction].body)
    dossier = json.loads((run_dir / "dossier.json").read_text())
    assert any(line.startswith("counterpart: ") for line in dossier["user_changes"])
    markdown = (run_dir / "dossier.md").read_text()
    assert "**Your review of the deal profile:** counterpart: " in markdown
    assert len([c for c in calls(stub) if c.startswith("extractor")]) == extraction


def test_a_correction_that_is_not_a_profile_is_one_clear_error(
    case_dir: Path, tmp_path: Path, stub: StubOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    assert main(["prepare", str(case_dir), "--out", str(run_dir), "--review", "-q"]) == 0
    review = run_dir / "review" / "deal-profile.yaml"
    review.write_text("our_side: [not, a, name]\n")
    assert main(["prepare", "--resume", str(run_dir), "-q"]) == 2
    err = capsys.readouterr().err
    assert str(review) in err and "not a deal profile" in err
    assert {c.split(".")[0] for c in calls(stub)} == {"extractor"}, "nothing more was asked"


def test_redo_one_section_with_a_note(
    case_dir: Path, tmp_path: Path, stub: StubOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    assert main(["prepare", str(case_dir), "--out", str(run_dir), "-q"]) == 0
    stub.requests.clear()
    note = "The counterpart's CFO decides, not the sales director."
    args = ["prepare", "--resume", str(run_dir), "--redo", "counterpart", "--note", note, "-q"]
    assert main(args) == 0
    assert sorted(calls(stub)) == [*focused_calls("counterpart"), "synthesis"]
    assert note in json.dumps(stub.requests[0].body)
    assert json.loads((run_dir / "dossier.json").read_text())["notes"] == {"counterpart": note}
    assert (
        f"**counterpart:** written again with your note: {note}"
        in (run_dir / "dossier.md").read_text()
    )
    assert list((run_dir / "previous").iterdir()), "the earlier version stays available"
    capsys.readouterr()
    assert main(["prepare", "--resume", str(run_dir), "--redo", "nobody"]) == 2
    assert "--redo nobody: no such agent" in capsys.readouterr().err
    assert main(["prepare", str(case_dir), "--redo", "counterpart"]) == 2
    assert "--redo needs --resume RUN_DIR" in capsys.readouterr().err
