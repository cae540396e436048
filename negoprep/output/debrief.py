"""Render a rehearsal session as Markdown: the transcript, a hint, and the coach's debrief.

Works on the session's state as the checkpointer returns it (plain JSON data). Every score is
shown with its reason and the turns it rests on; a cited turn or quote that does not hold up
against the transcript is marked where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from negoprep.agents.coach import Debrief, Hint, quote_problem

UNVERIFIED = "⚠"


def _quote(text: str) -> str:
    return f"“{text.strip()}”"


def render_hint(hint: Mapping[str, Any]) -> str:
    h = Hint.model_validate(hint)
    lines = [
        f"Coach ({h.move}): {h.reading}",
        f"  Next: {h.suggestion}",
        f"  Say it like this: {_quote(h.say_it_like_this)}",
        f"  Why: {h.why}",
        f"  Avoid: {h.avoid}",
    ]
    if h.kb_refs:
        lines.append(f"  Knowledge: {', '.join(h.kb_refs)}")
    return "\n".join(lines)


def _moved(change: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v:+d}" for k, v in change.items())


def render_transcript(values: Mapping[str, Any], run_dir: str) -> str:
    setup = values["setup"]
    exchanges = values.get("exchanges") or []
    hints = values.get("hints") or []
    lines = [
        f"# Rehearsal '{setup['session']}' against {setup['speaker']}",
        "",
        f"Run folder `{run_dir}` · {len(exchanges)} turn(s) · language: {setup['language']}"
        + (" · ended" if values.get("ended") else " · open (resume with the same --session)"),
    ]
    origin = values.get("branched_from")
    if origin:
        lines.append(f"Branched from session '{origin['session']}' after turn {origin['turn']}.")
    lines += ["", f"> {setup['opening']}", ""]
    for hint in (h for h in hints if h["after_turn"] == 0):
        lines += _hint_block(hint)
    for ex in exchanges:
        a = ex["assessment"]
        lines += [
            f"**Turn {ex['turn']}. {setup['our_side']} (you):** {ex['user']}",
            "",
            f"**{setup['speaker']}:** {ex['reply']}",
            "",
            f"<sub>Heard as: {', '.join(a.get('kinds', []))} ({a.get('force')}) · "
            f"{_moved(ex['change'])} · their posture: {ex['plan'].get('posture')}</sub>",
            "",
        ]
        for hint in (h for h in hints if h["after_turn"] == ex["turn"]):
            lines += _hint_block(hint)
    if values.get("pending"):
        lines += [
            f"**Unanswered turn. {setup['our_side']} (you):** {values['pending']}",
            "",
            f"> ⚠ The model call failed: {values.get('error') or 'no reply yet'}. Resume the "
            "session and type /retry.",
            "",
        ]
    undone = values.get("undone") or []
    if undone:
        lines += ["## Taken back with /undo", ""]
        lines += [f"- Turn {ex['turn']}: {ex['user']}  \n  ({ex['reply']})" for ex in undone]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _hint_block(hint: Mapping[str, Any]) -> list[str]:
    body = render_hint(hint["hint"]).splitlines()
    return [f"> 💡 {body[0]}  ", *(f"> {line.strip()}  " for line in body[1:]), ""]


def render_debrief(values: Mapping[str, Any]) -> str:
    setup = values["setup"]
    data = values["debrief"]
    d = Debrief.model_validate(data["debrief"])
    turns = {ex["turn"]: ex["user"] for ex in values.get("exchanges") or []}
    lines = [
        f"# Debrief: rehearsal '{setup['session']}' against {setup['speaker']}",
        "",
        f"Covers turns 1 to {data['after_turn']}. The transcript is in `transcript.md` beside "
        "this file.",
        "",
        d.summary,
        "",
        f"**Where it ended.** {d.where_it_ended}",
        "",
        "## Scorecard",
        "",
        "Five moves and three dimensions, each from 1 (missed or harmful) to 5 (excellent).",
    ]
    for line in d.scorecard:
        cited = []
        for ev in line.evidence:
            problem = quote_problem(turns, ev.turn, ev.quote)
            mark = f" {UNVERIFIED} {problem}" if problem else ""
            cited.append(f"turn {ev.turn} {_quote(ev.quote)}{mark}")
        lines += [
            "",
            f"### {line.criterion.capitalize()}: {line.score}/5",
            "",
            line.reason,
            "",
            f"<sub>Rests on: {'; '.join(cited)}</sub>",
        ]
    lines += ["", "## Threats, and the warnings that would have served better", ""]
    if not d.threats:
        lines += ["No threats: every risk was raised as a warning or a question.", ""]
    for t in d.threats:
        problem = quote_problem(turns, t.turn, t.said)
        mark = f" {UNVERIFIED} {problem}" if problem else ""
        lines += [
            f"**Turn {t.turn}.** You said: {_quote(t.said)}{mark}  ",
            f"What it did: {t.effect}  ",
            f"Better, as a warning: {_quote(t.better_warning)}",
            "",
        ]
    lines += ["## Moments that moved the counterpart", ""]
    lines += [f"- **Turn {m.turn}.** {m.what_happened} {m.why_it_mattered}" for m in d.moments]
    if not d.moments:
        lines.append("- None stood out.")
    lines += ["", "## Three things to do differently", ""]
    for i, change in enumerate(d.do_differently, start=1):
        lines += [
            f"{i}. **{change.do}**  ",
            f"   Instead of: {change.instead_of}  ",
            f"   Say it like this: {_quote(change.say_it_like_this)}",
        ]
    used = list(dict.fromkeys([*d.kb_refs]))
    if used:
        lines += ["", f"<sub>Knowledge: {', '.join(used)}</sub>"]
    problems = data.get("problems") or []
    if problems:
        lines += [
            "",
            "## Checks",
            "",
            "Parts of this debrief that did not hold up against the transcript:",
        ]
        lines += [f"- {UNVERIFIED} {p}" for p in problems]
    return "\n".join(lines).rstrip() + "\n"
