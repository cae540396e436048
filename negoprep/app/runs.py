"""Run folders: where a run's outputs go, never overwriting an earlier dossier silently.

A run folder holds `dossier.md`, `dossier.json` and `run.json` (the agents' outputs so far, saved
after every step, so a crashed or failed run can be resumed). Resuming moves the previous dossier
into `previous/<time>/` and says so.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from negoprep.agents.challenger import ChallengeReport
from negoprep.agents.counterpart import CounterpartProfile
from negoprep.agents.extractor import DealProfile
from negoprep.agents.registry import EXTRA_AGENTS
from negoprep.agents.synthesis import Brief
from negoprep.files import write_json_atomic

DOSSIER_FILES = ("dossier.md", "dossier.json")
RUN_FILE = "run.json"
OUTPUT_TYPES: dict[str, type[BaseModel]] = {
    "profile": DealProfile,
    "challenge": ChallengeReport,
    "counterpart": CounterpartProfile,
    "brief": Brief,
}


class RunFolderError(Exception):
    """The output folder cannot be used; the message says why and what to do."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "case"


def new_run_dir(runs_dir: Path, case_name: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = runs_dir / f"{_slug(case_name)}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    candidate.mkdir(parents=True)
    return candidate


def claim_out_dir(out: Path) -> Path:
    """Use `out` for a new run; refuse if it already holds a dossier."""
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"--out {out}: exists and is not a folder")
    existing = [name for name in DOSSIER_FILES if (out / name).exists()]
    if existing:
        raise RunFolderError(
            f"--out {out}: already holds {', '.join(existing)}; negoprep never overwrites a dossier. "
            f"Choose another folder, or continue that run with: negoprep prepare --resume {out}"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def archive_previous(run_dir: Path) -> Path | None:
    """Move an existing dossier out of the way before a resumed run writes a new one."""
    present = [run_dir / name for name in DOSSIER_FILES if (run_dir / name).exists()]
    if not present:
        return None
    target = run_dir / "previous" / time.strftime("%Y%m%d-%H%M%S")
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{target.name.split('_')[0]}_{n}")
    target.mkdir(parents=True)
    for path in present:
        shutil.move(str(path), target / path.name)
    return target


def save_progress(run_dir: Path, case_root: str, language: str, state: dict[str, Any]) -> None:
    """What a resumed run needs: the case, the language, and every agent output so far."""
    outputs = {
        key: state[key].model_dump(mode="json")
        for key in OUTPUT_TYPES
        if state.get(key) is not None
    }
    data = {
        "case_root": case_root,
        "language": language,
        "outputs": outputs,
        "extras": {k: v.model_dump(mode="json") for k, v in (state.get("extras") or {}).items()},
        "knowledge_used": list(state.get("knowledge_used", [])),
        "calls": [c.model_dump(mode="json") for c in state.get("calls", [])],
        "failures": dict(state.get("failures", {})),
    }
    write_json_atomic(run_dir / RUN_FILE, data)


def load_progress(run_dir: Path) -> dict[str, Any]:
    path = run_dir / RUN_FILE
    if not path.is_file():
        raise RunFolderError(
            f"--resume {run_dir}: no {RUN_FILE} there (is it a negoprep run folder?)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        outputs: dict[str, Any] = {
            k: OUTPUT_TYPES[k].model_validate(v) for k, v in data.get("outputs", {}).items()
        }
        saved = data.get("extras", {})
        extras = {
            a.name: a.schema.model_validate(saved[a.name]) for a in EXTRA_AGENTS if a.name in saved
        }
        if extras:
            outputs["extras"] = extras
    except (ValueError, KeyError, TypeError) as exc:
        raise RunFolderError(f"{path}: cannot be read ({exc}); start a new run instead") from exc
    return {**data, "outputs": outputs}
