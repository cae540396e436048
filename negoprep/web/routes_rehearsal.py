"""Rehearsal in the browser: sessions of a run, the chat with the reply streaming in, the
counterpart's mood, hint, undo, retry, branch from a turn, end, and the debrief.

Each step opens the run's rehearsal (`negoprep.app.rehearsal.open_rehearsal`: the run folder is
held while it works), sends the turn or command as a background job, and streams the job's events
to the page; sessions live in the run's checkpointer, so they continue after a server restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from markupsafe import escape

from negoprep.app.rehearsal import list_sessions
from negoprep.app.runs import RunFolder
from negoprep.errors import UserError
from negoprep.web import runs_service, sessions
from negoprep.web.app import page, state_of, templates
from negoprep.web.jobs import Job

router = APIRouter()


def _run(request: Request, name: str) -> RunFolder:
    try:
        return runs_service.find_run(state_of(request), name)
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        raise HTTPException(404, str(exc)) from None


def _session(name: str) -> str:
    from negoprep.cli.chat import check_session_name

    try:
        return check_session_name(name)
    except UserError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/runs/{name}/rehearse", response_class=HTMLResponse)
async def session_list(request: Request, name: str) -> Response:
    """The run's sessions, and a form to start one."""
    run = _run(request, name)
    names = list_sessions(run.path)
    suggested = next(n for n in ["main", *(f"take-{i}" for i in range(2, 999))] if n not in names)
    case = state_of(request).cases.find_by_path(run.case_dir)
    return page(request, "sessions.html", name=name, sessions=names, suggested=suggested, case=case)


@router.post("/runs/{name}/rehearse")
async def new_session(request: Request, name: str) -> Response:
    """Open (or continue) the session of the given name."""
    form = await request.form()
    session = _session(str(form.get("session") or "main").strip())
    return RedirectResponse(f"/runs/{name}/rehearse/{session}", status_code=303)


async def _chat_context(request: Request, name: str, session: str) -> dict[str, Any]:
    web = state_of(request)
    run = _run(request, name)
    try:
        values = await sessions.open_values(web, run, session)
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        raise HTTPException(400, str(exc)) from None
    return sessions.chat_view(values, name, session, web.csrf)


@router.get("/runs/{name}/rehearse/{session}", response_class=HTMLResponse)
async def chat_page(request: Request, name: str, session: str) -> Response:
    """The chat, started or continued where it stopped."""
    context = await _chat_context(request, name, _session(session))
    case = state_of(request).cases.find_by_path(_run(request, name).case_dir)
    return page(request, "chat.html", case=case, **context)


@router.get("/runs/{name}/rehearse/{session}/chat", response_class=HTMLResponse)
async def chat_fragment(request: Request, name: str, session: str) -> Response:
    """The chat panel alone (htmx swaps it in after each step)."""
    context = await _chat_context(request, name, _session(session))
    return page(request, "_chat.html", **context)


@router.post("/runs/{name}/rehearse/{session}/say", response_class=HTMLResponse)
async def say(request: Request, name: str, session: str) -> Response:
    """Send a turn or a command (/hint, /undo, /retry, /debrief, /end) as a job; the answer is
    the panel that streams its reply."""
    web = state_of(request)
    run = _run(request, name)
    session = _session(session)
    form = await request.form()
    command = str(form.get("command") or "").strip()
    text = command or str(form.get("text") or "").strip()
    if not text:
        raise HTTPException(400, "write what you would say, or choose a command")
    if command and command not in sessions.COMMANDS:
        raise HTTPException(400, f"unknown command {command}")
    try:
        job = sessions.start_step(web, run, session, text)
    except UserError as exc:
        return HTMLResponse(f'<p class="notice">{escape(str(exc))}</p>')
    speaker = str(form.get("speaker") or "The counterpart")
    return page(
        request,
        "_step.html",
        job=job,
        text=text,
        command=bool(command),
        speaker=speaker,
        name=name,
        session=session,
    )


@router.post("/runs/{name}/rehearse/{session}/branch")
async def branch(request: Request, name: str, session: str) -> Response:
    """Continue from turn N in a new session (the original stays as it is)."""
    web = state_of(request)
    run = _run(request, name)
    form = await request.form()
    turn = str(form.get("turn") or "")
    if not turn.isdigit():
        raise HTTPException(400, "choose the turn to branch from")
    try:
        new = await sessions.branch(web, run, _session(session), int(turn))
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/runs/{name}/rehearse/{new}", status_code=303)


@router.get("/jobs/{job_id}/events", response_class=EventSourceResponse)
async def step_events(request: Request, job_id: str) -> AsyncIterator[ServerSentEvent]:
    """A rehearsal step as it happens: `status`, `token` (escaped text), then `done` with the
    new chat panel, then `end`."""
    web = state_of(request)
    job: Job | None = web.jobs.by_id.get(job_id)
    if job is None or job.kind != "rehearse":
        yield ServerSentEvent(raw_data="", event="end")
        return
    async for event in job.follow():
        kind = event.get("kind")
        if kind == "token":
            yield ServerSentEvent(raw_data=str(escape(event["text"])), event="token")
        elif kind in ("status", "failed"):
            yield ServerSentEvent(raw_data=str(escape(event["text"])), event="status")
    name, session = job.key.split("/", 1)
    context = await _chat_context(request, name, session)
    if job.error:
        context["error"] = job.error
    html = templates.get_template("_chat.html").render(**context)
    yield ServerSentEvent(raw_data=html, event="done")
    yield ServerSentEvent(raw_data="", event="end")
