"""Export a run's dossier as HTML (one self-contained file), PDF or DOCX, from its `dossier.json`.

Every format is rendered from the same view (`negoprep.output.build.build_view`). The CLI
(`negoprep export`) and later the web app call `export_run` / `render_export`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from negoprep.errors import UserError
from negoprep.files import write_new_bytes_atomic
from negoprep.output.dossier import Dossier
from negoprep.output.view import DossierView

FORMATS = ("html", "pdf", "docx")


class ExportError(UserError):
    """The run folder, format or output file cannot be used; the message says which and why."""


def _html(view: DossierView) -> bytes:
    from negoprep.output.html import render_page

    return render_page(view, standalone=True).encode("utf-8")


def _pdf(view: DossierView) -> bytes:
    from negoprep.output.pdf import render_pdf

    return render_pdf(view)


def _docx(view: DossierView) -> bytes:
    from negoprep.output.docx import render_docx

    return render_docx(view)


RENDERERS: dict[str, Callable[[DossierView], bytes]] = {"html": _html, "pdf": _pdf, "docx": _docx}


def load_dossier(run_dir: Path) -> Dossier:
    """The dossier saved in `run_dir/dossier.json`. Raises `ExportError` naming the file and problem."""
    path = run_dir / "dossier.json"
    if not run_dir.is_dir():
        raise ExportError(f"{run_dir}: not a folder; give a run folder that holds dossier.json")
    if not path.is_file():
        raise ExportError(
            f"{run_dir}: no dossier.json here; give the run folder `negoprep prepare` printed"
        )
    try:
        return Dossier.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise ExportError(f"{path}: not a readable dossier ({where}: {first['msg']})") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read ({exc.strerror})") from None


def render_export(dossier: Dossier, fmt: str) -> bytes:
    """The dossier in format `fmt` (`html`, `pdf` or `docx`) as bytes. Raises `ExportError`."""
    from negoprep.output.build import build_view

    if fmt not in RENDERERS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](build_view(dossier))


def export_run(run_dir: Path, fmt: str, out: Path | None = None) -> Path:
    """Write the run's dossier as `fmt` to `out` (default `run_dir/dossier.<fmt>`); return the path.

    Never overwrites: an existing `out` is refused, as is a folder that does not exist or cannot
    be written. The file appears whole or not at all. Raises `ExportError`.
    """
    if fmt not in RENDERERS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    dossier = load_dossier(run_dir)
    target = out if out is not None else run_dir / f"dossier.{fmt}"
    if target.exists() or target.is_symlink():
        raise ExportError(
            f"{target}: already exists; negoprep never overwrites a file. "
            "Choose another --out, or move that file away first"
        )
    if not target.parent.is_dir():
        raise ExportError(f"{target}: cannot be written; the folder {target.parent} does not exist")
    data = render_export(dossier, fmt)
    try:
        write_new_bytes_atomic(target, data)
    except FileExistsError:
        raise ExportError(f"{target}: appeared while exporting; nothing was overwritten") from None
    except OSError as exc:
        raise ExportError(f"{target}: cannot be written ({exc.strerror})") from None
    return target
