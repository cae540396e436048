"""The CLI around model calls: --estimate and --yes, base URLs shown without credentials, and
each failure said once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.agents.extractor import FOCUSES
from negoprep.cli.main import main

# Built at run time, so that no credential-shaped string sits in the repository.
PASSWORD = "-".join(["pw", "do", "not", "show", "4711"])


@pytest.fixture
def small_case(tmp_path: Path) -> Path:
    root = tmp_path / "case"
    root.mkdir()
    (root / "case.yaml").write_text("our_side: Buyer AS\ncounterpart: Supplier SpA\nlanguage: en\n")
    (root / "01-letter.txt").write_text(
        "The supplier claims EUR 1.15 million in additional costs.\n\n"
        "Delivery of unit one will not take place until the claim is resolved.\n"
    )
    return root


def test_estimate_makes_no_model_call_and_names_every_call(
    small_case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with StubOpenAI() as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("NEGOPREP_PRICE_INPUT", "2.5")
        monkeypatch.setenv("NEGOPREP_PRICE_OUTPUT", "10")
        assert main(["prepare", str(small_case), "--estimate"]) == 0
    out = capsys.readouterr().out
    assert stub.requests == []
    for call in ("extractor.timeline", "challenger.trades", "counterpart.tactics", "synthesis"):
        assert f"\n{call} " in out
    assert "Cost: about" in out and "2.5 per million prompt tokens" in out


def test_estimate_shows_the_parts_of_a_large_case(
    small_case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEGOPREP_CONTEXT_TOKENS", "20")
    assert main(["prepare", str(small_case), "--estimate"]) == 0
    out = capsys.readouterr().out
    assert "The case is read in 2 parts:" in out and "extractor.part-2" in out


def test_a_run_above_the_token_limit_is_refused_without_yes(
    small_case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with StubOpenAI() as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("NEGOPREP_MAX_RUN_TOKENS", "1000")
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        assert main(["prepare", str(small_case), "--out", "run"]) == 2
    err = capsys.readouterr().err
    assert "above NEGOPREP_MAX_RUN_TOKENS=1,000" in err and "--yes" in err
    assert stub.requests == [] and not Path("run").exists()


def test_a_run_above_the_token_limit_asks_on_a_terminal(
    small_case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with StubOpenAI() as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("NEGOPREP_MAX_RUN_TOKENS", "1000")
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        monkeypatch.setattr("builtins.input", lambda prompt: "n")
        assert main(["prepare", str(small_case), "--out", "run"]) == 2
    assert stub.requests == [] and "not run" in capsys.readouterr().err


def test_credentials_in_the_base_url_are_never_shown_or_stored(
    small_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with StubOpenAI(lambda r: Reply(status=401)) as stub:
        url = stub.base_url.replace("http://", f"http://negoprep:{PASSWORD}@")
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        cassette = tmp_path / "cassette"
        code = main(
            ["prepare", str(small_case), "--out", str(tmp_path / "run"), "--record", str(cassette)]
        )
    assert code == 1
    out = capsys.readouterr()
    files = [*(tmp_path / "run").rglob("*"), *cassette.rglob("*")]
    stored = b"".join(p.read_bytes() for p in files if p.is_file()).decode("utf-8", "replace")
    assert "dossier.json" in {p.name for p in files}
    for where, text in (("screen", out.out + out.err), ("files", stored)):
        assert PASSWORD not in text, f"the password shows on the {where}"
    assert "live: " not in out.err or "***@127.0.0.1" in out.err
    dossier = json.loads((tmp_path / "run" / "dossier.json").read_text())
    assert dossier["models"]["extractor"]["base_url"].startswith("http://***@127.0.0.1:")
    manifest = json.loads((cassette / "manifest.json").read_text())
    assert PASSWORD not in json.dumps(manifest)


def test_a_failure_is_said_once_live_and_not_repeated_in_the_summary(
    small_case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def reject(request: SeenRequest) -> Reply:
        return Reply(status=401)

    with StubOpenAI(reject) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        assert main(["prepare", str(small_case), "--out", "run"]) == 1
    out = capsys.readouterr()
    screen = out.out + out.err
    focused = len(FOCUSES)  # the extractor's focused calls, each failing once
    assert out.err.count("check OPENAI_API_KEY") == focused, screen
    assert "check OPENAI_API_KEY" not in out.out, "the summary does not repeat it"
    assert "✗ extractor (facts) failed: the provider rejected the API key (401)" in out.err
    assert "✗ extractor: failed (reason above)" in out.out
    assert f"in {focused} model calls, {focused} of them failed" in out.out


def test_quiet_runs_keep_the_reason_in_the_summary(
    small_case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with StubOpenAI(lambda r: Reply(status=401)) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        assert main(["prepare", str(small_case), "--out", "run", "-q"]) == 1
    out = capsys.readouterr().out
    focuses = ", ".join(f.name for f in FOCUSES)
    assert f"✗ extractor: {focuses}: the provider rejected" in out
    assert out.count("check OPENAI_API_KEY") == 1, "one reason, said once"
