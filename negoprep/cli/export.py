"""`negoprep export RUN_DIR --format html|pdf|docx [--out FILE]`: the dossier in another format.

Only parsing and printing here; the export itself is `negoprep.output.export.export_run`,
imported when the command runs so `negoprep --help` stays light.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write a run's dossier as HTML, PDF or DOCX",
        description="Write the dossier of a run folder as one self-contained HTML reading page, "
        "a PDF or a Word document (DOCX). Nothing is overwritten.",
    )
    parser.add_argument(
        "run_dir", metavar="RUN_DIR", type=Path, help="a run folder with dossier.json"
    )
    parser.add_argument(
        "--format",
        "-f",
        dest="fmt",
        metavar="FORMAT",
        required=True,
        help="html, pdf or docx",
    )
    parser.add_argument(
        "--out",
        "-o",
        metavar="FILE",
        type=Path,
        default=None,
        help="where to write it (default: RUN_DIR/dossier.FORMAT); refused if it exists",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from negoprep.output.export import export_run

    path = export_run(args.run_dir, args.fmt.strip().lower(), args.out)
    print(f"Wrote {path}")
    return 0
