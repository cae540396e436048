"""Starting, resuming and finding runs for the web app, on `negoprep.app.prepare`.

A run starts the way `negoprep prepare` starts one: `plan_run` checks everything first (errors
come back to the page before a run folder exists), `claim_folder` takes the run folder, and the
graph runs as a background job whose events the run page follows. Cancelling the job stops the
graph; the checkpointer keeps every finished step, so Resume goes on from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from negoprep.app.prepare import PrepareRequest, PrepareResult, claim_folder, execute, plan_run
from negoprep.app.runs import RunFolder, RunFolderError, open_run
from negoprep.errors import UserError
from negoprep.llm.errors import describe_failure
from negoprep.web.cases import CaseEntry
from negoprep.web.jobs import Job
from negoprep.web.security import SecurityError, inside
from negoprep.web.state import WebState


@dataclass
class AnswerOption:
    """One way to answer a run: `live`, or `replay:<case id>` (that case's recordings)."""

    value: str
    label: str
    cassette: Path | None


def answer_options(web: WebState, entry: CaseEntry) -> list[AnswerOption]:
    """Replay from this case's recordings first (when it has them), then live, then, for a
    case of the user's own, the examples' recordings (an uploaded copy of an example case
    replays offline with them; an example has its own and cannot use another's)."""
    options: list[AnswerOption] = []
    own = entry.path / "cassettes"
    if (own / "manifest.json").is_file():
        options.append(
            AnswerOption(f"replay:{entry.id}", "Replay this case's recordings (offline)", own)
        )
    model = web.settings.default.model
    where = web.settings.default.base_url or "OpenAI"
    live = (
        f"Live: {model} at {where}"
        if web.settings.provider_configured
        else "Live (no provider configured)"
    )
    options.append(AnswerOption("live", live, None))
    for other in [] if entry.example else web.cases.entries():
        folder = other.path / "cassettes"
        if other.id != entry.id and other.example and (folder / "manifest.json").is_file():
            label = f"Replay the recordings of the example '{other.title}' (offline)"
            options.append(AnswerOption(f"replay:{other.id}", label, folder))
    return options


def find_run(web: WebState, name: str) -> RunFolder:
    """The run folder `name` directly under the runs folder. Raises `SecurityError` for a
    name that leads elsewhere, `RunFolderError` when it is no run."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise SecurityError(f"'{name}': not a run name")
    return open_run(inside(web.runs_dir, name))


def refused(exc: Exception) -> bool:
    """True for an error that is the user's to fix (a bad input, a refused request): shown as
    one message on the page; anything else is a bug and raised."""
    from negoprep.errors import user_error_types

    return isinstance(exc, (SecurityError, *user_error_types()))


def _describe(exc: BaseException) -> str:
    from negoprep.errors import user_error_types

    if isinstance(exc, user_error_types()):
        return str(exc)
    return describe_failure(exc) if isinstance(exc, Exception) else str(exc)


def launch(web: WebState, request: PrepareRequest) -> RunFolder:
    """Check the request, claim the run folder and start the preparation job; the folder.

    Raises the errors of `plan_run` and `claim_folder` (user errors: one clear message)."""
    planned = plan_run(request, web.settings)
    run = claim_folder(planned)

    async def work(job: Job) -> PrepareResult:
        with run:
            job.emit({"kind": "run", "run_dir": run.path.name})
            return await execute(planned, run, job.emit)

    web.jobs.start("prepare", run.path.name, work, _describe)
    return run


def start(web: WebState, entry: CaseEntry, answer: str, review: bool = False) -> RunFolder:
    """A new run of the case with the chosen answer source (one of `answer_options`); with
    `review`, it pauses after the extractor for the user to correct the deal profile."""
    chosen = next((o for o in answer_options(web, entry) if o.value == answer), None)
    if chosen is None:
        raise SecurityError(f"'{answer}': not one of this case's answer sources")
    replay = str(chosen.cassette) if chosen.cassette is not None else None
    return launch(web, PrepareRequest(case_dir=entry.path, replay=replay, review=review))


def resume(
    web: WebState,
    name: str,
    *,
    reviewed_profile: dict[str, Any] | None = None,
    redo: str | None = None,
    note: str | None = None,
) -> RunFolder:
    """Continue an interrupted, cancelled or failed run where it stopped; or go on with the
    user's corrected deal profile (`reviewed_profile`); or write one agent's section again
    (`redo`, with the user's `note`). Raises the errors of `plan_run` (a correction that is
    not a deal profile, an unknown agent) as user errors."""
    run = find_run(web, name)
    if web.jobs.running(run.path.name):
        raise RunFolderError(f"{name}: this run is running already")
    request = PrepareRequest(
        resume=run.path, reviewed_profile=reviewed_profile, redo=redo, note=note or None
    )
    if reviewed_profile is not None:
        _check_profile(reviewed_profile)
    return launch(web, request)


def _check_profile(profile: dict[str, Any]) -> None:
    """A correction must be a deal profile before the run is started with it."""
    from pydantic import ValidationError

    from negoprep.agents.extractor import DealProfile

    try:
        DealProfile.model_validate(profile)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise UserError(f"the corrected profile is not a deal profile ({problems})") from exc
