"""Run pages: start, watch live (server-sent events), cancel, resume; the dossier's reading page
(the `negoprep.output.html` page, served with its static files) and its exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import yaml
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from negoprep.agents.registry import preparation_agents
from negoprep.app.prepare import pending_review
from negoprep.app.runs import RunFolder
from negoprep.errors import UserError, user_error_types
from negoprep.web import runs_service
from negoprep.web.app import page, state_of, templates
from negoprep.web.progress import agent_rows, run_summary, summary_notes

router = APIRouter()
EXPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _run(request: Request, name: str) -> RunFolder:
    try:
        return runs_service.find_run(state_of(request), name)
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        raise HTTPException(404, str(exc)) from None


def _body_context(request: Request, run: RunFolder) -> dict[str, Any]:
    web = state_of(request)
    job = web.jobs.latest.get(run.path.name)
    summary = None if job is not None and not job.done else run_summary(run.path)
    running = job is not None and not job.done
    return {
        "run": run,
        "name": run.path.name,
        "job": job,
        "review": None if running else pending_review(run.path),
        "agents": [a.name for a in preparation_agents()],
        "notes": summary_notes(run.path) if summary is not None else {},
        "rows": agent_rows(job.events, ended=job.done) if job else [],
        "summary": summary,
        "case": web.cases.find_by_path(run.case_dir),
        "csrf": web.csrf,
    }


@router.post("/cases/{case_id}/runs")
async def start_run(request: Request, case_id: str) -> Response:
    """Start a preparation of the case; the run page follows it."""
    web = state_of(request)
    form = await request.form()
    answer = str(form.get("answer") or "")
    review = form.get("review") == "on"
    try:
        entry = web.cases.get(case_id)
    except KeyError:
        raise HTTPException(404, f"no case '{case_id}'") from None
    if answer == "live" and not web.settings.provider_configured:
        return RedirectResponse("/provider", status_code=303)
    try:
        run = runs_service.start(web, entry, answer, review=review)
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        return page(
            request, "error.html", status=400, title="Cannot start the run", message=str(exc)
        )
    return RedirectResponse(f"/runs/{run.path.name}", status_code=303)


@router.get("/runs/{name}", response_class=HTMLResponse)
async def show_run(request: Request, name: str) -> Response:
    """The run: live progress while it works, then what was written and what failed."""
    run = _run(request, name)
    return page(request, "run.html", **_body_context(request, run))


@router.get("/runs/{name}/events", response_class=EventSourceResponse)
async def run_events(request: Request, name: str) -> AsyncIterator[ServerSentEvent]:
    """The run body, re-rendered after each event; `end` when the job is over."""
    run = _run(request, name)
    job = state_of(request).jobs.latest.get(run.path.name)
    if job is None:
        yield ServerSentEvent(raw_data="", event="end")
        return
    fragment = templates.get_template("_run_body.html")
    async for _event in job.follow():
        yield ServerSentEvent(
            raw_data=fragment.render(**_body_context(request, run)), event="update"
        )
    yield ServerSentEvent(raw_data="", event="end")


@router.post("/runs/{name}/cancel")
async def cancel_run(request: Request, name: str) -> Response:
    """Stop the run; what finished is kept and Resume continues from there."""
    run = _run(request, name)
    state_of(request).jobs.cancel(run.path.name)
    return RedirectResponse(f"/runs/{name}", status_code=303)


@router.post("/runs/{name}/resume")
async def resume_run(request: Request, name: str) -> Response:
    """Continue an interrupted, cancelled or failed run."""
    try:
        runs_service.resume(state_of(request), name)
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        return page(request, "error.html", status=400, title="Cannot resume", message=str(exc))
    return RedirectResponse(f"/runs/{name}", status_code=303)


@router.post("/runs/{name}/review")
async def continue_review(request: Request, name: str) -> Response:
    """Go on with the deal profile as the user corrected it (YAML, as shown on the page)."""
    form = await request.form()
    text = str(form.get("profile") or "")
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise UserError("the corrected profile must be the YAML mapping shown on the page")
        runs_service.resume(state_of(request), name, reviewed_profile=data)
    except yaml.YAMLError as exc:
        return page(request, "error.html", status=400, title="Not valid YAML", message=f"{exc}")
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        return page(request, "error.html", status=400, title="Cannot continue", message=str(exc))
    return RedirectResponse(f"/runs/{name}", status_code=303)


@router.post("/runs/{name}/redo")
async def redo_section(request: Request, name: str) -> Response:
    """Write one agent's section again (and what depends on it), with the user's note."""
    form = await request.form()
    try:
        runs_service.resume(
            state_of(request),
            name,
            redo=str(form.get("agent") or ""),
            note=str(form.get("note") or "").strip(),
        )
    except Exception as exc:
        if not runs_service.refused(exc):
            raise
        return page(request, "error.html", status=400, title="Cannot redo", message=str(exc))
    return RedirectResponse(f"/runs/{name}", status_code=303)


@router.get("/runs/{name}/dossier", response_class=HTMLResponse)
async def dossier_page(request: Request, name: str) -> Response:
    """The dossier's reading page (from the exports work), with its assets linked."""
    from negoprep.output.build import build_view
    from negoprep.output.export import load_dossier
    from negoprep.output.html import render_page

    run = _run(request, name)
    try:
        dossier = load_dossier(run.path)
    except tuple(user_error_types()) as exc:
        raise HTTPException(404, str(exc)) from None
    html = render_page(build_view(dossier), standalone=False, static_url="/dossier-static")
    bar = templates.get_template("_dossier_bar.html").render(name=name, csrf=state_of(request).csrf)
    html = html.replace("<body>", "<body>" + bar, 1) if "<body>" in html else html
    html = html.replace("</head>", '<link rel="stylesheet" href="/static/app.css"></head>', 1)
    return HTMLResponse(html)


@router.get("/runs/{name}/export/{fmt}")
async def export(request: Request, name: str, fmt: str) -> Response:
    """Download the dossier as HTML (one file), PDF or DOCX."""
    import asyncio

    from negoprep.output.export import load_dossier, render_export

    if fmt not in EXPORT_TYPES:
        raise HTTPException(404, f"no export format '{fmt}' (html, pdf, docx)")
    run = _run(request, name)
    try:
        dossier = load_dossier(run.path)
        data = await asyncio.to_thread(render_export, dossier, fmt)
    except tuple(user_error_types()) as exc:
        raise HTTPException(400, str(exc)) from None
    filename = f"dossier-{name}.{fmt}"
    return Response(
        data,
        media_type=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/provider", response_class=HTMLResponse)
async def provider(request: Request) -> Response:
    """Which provider live runs use (never its key), or how to configure one."""
    return page(request, "provider.html")
