"""The example case's recorded rehearsal replays offline, as the README shows a new user.

If this fails after a change to a prompt, a schema, the knowledge base or the example's
hand-written responses, rebuild the recordings with `scripts/author_example.sh`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from negoprep.agents.coach import CRITERIA
from negoprep.cli.chat import parse_script
from negoprep.cli.main import main

REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "supplier-claim"
CASSETTE = CASE / "cassettes"
SCRIPT = CASSETTE / "rehearsal-script.txt"
REBUILD = "stale example recordings: run scripts/author_example.sh"


def test_the_example_rehearsal_replays_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "r1"
    assert main(["prepare", str(CASE), "--replay", "--out", str(run_dir), "-q"]) == 0
    capsys.readouterr()
    code = main(["rehearse", str(run_dir), "--replay", str(CASSETTE), "--script", str(SCRIPT)])
    out = capsys.readouterr().out
    assert code == 0, f"{REBUILD}\n{out[-3000:]}"

    folder = run_dir / "rehearsals" / "main"
    session = json.loads((folder / "transcript.json").read_text())
    items = parse_script(SCRIPT.read_text())
    turns = [i for i in items if not i.startswith("/")]
    assert len(turns) == 7 and {"/hint", "/undo", "/debrief", "/end"} <= set(items)
    kinds = [k for ex in session["exchanges"] for k in ex["assessment"]["kinds"]]
    for kind in ("threat", "warning", "process proposal", "question about their needs"):
        assert kind in kinds
    assert [ex["turn"] for ex in session["exchanges"]] == [1, 2, 3, 4, 5, 6]
    assert len(session["undone"]) == 1 and len(session["hints"]) == 1 and session["ended"]
    postures = [ex["plan"]["posture"] for ex in session["exchanges"]]
    assert "resist" in postures and postures[-1] == "consent", "the threat cost, the work paid"

    debrief = session["debrief"]
    assert debrief["problems"] == [], "every cited turn, quote and knowledge id holds up"
    card = debrief["debrief"]["scorecard"]
    assert [line["criterion"] for line in card] == list(CRITERIA)
    assert [t["turn"] for t in debrief["debrief"]["threats"]] == [3]
    markdown = (folder / "debrief.md").read_text()
    assert "## Scorecard" in markdown and "## Three things to do differently" in markdown

    recorded = [
        json.loads(p.read_text()) for p in CASSETTE.glob("*.json") if p.name != "manifest.json"
    ]
    rehearsal = [e for e in recorded if e["call"].startswith(("rehearsal.", "coach."))]
    assert all(e["source"]["kind"] == "hand-written" for e in rehearsal)
    assert len(rehearsal) == len(session["calls"]), f"{REBUILD} (unused entries left over)"
