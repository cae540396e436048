"""Render a `DossierView` as Markdown with the template `templates/dossier.md.j2`.

Every value the template prints goes through the Markdown escaper (the environment's `finalize`),
so text from the case or the agents never becomes Markdown or HTML structure: `*`, `_`, `<`,
`|`, `#` and the like are backslash-escaped, a line that would start a list or a heading is
escaped at its start, newlines become line breaks inside the block. The template marks what it
builds itself with `|safe`; forgetting that shows up as visible backslashes, never as markup.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from negoprep.output.view import DossierView

TEMPLATES = Path(__file__).parent / "templates"
# Always special: \ ` * < > | ~ #. Only in context: `_` unless inside a word (no emphasis there),
# `]` before `(` or `[` (a link or image), `&` before an entity name, `[` at a line start (a link
# definition).
_SPECIAL = re.compile(
    r"[\\`*<>|~#]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|\](?=[(\[])|&(?=#?[0-9A-Za-z]+;)"
)
_LINE_START = re.compile(r"^(\s*)([-+=\[]|\d{1,9}(?=[.)]))")


def escape_text(
    text: str, line_start: bool = False, indent: str = "", *, inline: bool = False
) -> str:
    """`text` as literal Markdown text.

    `line_start`: the text opens a line, so a leading list, heading or setext marker is escaped.
    Newlines become a hard line break followed by `indent` (the block's continuation
    indentation), or a space when `inline` (headings, table cells).
    """
    lines = _SPECIAL.sub(lambda m: "\\" + m.group(0), text).split("\n")
    out = []
    for i, line in enumerate(lines):
        if line_start or i:
            line = _LINE_START.sub(_escape_marker, line, count=1)
            if i:
                line = line.lstrip()
        out.append(line)
    return (" " if inline else "  \n" + indent).join(out)


def _escape_marker(m: re.Match[str]) -> str:
    marker = m.group(2)
    return m.group(1) + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def code_span(text: str, in_table: bool = False) -> str:
    """`text` as a code span: a fence longer than any run of backticks in it."""
    text = text.replace("\n", " ")
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else Markup(escape_text(str(value)))


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
    )
    env.filters["md"] = lambda text, line_start=False, indent="", inline=False: Markup(
        escape_text(str(text), line_start, indent, inline=inline)
    )
    env.globals["br"] = lambda indent="": Markup("  \n" + indent)
    env.filters["code"] = lambda text, in_table=False: Markup(code_span(str(text), in_table))
    return env


def render_markdown_view(view: DossierView) -> str:
    """The dossier as Markdown text (ending in one newline); blocks separated by a blank line."""
    text = environment().get_template("dossier.md.j2").render(view=view)
    return text.strip() + "\n"
