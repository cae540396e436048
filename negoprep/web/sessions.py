"""Rehearsal sessions for the web app, on `negoprep.app.rehearsal`.

A session is opened with the answer source its run was prepared with (a run replayed from
recordings rehearses from the same recordings; a live run rehearses live). Steps run one at a
time per run folder, each inside `open_rehearsal`, so the folder is held only while one works.
"""

from __future__ import annotations

from typing import Any

from langgraph.types import Command

from negoprep.agents.coach import Debrief, Hint
from negoprep.agents.roleplay_rules import CounterpartState
from negoprep.app.rehearsal import (
    RehearsalRequest,
    branch_input,
    open_rehearsal,
    opening_input,
    run_step,
    write_session_files,
)
from negoprep.app.runs import RunFolder
from negoprep.errors import UserError
from negoprep.graphs.rehearsal import GRAPH_COMMANDS
from negoprep.web.jobs import Job
from negoprep.web.state import WebState

COMMANDS = GRAPH_COMMANDS


def _request(run: RunFolder, session: str) -> RehearsalRequest:
    context = run.context
    return RehearsalRequest(
        target=run.path,
        session=session,
        replay=context.get("replay"),
        record=context.get("record"),
        author=context.get("author"),
        model=context.get("model"),
    )


async def open_values(web: WebState, run: RunFolder, session: str) -> dict[str, Any]:
    """The session's values, starting the session (its scene from the dossier) when new."""
    async with (
        web.run_lock(run.path.name),
        open_rehearsal(_request(run, session), settings=web.settings) as r,
    ):
        thread = r.thread(session)
        snapshot = await r.graph.aget_state({"configurable": {"thread_id": thread}})
        values = dict(snapshot.values)
        step, payload = opening_input(values, tuple(snapshot.next), lambda: r.load_setup(session))
        if step:
            values = await run_step(r.graph, r.context, thread, payload, lambda e: None)
            write_session_files(r.run.path, session, values)
        return values


def start_step(web: WebState, run: RunFolder, session: str, text: str) -> Job:
    """Send a turn or command as a background job; its events stream the reply."""
    if web.jobs.running(f"{run.path.name}/{session}"):
        raise UserError("the counterpart is still answering; wait for the reply")

    async def work(job: Job) -> dict[str, Any]:
        async with (
            web.run_lock(run.path.name),
            open_rehearsal(_request(run, session), settings=web.settings) as r,
        ):
            values = await run_step(
                r.graph, r.context, r.thread(session), Command(resume=text), job.emit
            )
            write_session_files(r.run.path, session, values)
            return values

    return web.jobs.start("rehearse", f"{run.path.name}/{session}", work)


async def branch(web: WebState, run: RunFolder, session: str, turn: int) -> str:
    """A new session continuing from turn `turn` of `session`; its name."""
    async with (
        web.run_lock(run.path.name),
        open_rehearsal(_request(run, session), settings=web.settings) as r,
    ):
        config = {"configurable": {"thread_id": r.thread(session)}}
        values = dict((await r.graph.aget_state(config)).values)
        exchanges = values.get("exchanges") or []
        if not values or turn > len(exchanges):
            raise UserError(f"turn {turn}: there are {len(exchanges)} turns in '{session}'")
        base, n = f"{session}-from-{turn}"[:60], 1
        name = base
        while (await r.graph.aget_state({"configurable": {"thread_id": r.thread(name)}})).values:
            n += 1
            name = f"{base}-{n}"
        seed = branch_input(values, name, turn, session)
        new_values = await run_step(r.graph, r.context, r.thread(name), seed, lambda e: None)
        write_session_files(r.run.path, name, new_values)
        return name


def _mood(state: dict[str, Any] | None) -> dict[str, Any]:
    current = CounterpartState.model_validate(state or {})
    return {
        "word": current.mood(),
        "trust": current.trust,
        "openness": current.openness,
        "patience": current.patience,
        "posture": current.posture,
    }


def chat_view(values: dict[str, Any], name: str, session: str, csrf: str) -> dict[str, Any]:
    """What the chat templates show: the exchanges with hints in place, the mood, the debrief."""
    exchanges = values.get("exchanges") or []
    hints: dict[int, list[Hint]] = {}
    for h in values.get("hints") or []:
        hints.setdefault(int(h["after_turn"]), []).append(Hint.model_validate(h["hint"]))
    debrief_data = values.get("debrief")
    debrief = Debrief.model_validate(debrief_data["debrief"]) if debrief_data else None
    return {
        "name": name,
        "session": session,
        "csrf": csrf,
        "setup": values.get("setup") or {},
        "exchanges": exchanges,
        "hints": hints,
        "mood": _mood(exchanges[-1]["state"] if exchanges else None),
        "pending": values.get("pending"),
        "notice": values.get("notice"),
        "error": values.get("error"),
        "ended": bool(values.get("ended")),
        "debrief": debrief,
        "debrief_after": debrief_data["after_turn"] if debrief_data else None,
        "debrief_problems": (debrief_data or {}).get("problems") or [],
        "branched_from": values.get("branched_from"),
    }
