"""The batch's progress: one line per case rewritten in place on a terminal, one line per event
otherwise."""

from __future__ import annotations

import io
import re
from pathlib import Path

from negoprep.app.batch import CaseOutcome
from negoprep.cli.batch import BatchProgress, labels

CASES = [Path("cases/alpha"), Path("cases/beta")]


def screen(raw: str) -> list[str]:
    """What a terminal shows after `raw`: cursor-up moves and line clears applied."""
    lines: list[str] = []
    row = 0
    for piece in re.split(r"(\x1b\[\d+F|\x1b\[2K|\n)", raw):
        if m := re.fullmatch(r"\x1b\[(\d+)F", piece):
            row -= int(m.group(1))
        elif piece == "\n":
            row += 1
        elif piece and piece != "\x1b[2K":
            while len(lines) <= row:
                lines.append("")
            lines[row] = piece
    return lines


def test_on_a_terminal_each_case_keeps_one_line_that_changes() -> None:
    out = io.StringIO()
    progress = BatchProgress(CASES, out, live=True)
    progress.event(0, {"kind": "queued"})
    progress.event(1, {"kind": "reading"})
    progress.event(0, {"agent": "extractor", "status": "started", "detail": "facts"})
    progress.event(0, {"agent": "extractor", "status": "started", "detail": "risks"})
    first = screen(out.getvalue())
    assert len(first) == 2
    assert first[0].startswith("alpha  ") and "working: extractor ×2 ·" in first[0]
    assert first[1].startswith("beta   reading the documents")
    progress.event(0, {"agent": "extractor", "status": "finished", "detail": "facts"})
    progress.event(
        1, {"kind": "done", "outcome": CaseOutcome(CASES[1], "not run", 2, reason="bad")}
    )
    last = screen(out.getvalue())
    assert len(last) == 2, "the lines were rewritten, not added"
    assert "1 finished · working: extractor ·" in last[0]
    assert last[1].startswith("beta   ✗ not run (exit 2)") and last[1].endswith("bad")


def test_without_a_terminal_each_event_is_one_line_named_by_its_case() -> None:
    out = io.StringIO()
    progress = BatchProgress(CASES, out, live=False)
    progress.event(1, {"agent": "challenger", "status": "started"})
    progress.event(1, {"agent": "challenger", "status": "failed", "reason": "HTTP 500"})
    progress.event(0, {"kind": "notice", "text": "synthesis: retry 1"})
    assert out.getvalue().splitlines() == [
        "[beta] … challenger working",
        "[beta] ✗ challenger failed: HTTP 500",
        "[alpha] · synthesis: retry 1",
    ]
    assert "\x1b" not in out.getvalue() and progress.shown == {"HTTP 500"}


def test_cases_with_the_same_name_are_told_apart() -> None:
    assert labels([Path("a/case"), Path("b/case"), Path("c/other")]) == [
        "a/case",
        "b/case",
        "other",
    ]
