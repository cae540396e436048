"""Rehearsal evaluation: scripted turns of known quality, and what the session must show.

`rehearsal-eval.yaml` beside a case's `case.yaml`::

    steps:
      - quality: process             # threat | warning | process | interest-question | other
        say: Could we take three things in order ...
      - quality: threat
        say: If T1 is not on the vessel, we will call the performance bond ...
      - command: /undo               # any rehearsal command: /hint, /undo, /debrief ...
      - command: /debrief

The checks are fixed by each turn's quality and read what the session recorded: how the
counterpart heard the turn (its assessment), how its state moved under the rules, the plan its
reply was written within, the reply itself, and the debrief:

- every turn: the counterpart stays in character (its reply is not empty and never speaks as a
  model, a simulation or a coach);
- threat: heard as a threat; the counterpart resists (posture `resist`, trust and openness
  fall, nothing revealed, conceded or agreed in that reply); the debrief lists it among the
  threats, with a better warning;
- warning, process, interest-question: heard as that kind of move and not as a threat; the
  counterpart opens (openness rises, it does not resist or close); an interest question is
  answered with a revealed or hinted interest, or a reason it cannot yet be; the debrief does
  not list it as a threat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FILE_NAMES = ("rehearsal-eval.yaml", "rehearsal-eval.yml")
Quality = Literal["threat", "warning", "process", "interest-question", "other"]
HEARD_AS: dict[str, str] = {
    "threat": "threat",
    "warning": "warning",
    "process": "process proposal",
    "interest-question": "question about their needs",
}
"""A quality -> the kind of move the counterpart's assessment must name."""
OUT_OF_CHARACTER = re.compile(
    r"\b(as an ai|an ai (language )?model|language model|i am an ai|i'm an ai|this (is a )?"
    r"simulation|role-?play|as your coach|negotiation coach|the user)\b",
    re.IGNORECASE,
)


class Step(BaseModel):
    """One step of the script: a turn to say, with its known quality, or a command."""

    model_config = ConfigDict(extra="forbid")

    say: str | None = None
    quality: Quality | None = None
    command: str | None = Field(default=None, pattern=r"^/\w+")

    @model_validator(mode="after")
    def _one(self) -> Step:
        if (self.say is None) == (self.command is None):
            raise ValueError("a step has either 'say' (with 'quality') or 'command'")
        if self.say is not None:
            self.say = " ".join(self.say.split())
            if not self.say:
                raise ValueError("'say' needs words")
            if self.quality is None:
                raise ValueError("a turn needs its quality (threat, warning, process, ...)")
        elif self.quality is not None:
            raise ValueError("a command has no quality")
        return self

    @property
    def text(self) -> str:
        """What is sent to the session."""
        return self.say if self.say is not None else str(self.command)


class RehearsalScript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: str = Field(default="eval", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    steps: list[Step] = Field(min_length=1)


class Check(BaseModel):
    """One check on the session: which turn, what was checked, and what was found."""

    turn: int | None
    """The turn's number in the session; None for checks on the whole session."""
    quality: str
    check: str
    passed: bool
    detail: str


class RehearsalReport(BaseModel):
    file: str
    session: str
    transcript: str
    checks: list[Check]
    error: str | None = None
    """Why the session stopped before the script ended (a failed or missing call)."""

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)


def load_script(path: Any) -> RehearsalScript:
    """The rehearsal script of `path`; `EvalFileError` naming the file and line when bad."""
    from negoprep.evaluation.yamlfile import load_model

    return load_model(path, RehearsalScript, "rehearsal evaluation file")


def _find(exchanges: Sequence[Mapping[str, Any]], text: str) -> Mapping[str, Any] | None:
    for ex in exchanges:
        if " ".join(str(ex.get("user", "")).split()) == text:
            return ex
    return None


def _turn_checks(
    step: Step, ex: Mapping[str, Any], flagged: Mapping[int, Mapping[str, Any]] | None
) -> list[Check]:
    turn, quality = int(ex["turn"]), str(step.quality)
    kinds = list(ex["assessment"].get("kinds") or [])
    change, plan = ex.get("change") or {}, ex.get("plan") or {}
    reply = str(ex.get("reply") or "")
    checks: list[Check] = []

    def add(check: str, passed: bool, detail: str) -> None:
        checks.append(Check(turn=turn, quality=quality, check=check, passed=passed, detail=detail))

    odd = OUT_OF_CHARACTER.search(reply)
    add(
        "stays in character",
        bool(reply.strip()) and odd is None,
        f"out of character: '{odd.group(0)}'"
        if odd
        else ("no reply" if not reply.strip() else "ok"),
    )
    if quality not in HEARD_AS:
        return checks
    heard = HEARD_AS[quality]
    add(f"heard as {heard}", heard in kinds, f"heard as: {', '.join(kinds) or 'nothing'}")
    moved = f"trust {change.get('trust', 0):+d}, openness {change.get('openness', 0):+d}"
    given = [k for k in ("reveal", "hint_at", "concession", "consent_to") if plan.get(k)]
    if quality == "threat":
        resisted = (
            plan.get("posture") == "resist"
            and change.get("trust", 0) < 0
            and change.get("openness", 0) < 0
            and not given
        )
        add(
            "resists the threat",
            resisted,
            f"posture {plan.get('posture')}; {moved}; gave: {', '.join(given) or 'nothing'}",
        )
    else:
        add("not heard as a threat", "threat" not in kinds, f"heard as: {', '.join(kinds)}")
        opened = change.get("openness", 0) > 0 and plan.get("posture") not in ("resist", "close")
        add("opens up", opened, f"posture {plan.get('posture')}; {moved}")
        if quality == "interest-question":
            answered = bool(plan.get("reveal") or plan.get("hint_at"))
            what = "revealed" if plan.get("reveal") else ("hinted at" if answered else "deflected")
            add("answers about its interests", answered, f"{what} a hidden interest")
    if flagged is not None:
        entry = flagged.get(turn)
        if quality == "threat":
            better = str((entry or {}).get("better_warning") or "").strip()
            said = str((entry or {}).get("said") or "").strip()
            ok = entry is not None and bool(better) and better != said
            detail = f"better warning: {better[:120]}" if ok else "not listed with a better warning"
            add("debrief flags the threat with a better warning", ok, detail)
        else:
            add(
                "debrief does not call it a threat",
                entry is None,
                "listed as a threat" if entry else "ok",
            )
    return checks


def check_session(script: RehearsalScript, values: Mapping[str, Any]) -> list[Check]:
    """Every check of `script` against a session's values (`transcript.json`): each turn
    found among the session's exchanges (or those taken back with /undo)."""
    exchanges = [*(values.get("exchanges") or []), *(values.get("undone") or [])]
    debrief = (values.get("debrief") or {}).get("debrief")
    flagged = {int(t["turn"]): t for t in debrief["threats"]} if debrief else None
    checks: list[Check] = []
    for step in script.steps:
        if step.say is None:
            continue
        ex = _find(exchanges, step.say)
        if ex is None:
            checks.append(
                Check(
                    turn=None,
                    quality=str(step.quality),
                    check="answered",
                    passed=False,
                    detail=f"no reply to: {step.say[:80]}",
                )
            )
            continue
        live = any(ex is e for e in values.get("exchanges") or [])
        checks += _turn_checks(step, ex, flagged if live else None)
    if any(s.command == "/debrief" for s in script.steps):
        problems = list((values.get("debrief") or {}).get("problems") or [])
        checks.append(
            Check(
                turn=None,
                quality="debrief",
                check="debrief holds up against the transcript",
                passed=debrief is not None and not problems,
                detail="; ".join(problems) if problems else ("ok" if debrief else "no debrief"),
            )
        )
    return checks
