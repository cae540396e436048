"""Prepare several cases at once: `negoprep prepare CASE_DIR CASE_DIR...` or `--all FOLDER`.

Every case is its own run, exactly as `prepare_case` runs one (its own run folder under the
runs folder, its own checkpoints and dossier), and the cases run concurrently. They share the
process's request limiter (`negoprep.llm.limits`): NEGOPREP_MAX_CONCURRENCY requests in flight
and NEGOPREP_MAX_RPM started a minute over all cases together, retries counted. A case that
fails, however it fails (a folder that cannot be read, a provider error, a bug), never stops
the others: it ends with its exit code and its reason, and the batch's exit code is the worst
of the cases' (0 complete, 1 written with failures, 2 not run: bad input or configuration).

How the options combine with several cases (`check_batch`):

- `--out DIR` is the folder the batch's run folders go under (one `<case>-<time>` folder per
  case), instead of the runs folder; a folder that is itself a run is refused.
- `--resume`, `--redo` and `--note` continue one run: refused with several cases.
- `--record DIR` would mix the cases' recordings in one folder: refused (`--record` without a
  folder records each case into its own `CASE_DIR/cassettes`). `--replay DIR` is allowed (copies
  of one case replay the same recording).
- `--review` runs each case up to its review pause and leaves it waiting (exit 0), with the
  review file and the command that continues it; no case waits at the terminal.
- `--estimate` estimates each case (`estimate_cases`) and makes no model call.
- A case whose estimate exceeds NEGOPREP_MAX_RUN_TOKENS is not run without `--yes` (nothing is
  asked while other cases run); that is up to the `confirm` the caller passes.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from negoprep.app.prepare import (
    Event,
    PlannedRun,
    PrepareRequest,
    PrepareResult,
    claim_folder,
    execute,
    plan_run,
)
from negoprep.app.settings import Settings
from negoprep.errors import UserError, user_error_types

if TYPE_CHECKING:
    from negoprep.app.estimate import RunEstimate

BatchEvent = Callable[[int, Event], None]
"""Progress of case `index` (its place in the batch): `{"kind": "queued"}`, `{"kind": "reading"}`,
then `prepare_case`'s events, then `{"kind": "done", "outcome": CaseOutcome}`."""


@dataclass
class CaseOutcome:
    """How one case of a batch ended."""

    case_dir: Path
    status: str
    """complete, incomplete (written, something failed), waiting for review, not run (bad input
    or configuration: nothing written), error (stopped by an unexpected error)."""
    exit_code: int
    """0, 1 or 2 as for one case; an unexpected error counts as 1."""
    run_dir: Path | None = None
    result: PrepareResult | None = None
    reason: str = ""
    """Why it was not run or stopped (one line)."""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.case_dir.name or str(self.case_dir)


@dataclass
class BatchResult:
    """Every case's outcome, in the order the cases were given, and the batch's wall time."""

    outcomes: list[CaseOutcome]
    seconds: float

    @property
    def exit_code(self) -> int:
        """The worst of the cases' exit codes (0 for an empty batch)."""
        return max((o.exit_code for o in self.outcomes), default=0)


def _is_case_folder(folder: Path) -> bool:
    """A brief or at least one document of a supported type directly or further down."""
    from negoprep.reading.ingest import BRIEF_NAMES, IGNORED_DIRS, is_run_folder
    from negoprep.reading.readers import SUPPORTED_SUFFIXES

    if is_run_folder(folder) or folder.name in IGNORED_DIRS:
        return False
    if any((folder / name).is_file() for name in BRIEF_NAMES):
        return True
    for root, dirs, files in os.walk(folder):
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d not in IGNORED_DIRS and not is_run_folder(Path(root, d))
        ]
        if any(Path(f).suffix.lower() in SUPPORTED_SUFFIXES for f in files if f[:1] != "."):
            return True
    return False


def find_cases(folder: Path) -> list[Path]:
    """The cases of `--all FOLDER`: its direct subfolders (not hidden, not `runs/` or
    `cassettes/`, not run folders) with a brief (`case.yaml`, `case.toml`) or documents, by name.

    A subfolder that cannot be listed is kept, so that it fails with its reason rather than
    being skipped silently. Raises `UserError` when `folder` is missing or holds no case."""
    if not folder.is_dir():
        what = "not found" if not folder.exists() else "not a folder"
        raise UserError(f"--all {folder}: {what} (give the folder that holds the case folders)")
    cases = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            if _is_case_folder(entry):
                cases.append(entry)
        except OSError:
            cases.append(entry)
    if not cases:
        raise UserError(
            f"--all {folder}: no case folders in it (a case is a subfolder with case.yaml or "
            "documents)"
        )
    return cases


def check_batch(request: PrepareRequest, cases: list[Path]) -> None:
    """Refuse what makes no sense with several cases (see the module doc); `UserError`, one line.

    `request` is the batch's template (its `case_dir` unused)."""
    if request.resume is not None or request.redo is not None or request.note is not None:
        flag = "--resume" if request.resume is not None else "--redo/--note"
        raise UserError(
            f"{flag} continues one run: give it alone (negoprep prepare --resume RUN_DIR), "
            "not with several cases or --all"
        )
    if request.record:
        raise UserError(
            f"--record {request.record}: several cases would mix their recordings in one folder; "
            "give --record without a folder (each case records into its own CASE_DIR/cassettes)"
        )
    if request.out is not None:
        from negoprep.reading.ingest import is_run_folder

        if is_run_folder(request.out):
            raise UserError(
                f"--out {request.out}: holds a run; with several cases --out is the folder their "
                "run folders go under: give a new or empty folder"
            )
    seen: dict[Path, Path] = {}
    for case in cases:
        key = case.resolve()
        if key in seen:
            raise UserError(f"{case}: the same case folder is given twice (as {seen[key]})")
        seen[key] = case


def _settings(request: PrepareRequest, settings: Settings | None) -> Settings:
    from negoprep.app import settings as settings_mod

    if settings is None:
        settings_mod.load_env_file()
        settings = settings_mod.from_env(model=request.model)
    if request.out is not None:
        settings = replace(settings, runs_dir=request.out)
    return settings


def _done(result: PrepareResult) -> tuple[str, int]:
    if result.review_file is not None:
        return "waiting for review", result.exit_code
    assert result.dossier is not None
    return ("complete" if result.exit_code == 0 else "incomplete"), result.exit_code


async def _one(
    index: int,
    case_dir: Path,
    template: PrepareRequest,
    settings: Settings,
    emit: BatchEvent,
    confirm: Callable[[PlannedRun], bool] | None,
    starting: asyncio.Lock,
) -> CaseOutcome:
    await starting.acquire()
    started = time.perf_counter()
    outcome = CaseOutcome(case_dir, "not run", 2)
    request = replace(template, case_dir=case_dir, out=None, kb=list(template.kb))
    request.prompts = list(template.prompts)

    released = False

    def let_next_start() -> None:
        nonlocal released
        if not released:
            released = True
            starting.release()

    def on_event(event: Event) -> None:
        if event.get("status") == "started":
            let_next_start()  # its first model call is on its way: the next case may start
        emit(index, event)

    try:
        emit(index, {"kind": "reading"})

        def plan() -> PlannedRun | None:
            planned = plan_run(request, settings)
            if confirm is not None and not confirm(planned):
                return None
            return planned

        planned = await asyncio.to_thread(plan)
        if planned is None:
            outcome.reason = "not run (declined)"
        else:
            with claim_folder(planned) as run:
                outcome.run_dir = run.path
                emit(index, {"kind": "run", "run_dir": run.path, "planned": planned})
                result = await execute(planned, run, on_event)
            outcome.result = result
            outcome.status, outcome.exit_code = _done(result)
    except Exception as exc:
        if isinstance(exc, user_error_types()):
            outcome.status, outcome.exit_code = (
                ("not run" if outcome.run_dir is None else "error"),
                2,
            )
            outcome.reason = str(exc)
        else:
            outcome.status, outcome.exit_code = "error", 1
            outcome.reason = f"unexpected {type(exc).__name__}: {exc}"
    finally:
        let_next_start()
    outcome.seconds = time.perf_counter() - started
    emit(index, {"kind": "done", "outcome": outcome})
    return outcome


async def prepare_batch(
    cases: list[Path],
    template: PrepareRequest,
    *,
    settings: Settings | None = None,
    on_event: BatchEvent | None = None,
    confirm: Callable[[PlannedRun], bool] | None = None,
    cases_at_once: int | None = None,
) -> BatchResult:
    """Prepare every case of `cases` concurrently with the options of `template`.

    Cases start one after another: the next starts once the previous one has sent its first
    model call (or ended), so that the first requests go out at once instead of after every
    case has read its documents, and reading overlaps with waiting for the provider. At most
    `cases_at_once` cases are in progress at a time (default: twice NEGOPREP_MAX_CONCURRENCY,
    so that the request slots stay busy while cases read or wait between steps); the requests
    themselves are bounded by the process's limiter. `confirm` sees each checked case before anything is written (return False: the
    case is not run, exit 2; raise `UserError`: the same, with its message). Raises `UserError`
    for what `check_batch` refuses, before any case starts; every other failure is one case's.
    """
    check_batch(template, cases)
    settings = _settings(template, settings)
    emit = on_event or (lambda index, event: None)
    gate = asyncio.Semaphore(cases_at_once or max(2, 2 * settings.max_concurrency))
    starting = asyncio.Lock()
    started = time.perf_counter()

    async def run(index: int, case_dir: Path) -> CaseOutcome:
        async with gate:
            return await _one(index, case_dir, template, settings, emit, confirm, starting)

    for index in range(len(cases)):
        emit(index, {"kind": "queued"})
    outcomes = await asyncio.gather(*(run(i, c) for i, c in enumerate(cases)))
    return BatchResult(list(outcomes), time.perf_counter() - started)


@dataclass
class CaseEstimate:
    """One case's estimate, or why it could not be made."""

    case_dir: Path
    estimate: RunEstimate | None = None
    """None when the case cannot be read."""
    reason: str = ""


def estimate_cases(
    cases: list[Path], template: PrepareRequest, settings: Settings
) -> list[CaseEstimate]:
    """`--estimate` for a batch: each case checked and estimated, no model call, nothing
    written. A case that cannot be read gets its reason instead. Raises what `check_batch`
    raises."""
    from negoprep.app.estimate import estimate_run

    check_batch(template, cases)
    found = []
    for case_dir in cases:
        request = replace(template, case_dir=case_dir, out=None)
        try:
            planned = plan_run(request, settings)
        except user_error_types() as exc:
            found.append(CaseEstimate(case_dir, reason=str(exc)))
            continue
        wiring = planned.wiring
        language = planned.case.language(request.language or settings.language)
        run = estimate_run(planned.case, settings, wiring.prompts, wiring.knowledge, language)
        found.append(CaseEstimate(case_dir, run))
    return found
