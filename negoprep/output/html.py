"""The dossier's reading page (HTML) from its view, with the template `templates/page.html.j2`.

One page, two ways of delivering its assets:
- `standalone=True` (the HTML export, and the input to the PDF): the stylesheet and script from
  `static/` are inlined, so the file works on its own, offline.
- `standalone=False` (a web route): the page links `{static_url}/dossier.css` and
  `{static_url}/dossier.js`, and has no inline script, style or event attribute, so it can be
  served under a strict Content-Security-Policy (`script-src 'self'; style-src 'self'`). Serve the
  files in `STATIC_DIR` at `static_url`.

Every value is HTML-escaped by Jinja's autoescaping: case text is shown as text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from negoprep.output.view import DossierView

TEMPLATES = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
"""The page's stylesheet and script (`dossier.css`, `dossier.js`), for a web server to serve."""


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
    )


def _asset(name: str, closing: str) -> Markup:
    """A static file's text for an inline block; refuses text that would end the block early."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    if closing in text.lower():
        raise ValueError(f"{name} contains {closing!r} and cannot be inlined")
    return Markup(text)


def render_page(view: DossierView, *, standalone: bool = True, static_url: str = "static") -> str:
    """The reading page as an HTML document (str).

    `standalone`: inline the stylesheet and script (one self-contained file); otherwise link them
    under `static_url` (no trailing slash) for a server that serves `STATIC_DIR` there.
    """
    template = _environment().get_template("page.html.j2")
    return template.render(
        view=view,
        css=_asset("dossier.css", "</style") if standalone else None,
        js=_asset("dossier.js", "</script") if standalone else None,
        static_url=static_url.rstrip("/"),
    )
