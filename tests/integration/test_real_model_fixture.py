"""A real small model's replies, replayed: Qwen2.5-Coder-1.5B recorded by scripts/live_smoke.sh
(tests/data/real-model-qwen2.5-coder-1.5b/README.md). What a small model really writes meets the
recorder, the structured-output checks and the grounding: a reply cut off at the output limit
is reported with its setting, the other sections are kept, and misquotes are marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from negoprep.cli.main import main

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "real-model-qwen2.5-coder-1.5b"


def test_the_recorded_real_model_run_replays_with_its_failure_and_its_misquotes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = json.loads((FIXTURE / "cassettes" / "manifest.json").read_text())
    entries = [
        json.loads(p.read_text())
        for p in (FIXTURE / "cassettes").glob("*.json")
        if p.name != "manifest.json"
    ]
    assert manifest["source"] == "recorded" and len(entries) == 14
    assert all(e["source"] == {"kind": "recorded", "model": "qwen2.5-coder-1.5b"} for e in entries)

    run = tmp_path / "run"
    args = ["prepare", str(FIXTURE / "case"), "--replay", str(FIXTURE / "cassettes")]
    assert main([*args, "--out", str(run), "-q"]) == 1, "one focused call failed"
    out = capsys.readouterr().out
    assert "Citations: 6 verified, 2 unverified" in out
    dossier = json.loads((run / "dossier.json").read_text())
    assert dossier["status"] == "incomplete"
    reason = dossier["failures"]["extractor"]
    assert reason.startswith("partly failed") and "facts:" in reason
    assert "cut off at the output limit" in reason and "NEGOPREP_MAX_OUTPUT_TOKENS=3072" in reason
    assert all(dossier[k] is not None for k in ("challenge", "counterpart", "one_page_brief"))
    assert {c["model"] for c in dossier["calls"]} == {"qwen2.5-coder-1.5b"}
    assert [c["call"] for c in dossier["calls"] if c["status"] == "failed"] == ["extractor.facts"]
    markdown = (run / "dossier.md").read_text()
    assert markdown.count("unverified") >= 2, "the misquotes are marked where they stand"
