"""The FastAPI app of `negoprep serve`: middleware for the security rules, pages, static files.

`create_app(config, settings)` builds it; the routes live in `routes_cases`, `routes_runs` and
`routes_rehearsal`. Pages are Jinja templates (autoescaped: case text is always shown as text)
with a little htmx; every asset is served from this server, under a strict CSP.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from negoprep.app.settings import Settings
from negoprep.output.html import STATIC_DIR as DOSSIER_STATIC
from negoprep.web import security
from negoprep.web.cases import CaseStore
from negoprep.web.state import WebConfig, WebState

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
log = logging.getLogger("negoprep.web")


def state_of(request: Request) -> WebState:
    """The app's shared state."""
    state: WebState = request.app.state.web
    return state


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the shared context (CSRF token, provider, access token query)."""
    web = state_of(request)
    return templates.TemplateResponse(
        request,
        template,
        {"csrf": web.csrf, "settings": web.settings, **context},
        status_code=status,
    )


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """One clear message, never a traceback."""
    return page(request, "error.html", status=status, title=title, message=message)


class Guard(BaseHTTPMiddleware):
    """Access token, Host check, cross-site refusal, body size limit, security headers, and a
    log line per request with its path only (no query, no body: no case text, no token)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        web = state_of(request)
        refusal = self._refusal(request, web)
        if isinstance(refusal, Response):
            response = refusal
        elif refusal is not None:
            response = error_page(request, 403, "Request refused", refusal)
        else:
            response = await call_next(request)
        for name, value in security.SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        log.info("%s %s %s", request.method, request.url.path, response.status_code)
        return response

    def _refusal(self, request: Request, web: WebState) -> str | Response | None:
        config = web.config
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        if config.token is None and not security.is_loopback(host):
            return f"this server answers only on 127.0.0.1 (Host: {host[:60]!r})"
        if config.token is not None:
            given = request.query_params.get("token")
            if given is not None and security.token_matches(config.token, given):
                rest = {k: v for k, v in request.query_params.items() if k != "token"}
                target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                redirect = RedirectResponse(target, status_code=303)
                redirect.set_cookie(
                    security.TOKEN_COOKIE, config.token, httponly=True, samesite="strict"
                )
                return redirect
            bearer = (request.headers.get("authorization") or "").removeprefix("Bearer ")
            cookie = request.cookies.get(security.TOKEN_COOKIE)
            if not (
                security.token_matches(config.token, cookie)
                or security.token_matches(config.token, bearer)
            ):
                return error_page(
                    request,
                    401,
                    "Access token needed",
                    "Open the address printed by `negoprep serve` (it carries the access token).",
                )
        origins = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
        headers = {k.lower(): v for k, v in request.headers.items()}
        reason = security.cross_site_reason(request.method, headers, origins)
        if reason:
            return reason
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > config.limits.max_bytes + 1024 * 1024:
            mb = config.limits.max_bytes // 1024 // 1024
            return error_page(request, 413, "Upload too large", f"At most {mb} MB in all.")
        return None


async def check_csrf(request: Request) -> None:
    """Dependency of every state-changing route: the page's CSRF token must come back."""
    if request.method in security.SAFE_METHODS:
        return
    given = request.headers.get(security.CSRF_HEADER)
    if given is None:
        form = await request.form(max_files=100_000, max_part_size=64 * 1024 * 1024)
        value = form.get(security.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not security.token_matches(state_of(request).csrf, given):
        from fastapi import HTTPException

        raise HTTPException(403, "the form is out of date (the server restarted?): reload the page")


def create_app(config: WebConfig, settings: Settings) -> FastAPI:
    """The web app, on `config`'s folders and limits and the same settings as the CLI."""
    from fastapi import Depends, HTTPException

    from negoprep.web import routes_cases, routes_rehearsal, routes_runs

    app = FastAPI(title="negoprep", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(
        config=config,
        settings=settings,
        cases=CaseStore(config.data_dir, config.limits, config.examples),
    )
    app.add_middleware(Guard)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/dossier-static", StaticFiles(directory=DOSSIER_STATIC), name="dossier-static")
    for module in (routes_cases, routes_runs, routes_rehearsal):
        app.include_router(module.router, dependencies=[Depends(check_csrf)])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {403: "Request refused", 404: "Not found", 400: "Cannot do that"}
        return error_page(
            request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
        )

    return app
