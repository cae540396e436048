"""Run folders: where a run's outputs go, held by one process at a time, never overwritten.

A run folder holds `.negoprep-run` (what the run is: its id, the case folder as an absolute path,
when it began), `checkpoints.sqlite` (the preparation graph's checkpoints, unless a database is
configured), `dossier.md` and `dossier.json`, and the rehearsals. It is created readable by its
owner only (0700): it holds case data. Output folders are never read as case documents (the
case reader skips any folder with a `.negoprep-run`).

A run folder is held by one process at a time through a lock file (`.negoprep-run.lock`, via
`filelock`); a second process gets `RunFolderError` naming the folder. Resuming moves the
previous dossier into `previous/<time>/` and says so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from negoprep.files import write_json_atomic

MARKER = ".negoprep-run"
LOCK = ".negoprep-run.lock"
DOSSIER_FILES = ("dossier.md", "dossier.json")


class RunFolderError(Exception):
    """The output folder cannot be used; the message names it and says why and what to do."""


@dataclass
class RunFolder:
    """One run's folder and what `.negoprep-run` says about it."""

    path: Path
    run_id: str
    case_dir: Path
    created: str
    context: dict[str, Any] = field(default_factory=dict)
    """The graph context the run was started with (answer source, models, folders, language):
    a resumed run thinks the same way unless told otherwise."""
    _lock: FileLock | None = field(default=None, repr=False)

    @property
    def thread_id(self) -> str:
        """The preparation's checkpointer thread."""
        return f"prepare:{self.run_id}"

    def rehearsal_thread(self, session: str) -> str:
        return f"rehearsal:{self.run_id}:{session}"

    def hold(self) -> RunFolder:
        """Take the folder's lock for this process; `RunFolderError` if another holds it."""
        lock = FileLock(self.path / LOCK, timeout=0, mode=0o600)
        try:
            lock.acquire()
        except Timeout as exc:
            raise RunFolderError(
                f"{self.path}: another negoprep process is using this run folder; wait for it "
                "to finish (or stop it), then try again"
            ) from exc
        except OSError as exc:
            raise _fail(self.path, exc) from exc
        self._lock = lock
        return self

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> RunFolder:
        return self.hold() if self._lock is None else self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "case"


def _fail(path: Path, exc: OSError) -> RunFolderError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileExistsError | NotADirectoryError) or "Not a directory" in reason:
        reason = "a file is in the way (a folder is needed)"
    return RunFolderError(f"{path}: cannot write the run folder here ({reason})")


def _make_dir(path: Path, *, exist_ok: bool) -> None:
    try:
        if path.exists() and not path.is_dir():
            raise RunFolderError(f"{path}: exists and is not a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=exist_ok)
    except OSError as exc:
        raise _fail(path, exc) from exc


def _claim(path: Path, case_dir: Path, context: dict[str, Any]) -> RunFolder:
    """Write the marker exclusively: of two processes claiming one folder, one wins."""
    run = RunFolder(
        path=path.resolve(),
        run_id=uuid.uuid4().hex,
        case_dir=case_dir.resolve(),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        context=context,
    )
    data = {
        "run_id": run.run_id,
        "case_dir": str(run.case_dir),
        "created": run.created,
        "context": context,
    }
    try:
        fd = os.open(path / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise RunFolderError(
            f"{path}: already holds a negoprep run; negoprep never overwrites one. Choose "
            f"another folder, or continue that run with: negoprep prepare --resume {path}"
        ) from exc
    except OSError as exc:
        raise _fail(path, exc) from exc
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
    return run.hold()


def new_run(runs_dir: Path, case_dir: Path, context: dict[str, Any]) -> RunFolder:
    """A new folder `<runs_dir>/<case>-<time>[-n]`, claimed and held by this process.

    Raises `RunFolderError` naming the folder when it cannot be created.
    """
    base = runs_dir / f"{_slug(case_dir.resolve().name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    if runs_dir.exists() and not runs_dir.is_dir():
        raise RunFolderError(f"{runs_dir}: the runs folder is a file, not a folder")
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(runs_dir, exc) from exc
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir(mode=0o700)
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
            continue
        except OSError as exc:
            raise _fail(candidate, exc) from exc
        return _claim(candidate, case_dir, context)


def claim_out_dir(out: Path, case_dir: Path, context: dict[str, Any]) -> RunFolder:
    """Use `out` (--out) for a new run; refuse if it already holds a run or a dossier."""
    _make_dir(out, exist_ok=True)
    existing = [name for name in DOSSIER_FILES if (out / name).exists()]
    if existing:
        raise RunFolderError(
            f"--out {out}: already holds {', '.join(existing)}; negoprep never overwrites a "
            f"dossier. Choose another folder, or continue that run with: "
            f"negoprep prepare --resume {out}"
        )
    return _claim(out, case_dir, context)


def open_run(path: Path) -> RunFolder:
    """An existing run folder (for --resume, rehearse, export), not yet held.

    Raises `RunFolderError` when it is not a run folder or its marker cannot be read.
    """
    marker = path / MARKER
    if not path.exists():
        raise RunFolderError(f"{path}: not found (give a run folder, e.g. runs/<case>-<time>)")
    if not marker.is_file():
        hint = " (a run made by negoprep 0.1 cannot be resumed; start a new run)"
        legacy = (path / "run.json").is_file()
        raise RunFolderError(
            f"{path}: not a negoprep run folder (no {MARKER}){hint if legacy else ''}"
        )
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        return RunFolder(
            path=path.resolve(),
            run_id=str(data["run_id"]),
            case_dir=Path(data["case_dir"]),
            created=str(data.get("created", "")),
            context=dict(data.get("context") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunFolderError(f"{marker}: cannot be read ({exc})") from exc


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
    target.mkdir(parents=True, mode=0o700)
    for path in present:
        shutil.move(str(path), target / path.name)
    return target


@dataclass
class RunInfo:
    """A run as listed: folder, case, when, and the dossier's status if there is one."""

    path: Path
    case_dir: Path
    created: str
    status: str
    """complete, incomplete, or 'no dossier yet' (interrupted or running)."""


def list_runs(runs_dir: Path) -> list[RunInfo]:
    """The run folders directly under `runs_dir`, newest first."""
    found: list[tuple[float, RunInfo]] = []
    if not runs_dir.is_dir():
        return []
    for marker in runs_dir.glob(f"*/{MARKER}"):
        try:
            run = open_run(marker.parent)
        except RunFolderError:
            continue
        status = "no dossier yet"
        dossier = marker.parent / "dossier.json"
        if dossier.is_file():
            try:
                status = str(json.loads(dossier.read_text(encoding="utf-8")).get("status"))
            except (OSError, ValueError, AttributeError):
                status = "unreadable dossier"
        found.append((marker.stat().st_mtime, RunInfo(run.path, run.case_dir, run.created, status)))
    return [info for _, info in sorted(found, key=lambda x: x[0], reverse=True)]


def write_outputs(run_dir: Path, dossier: dict[str, Any], markdown: str) -> None:
    """dossier.json and dossier.md, each atomically, readable by the owner only."""
    from negoprep.files import write_text_atomic

    write_json_atomic(run_dir / "dossier.json", dossier)
    write_text_atomic(run_dir / "dossier.md", markdown)
