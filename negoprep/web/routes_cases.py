"""Case pages: the list (examples and the app's cases), a new case from uploads or a folder,
the brief, and each document's reading status before anything is sent to a model."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from negoprep.app.runs import list_runs
from negoprep.reading.ingest import CaseError, load_case
from negoprep.web.app import page, state_of
from negoprep.web.cases import BRIEF_FIELDS, CaseEntry, UploadError, read_brief, write_brief
from negoprep.web.runs_service import answer_options
from negoprep.web.security import SecurityError

router = APIRouter()


def _entry(request: Request, case_id: str) -> CaseEntry:
    try:
        return state_of(request).cases.get(case_id)
    except KeyError:
        raise HTTPException(404, f"no case '{case_id}'") from None


async def _files(request: Request) -> list[tuple[str, bytes]]:
    limits = state_of(request).config.limits
    form = await request.form(max_files=limits.max_files + 1, max_part_size=limits.max_bytes)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if len(uploads) > limits.max_files:
        raise UploadError(f"too many files: at most {limits.max_files}")
    return [(f.filename or "", await f.read()) for f in uploads]


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k) or "") for k in (*BRIEF_FIELDS, "folder")}


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> Response:
    """The cases and the recent runs."""
    web = state_of(request)
    cases = web.cases.entries()
    titles = {e.path.resolve(): e for e in cases}
    runs = [(info, titles.get(info.case_dir)) for info in list_runs(web.runs_dir)[:15]]
    return page(request, "index.html", cases=cases, runs=runs)


@router.get("/cases/new", response_class=HTMLResponse)
async def new_case_form(request: Request) -> Response:
    """The form: brief and documents."""
    return page(request, "case_new.html", fields={}, error=None)


@router.post("/cases", response_class=HTMLResponse)
async def create_case(request: Request) -> Response:
    """Create a case from uploaded files (or a zip) or a folder on disk, and its brief."""
    web = state_of(request)
    fields = await _fields(request)
    folder = None
    try:
        files = await _files(request)
        if not files and not fields["folder"].strip():
            raise UploadError("add documents: upload files or a zip, or give a folder")
        if not (fields.get("title") or "").strip():
            raise UploadError("give the case a title")
        folder = web.cases.new_case(fields["title"])
        if files:
            web.cases.add_files(folder, files)
        if fields["folder"].strip():
            web.cases.import_folder(folder, Path(fields["folder"].strip()).expanduser())
        if not read_brief(folder) or any(fields.get(k) for k in BRIEF_FIELDS if k != "title"):
            write_brief(folder, fields)
    except (SecurityError, ValueError) as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return page(request, "case_new.html", status=400, fields=fields, error=str(exc))
    return RedirectResponse(f"/cases/{folder.name}", status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def show_case(request: Request, case_id: str) -> Response:
    """The brief, every document's reading status, the case's runs and the run form."""
    web = state_of(request)
    entry = _entry(request, case_id)
    case, problem = None, None
    try:
        case = load_case(entry.path)
    except CaseError as exc:
        problem = str(exc)
    runs = [r for r in list_runs(web.runs_dir) if r.case_dir == entry.path.resolve()]
    return page(
        request,
        "case.html",
        entry=entry,
        case=case,
        problem=problem,
        brief=read_brief(entry.path),
        runs=runs,
        options=answer_options(web, entry),
        error=request.query_params.get("error"),
    )


@router.post("/cases/{case_id}/brief")
async def save_brief(request: Request, case_id: str) -> Response:
    """Rewrite case.yaml (not for the examples, which belong to the repository)."""
    entry = _entry(request, case_id)
    if entry.example:
        raise HTTPException(400, "the example cases are read-only; create a case to change a brief")
    try:
        write_brief(entry.path, await _fields(request))
    except ValueError as exc:
        raise HTTPException(400, f"case.yaml: {exc}") from exc
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/files", response_class=HTMLResponse)
async def add_files(request: Request, case_id: str) -> Response:
    """Add documents to an app-made case."""
    entry = _entry(request, case_id)
    if entry.example:
        raise HTTPException(400, "the example cases are read-only")
    try:
        state_of(request).cases.add_files(entry.path, await _files(request))
    except SecurityError as exc:
        raise HTTPException(400, str(exc)) from exc
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
