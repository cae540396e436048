"""The chat panel from a session's values: the mood from the rules' state, hints in place, and
the debrief with links to the turns it cites; case text escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from negoprep.web.app import templates
from negoprep.web.sessions import chat_view

DEBRIEF = (
    Path(__file__).resolve().parents[2]
    / "cases/supplier-claim/cassettes/handwritten/coach.debrief.json"
)


def values(turns: int, **extra: Any) -> dict[str, Any]:
    setup = {
        "session": "main",
        "speaker": "Lorenzo <Baldini>",
        "opening": "Call.",
        "situation": "S.",
    }
    exchanges = [
        {
            "turn": n,
            "label": f"rehearsal.turn-{n}",
            "user": f"turn {n} <b>text</b>",
            "reply": f"reply {n}",
            "state": {"trust": 30 + 10 * n, "openness": 20 + 15 * n, "patience": 70},
            "change": {"trust": 10, "patience": 0, "openness": 15},
        }
        for n in range(1, turns + 1)
    ]
    return {"setup": setup, "exchanges": exchanges, **extra}


def render(data: dict[str, Any]) -> str:
    return templates.get_template("_chat.html").render(**chat_view(data, "run-1", "main", "tok"))


def test_the_mood_is_the_state_after_the_last_turn() -> None:
    html = render(values(2))
    assert re.search(r'<meter[^>]*value="50"', html)  # trust 30 + 20
    assert re.search(r'<meter[^>]*value="50"[^>]*>50</meter>\s*<span class="meter-value">50', html)
    assert "cautiously open" in html  # openness 50 >= 40, trust 50 < 60
    fresh = render(values(0))
    assert 'Lorenzo &lt;Baldini&gt; is <span class="mood-word">guarded' in fresh


def test_case_text_is_escaped() -> None:
    html = render(values(1))
    assert "turn 1 &lt;b&gt;text&lt;/b&gt;" in html and "<b>text" not in html


def test_the_debrief_links_every_turn_it_cites() -> None:
    from negoprep.agents.coach import DebriefReply

    reply = DebriefReply.model_validate(json.loads(DEBRIEF.read_text(encoding="utf-8")))
    debrief = reply.to_debrief().model_dump(mode="json")  # as the session keeps it
    data = values(6, debrief={"after_turn": 6, "label": "d", "debrief": debrief, "problems": []})
    html = render(data)
    cited = {ev["turn"] for line in debrief["scorecard"] for ev in line["evidence"]}
    cited |= {t["turn"] for t in debrief["threats"]} | {m["turn"] for m in debrief["moments"]}
    for turn in cited:
        assert f'href="#turn-{turn}"' in html
        assert f'id="turn-{turn}"' in html
    assert html.count('class="pill"') == len(debrief["scorecard"])


def test_a_pending_turn_offers_retry_and_says_it_is_kept() -> None:
    html = render(values(1, pending="my unanswered turn", error="provider timed out"))
    assert 'value="/retry"' in html
    assert "my unanswered turn" in html and "Your turn is kept" in html
    assert 'value="/retry"' not in render(values(1))
