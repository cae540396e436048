"""The dossier as PDF: the standalone reading page, printed by WeasyPrint with its print stylesheet.

Text stays selectable and searchable; citations link to their passages in the "Source passages"
part after the dossier; the contents carry page numbers and the headings become PDF bookmarks.
WeasyPrint needs Pango (a system library); it is imported only when a PDF is made.
"""

from __future__ import annotations

import logging

from negoprep.output.html import render_page
from negoprep.output.view import DossierView


def render_pdf(view: DossierView) -> bytes:
    """The dossier as PDF bytes (A4). Raises `OSError` when WeasyPrint's system libraries are missing."""
    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not support (the screen layout's, here) as a
    # warning; they do not affect the printed result.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = render_page(view, standalone=True)
    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
