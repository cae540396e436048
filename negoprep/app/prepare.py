"""Prepare a case: the one function the CLI, the web app and batch runs call.

`prepare_case` checks everything that can be checked before a model is called (the case folder,
settings, the answer source, knowledge and prompts, the run folder), then runs the preparation
graph as one thread on a checkpointer and writes `dossier.json` and `dossier.md`.

Resuming (`PrepareRequest.resume`) continues the same thread: an interrupted run (Ctrl-C, a
provider failure, `kill -9`) goes on from its last finished step, with the model called only for
the work that had not finished; a finished run with failures retries only what failed. The case
folder is read again first: documents that are new, changed or removed (by content hash) are
read and the work that depends on them runs again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langgraph.types import Command

from negoprep.app import runs
from negoprep.app.calllog_writer import RunLog
from negoprep.app.checkpoints import check_database, open_checkpointer
from negoprep.app.deps import PREPARATION_SECTION, Wiring, context_fields, wire
from negoprep.app.settings import Settings
from negoprep.app.sources import AnswerSource
from negoprep.errors import UserError
from negoprep.graphs.context import PrepContext
from negoprep.graphs.state import PrepInput
from negoprep.output.dossier import Dossier
from negoprep.reading.case import Case
from negoprep.reading.ingest import changed_sources, load_case, validate_language

Event = dict[str, Any]
"""A progress event: `{"kind": "run", "run_dir": ..., ...}` once the run folder is claimed, then
the graph's own `{"agent": ..., "status": "started"|"finished"|"failed", "detail": ...}`."""


@dataclass
class PrepareRequest:
    """What the user asked for; paths as given (relative to the working folder or absolute)."""

    case_dir: Path | None = None
    out: Path | None = None
    """A new run folder to use instead of one under the runs folder."""
    resume: Path | None = None
    """A run folder to continue (its case folder is remembered)."""
    language: str | None = None
    replay: str | None = None
    """A cassette folder, or '' for CASE_DIR/cassettes."""
    record: str | None = None
    author: str | None = None
    model: str | None = None
    kb: list[Path] = field(default_factory=list)
    prompts: list[Path] = field(default_factory=list)
    review: bool = False
    """Pause after the extractor so the user can correct the deal profile."""
    reviewed_profile: dict[str, Any] | None = None
    """The corrected deal profile for a run paused for review (default: the run's review file,
    as the user edited it)."""
    redo: str | None = None
    """With `resume`: run this agent again, and what depends on it."""
    note: str | None = None
    """The user's note for the agent to redo, added to its prompt."""

    @classmethod
    def for_case(cls, case_dir: Path, options: Any) -> PrepareRequest:
        """A plain preparation of `case_dir` with the answer source, model, knowledge and prompt
        folders of `options` (any request with those attributes: eval's, rehearsal's)."""
        return cls(
            case_dir=case_dir,
            replay=options.replay,
            record=options.record,
            author=getattr(options, "author", None),
            model=options.model,
            kb=list(options.kb),
            prompts=list(options.prompts),
        )


@dataclass
class PrepareResult:
    """A finished run: where it is, the dossier, and what the exit code should be."""

    run_dir: Path
    dossier: Dossier | None
    """None while the run waits for the user's review."""
    archived: Path | None
    """Where the previous dossier went (resumed runs)."""
    reread: list[str]
    """Documents new, changed or removed since the run's previous pass."""
    exit_code: int
    """0 complete (or waiting for review); 1 written but an agent, a call or a file failed."""
    review_file: Path | None = None
    """Set while the run waits for review: the deal profile to correct (YAML)."""


@dataclass
class PlannedRun:
    """A run checked and ready: everything a user should see before the first model call."""

    request: PrepareRequest
    case: Case
    case_dir: Path
    context: PrepContext
    wiring: Wiring

    @property
    def source(self) -> AnswerSource:
        return self.wiring.source


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve().samefile(b.resolve())
    except OSError:
        return False


def plan_run(request: PrepareRequest, settings: Settings | None = None) -> PlannedRun:
    """Check the request without writing anything or calling a model.

    Raises `UserError`, `negoprep.reading.ingest.CaseError`, `RunFolderError` (resume of a folder
    that is no run), `DatabaseError` (NEGOPREP_DATABASE_URL cannot be reached), and the settings,
    knowledge and prompt errors (see `negoprep.errors`).
    """
    case_dir = request.case_dir
    if request.resume is not None:
        run = runs.open_run(request.resume)
        if case_dir is not None and run.case_dir.is_dir() and not _same(case_dir, run.case_dir):
            raise UserError(
                f"{request.resume} is a run of {run.case_dir}, not of {case_dir}: leave CASE_DIR "
                "out (it is only for a case folder that has moved), or prepare the other case "
                "in a run of its own"
            )
        case_dir = case_dir or run.case_dir
        request = _as_before(request, run.context)
    elif case_dir is None:
        raise UserError("give a CASE_DIR (the folder with the case documents), or --resume RUN_DIR")
    assert case_dir is not None
    from negoprep.app import settings as settings_mod

    if settings is None:
        settings_mod.load_env_file()
        settings = settings_mod.from_env(model=request.model)
    requested = request.language or settings.language
    validate_language(requested, "--language" if request.language else "NEGOPREP_LANGUAGE")
    case = load_case(case_dir, requested)
    context = PrepContext(
        **context_fields(request, case_dir), language=request.language, review=request.review
    )
    if request.redo is not None:
        _check_redo(request)
    wiring = wire(context, settings=settings, manifest_sections=(PREPARATION_SECTION,))
    check_database(wiring.settings.database_url)
    return PlannedRun(request, case, case_dir.resolve(), context, wiring)


def _check_redo(request: PrepareRequest) -> None:
    from negoprep.agents.registry import preparation_agents

    names = [a.name for a in preparation_agents()]
    if request.resume is None:
        raise UserError("--redo needs --resume RUN_DIR: the run whose section to write again")
    if request.redo not in names:
        raise UserError(f"--redo {request.redo}: no such agent (one of: {', '.join(names)})")


def _as_before(request: PrepareRequest, before: dict[str, Any]) -> PrepareRequest:
    """A resumed run keeps the answer source, models, folders and language it began with,
    except what the user gives again."""
    if all(v is None for v in (request.replay, request.record, request.author)):
        for mode in ("replay", "record", "author"):
            if before.get(mode):
                setattr(request, mode, before[mode])
                break
    request.model = request.model or before.get("model")
    request.review = request.review or bool(before.get("review"))
    request.language = request.language or before.get("language")
    request.kb = request.kb or [Path(p) for p in before.get("kb", [])]
    request.prompts = request.prompts or [Path(p) for p in before.get("prompts", [])]
    return request


def claim_folder(planned: PlannedRun) -> runs.RunFolder:
    """The run folder, held by this process: resumed, `--out`, or new under the runs folder."""
    request, settings = planned.request, planned.wiring.settings
    if request.resume is not None:
        run = runs.open_run(request.resume).hold()
        run.case_dir = planned.case_dir
        return run
    context = asdict(planned.context)
    if request.out is not None:
        return runs.claim_out_dir(request.out, planned.case_dir, context)
    return runs.new_run(settings.runs_dir, planned.case_dir, context)


async def execute(
    planned: PlannedRun, run: runs.RunFolder, on_event: Callable[[Event], None] | None = None
) -> PrepareResult:
    """Run (or continue) the preparation thread of `run` and write the dossier.

    Raises what the graph cannot survive (a broken prompt file, a database that cannot be
    reached); each agent's own failure is in the dossier instead.
    """
    from negoprep.graphs.preparation import build

    emit = on_event or (lambda event: None)
    settings = planned.wiring.settings
    deps = planned.wiring.prep_deps(replies_dir=run.path / "replies")
    planned.wiring.provider.on_notice = lambda text: emit({"kind": "notice", "text": text})
    graph_builder = build(lambda context: deps)
    config: Any = {
        "configurable": {"thread_id": run.thread_id},
        "max_concurrency": settings.max_concurrency,
    }
    calls = RunLog(settings, run, planned.source.mode, planned.wiring.provider.notify)
    deps.agents.on_call = calls  # every call logged as it finishes
    async with open_checkpointer(run.path, settings.database_url) as saver, calls:
        graph = graph_builder.compile(checkpointer=saver, name="preparation")
        snapshot = await graph.aget_state(config)
        before: Case | None = snapshot.values.get("case")
        waiting = review_request(snapshot)
        interrupted = bool(snapshot.next) and before is not None
        unchanged = before is not None and not changed_sources(before, planned.case)
        graph_input: Any
        reviewed = False
        if waiting is not None and unchanged:
            reviewed = True
            graph_input = Command(resume=_corrected_profile(planned.request, run.path, waiting))
        elif interrupted and unchanged and planned.request.redo is None:
            graph_input = None
        else:
            graph_input = PrepInput(case_dir=str(planned.case_dir))
            if planned.request.redo is not None:
                graph_input["redo"] = {planned.request.redo: planned.request.note or ""}
        stream: Any = graph.astream(
            graph_input,
            config,
            context=planned.context,
            stream_mode="custom",
            durability="sync",
        )
        async for event in stream:
            emit(event)
        snapshot = await graph.aget_state(config)
        values = snapshot.values
        waiting = review_request(snapshot)
    if reviewed and (run.path / REVIEW_FILE).is_file():  # accepted: keep it, but not as pending
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (run.path / REVIEW_FILE).rename(run.path / "review" / f"accepted-{stamp}.yaml")
    if waiting is not None:
        return PrepareResult(
            run_dir=run.path,
            dossier=None,
            archived=None,
            reread=list(values.get("reread") or []),
            exit_code=0,
            review_file=write_review_file(run.path, waiting),
        )
    dossier = Dossier.model_validate(values["dossier"])
    archived = runs.archive_previous(run.path) if planned.request.resume else None
    runs.write_outputs(run.path, values["dossier"], values["dossier_md"])
    planned.source.write_manifest(
        PREPARATION_SECTION,
        planned.wiring.request_shapes([a for a in dossier.models]),
    )
    bad_files = any(d.status in ("unreadable", "skipped") for d in dossier.case.documents)
    failed = bool(dossier.failures or dossier.part_failures or bad_files)
    return PrepareResult(
        run_dir=run.path,
        dossier=dossier,
        archived=archived,
        reread=list(values.get("reread") or []),
        exit_code=1 if failed else 0,
    )


REVIEW_FILE = "review/deal-profile.yaml"
"""Where a run waiting for review keeps the deal profile to correct (it is moved to
`review/accepted-<time>.yaml` once the run goes on with it)."""


def pending_review(run_dir: Path) -> str | None:
    """The deal profile (YAML text) a run waits to have reviewed, or None."""
    path = run_dir / REVIEW_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else None


def review_request(snapshot: Any) -> dict[str, Any] | None:
    """The deal profile a paused run waits to have reviewed, or None if it is not waiting."""
    for task in getattr(snapshot, "tasks", ()):
        for pending in task.interrupts:
            value = pending.value
            if isinstance(value, dict) and value.get("kind") == "review":
                return dict(value["profile"])
    return None


def write_review_file(run_dir: Path, profile: dict[str, Any]) -> Path:
    """The deal profile as YAML for the user to correct; kept if already there (the user's
    edits are never overwritten)."""
    import yaml

    from negoprep.files import write_text_atomic

    path = run_dir / REVIEW_FILE
    if not path.exists():
        header = (
            "# The deal profile the extractor wrote. Correct it: change which side is ours, the\n"
            "# parties, elements, facts, interests; delete what is wrong; add what the documents\n"
            "# miss (items you add need no citations: the dossier lists them as your own).\n"
            "# Then continue the run: negoprep prepare --resume RUN_DIR\n"
        )
        body = yaml.safe_dump(profile, allow_unicode=True, sort_keys=False, width=100)
        write_text_atomic(path, header + body)
    return path


def _corrected_profile(
    request: PrepareRequest, run_dir: Path, waiting: dict[str, Any]
) -> dict[str, Any]:
    """The correction to continue a paused run with, checked against the deal profile's schema.

    Raises `UserError` naming the review file and what is wrong with it."""
    import yaml
    from pydantic import ValidationError

    from negoprep.agents.extractor import DealProfile

    if request.reviewed_profile is not None:
        data: Any = request.reviewed_profile
        where = "the corrected profile"
    else:
        path = run_dir / REVIEW_FILE
        if not path.is_file():
            return waiting
        where = str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UserError(f"{path}: cannot be read as YAML ({exc})") from exc
    try:
        return DealProfile.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise UserError(f"{where}: not a deal profile ({problems})") from exc


async def prepare_case(
    request: PrepareRequest,
    *,
    settings: Settings | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm: Callable[[PlannedRun], bool] | None = None,
) -> PrepareResult | None:
    """Check, claim a run folder, run the preparation, write the dossier.

    `confirm` sees the checked run before anything is written (the cost estimate); when it
    returns False nothing is run and the result is None. `on_event` first gets `{"kind": "run",
    "run_dir": Path, "planned": PlannedRun}`, then the agents' progress and `{"kind": "notice",
    "text": ...}` (retries, long waits, fallbacks). Raises the errors of `plan_run` and
    `claim_folder` before any model call.
    """
    planned = plan_run(request, settings)
    if confirm is not None and not confirm(planned):
        return None
    with claim_folder(planned) as run:
        if on_event is not None:
            on_event({"kind": "run", "run_dir": run.path, "planned": planned})
        return await execute(planned, run, on_event)
