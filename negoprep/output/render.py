"""Render a `Dossier` as Markdown (`dossier.md`): its view, through the Markdown template.

Nothing an agent produced is left out. A section whose agent failed says so, with the reason and
how to resume. Every citation shows its passage and quote; one that could not be verified is
marked where it stands and listed again in the appendix. See `negoprep.output.build` for the
view and `negoprep.output.markdown` for the template and its escaping.
"""

from __future__ import annotations

from negoprep.output.build import build_view
from negoprep.output.dossier import Dossier
from negoprep.output.markdown import render_markdown_view


def render_markdown(dossier: Dossier) -> str:
    """The dossier as Markdown text (UTF-8 when written), ending in one newline."""
    return render_markdown_view(build_view(dossier))
