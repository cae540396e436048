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

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from negoprep.app import runs
from negoprep.app.checkpoints import open_checkpointer
from negoprep.app.deps import PREPARATION_SECTION, Wiring, wire
from negoprep.app.settings import Settings
from negoprep.app.sources import AnswerSource
from negoprep.errors import UserError
from negoprep.graphs.context import PrepContext
from negoprep.graphs.state import PrepInput
from negoprep.output.dossier import Dossier
from negoprep.reading.case import Case
from negoprep.reading.ingest import changed_sources, load_case

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


@dataclass
class PrepareResult:
    """A finished run: where it is, the dossier, and what the exit code should be."""

    run_dir: Path
    dossier: Dossier
    archived: Path | None
    """Where the previous dossier went (resumed runs)."""
    reread: list[str]
    """Documents new, changed or removed since the run's previous pass."""
    exit_code: int
    """0 complete; 1 written but an agent, a call or a file failed."""


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


def plan_run(request: PrepareRequest, settings: Settings | None = None) -> PlannedRun:
    """Check the request without writing anything or calling a model.

    Raises `UserError`, `negoprep.reading.ingest.CaseError`, `RunFolderError` (resume of a folder
    that is no run), and the settings, knowledge and prompt errors (see `negoprep.errors`).
    """
    case_dir = request.case_dir
    if request.resume is not None:
        run = runs.open_run(request.resume)
        case_dir = case_dir or run.case_dir
        request = _as_before(request, run.context)
    elif case_dir is None:
        raise UserError("give a CASE_DIR (the folder with the case documents), or --resume RUN_DIR")
    assert case_dir is not None
    case = load_case(case_dir)
    source = AnswerSource.choose(
        replay=request.replay, record=request.record, author=request.author, case_dir=case_dir
    )
    answers = source.context_fields()
    context = PrepContext(
        replay=answers["replay"],
        record=answers["record"],
        author=answers["author"],
        model=request.model,
        kb=[str(p.resolve()) for p in request.kb],
        prompts=[str(p.resolve()) for p in request.prompts],
        language=request.language,
    )
    wiring = wire(context, settings=settings, manifest_sections=(PREPARATION_SECTION,))
    return PlannedRun(request, case, case_dir.resolve(), context, wiring)


def _as_before(request: PrepareRequest, before: dict[str, Any]) -> PrepareRequest:
    """A resumed run keeps the answer source, models, folders and language it began with,
    except what the user gives again."""
    if all(v is None for v in (request.replay, request.record, request.author)):
        for mode in ("replay", "record", "author"):
            if before.get(mode):
                setattr(request, mode, before[mode])
                break
    request.model = request.model or before.get("model")
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
    async with open_checkpointer(run.path, settings.database_url) as saver:
        graph = graph_builder.compile(checkpointer=saver, name="preparation")
        snapshot = await graph.aget_state(config)
        before: Case | None = snapshot.values.get("case")
        interrupted = bool(snapshot.next) and before is not None
        unchanged = before is not None and not changed_sources(before, planned.case)
        graph_input: PrepInput | None = (
            None if interrupted and unchanged else {"case_dir": str(planned.case_dir)}
        )
        stream: Any = graph.astream(
            graph_input,
            config,
            context=planned.context,
            stream_mode="custom",
            durability="sync",
        )
        async for event in stream:
            emit(event)
        values = (await graph.aget_state(config)).values
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
