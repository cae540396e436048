"""Rehearse against the counterpart of a dossier: what the CLI's chat and the web app both open.

`open_rehearsal` finds the run (a run folder, or a case folder's newest run, prepared first if
there is none), holds the run folder for this process, wires the models from the same settings
and answer source as a preparation, and gives back the rehearsal graph compiled on the run's
checkpointer, one thread per session. The session's scene comes from the run's dossier.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negoprep.app import runs
from negoprep.app.calllog_writer import RunLog
from negoprep.app.checkpoints import open_checkpointer
from negoprep.app.deps import (
    PREPARATION_SECTION,
    REHEARSAL_SECTION,
    Wiring,
    context_fields,
    wire,
)
from negoprep.app.settings import Settings
from negoprep.app.sources import AnswerSource
from negoprep.errors import UserError
from negoprep.graphs.rehearsal_state import RehearsalContext, Setup

if TYPE_CHECKING:
    from negoprep.app.prepare import Event

SESSIONS_DIR = "rehearsals"


@dataclass
class RehearsalRequest:
    """What the user asked for: a run or case folder, a session, and how to think."""

    target: Path
    """A run folder with dossier.json, or a case folder (its newest run is used)."""
    session: str = "main"
    replay: str | None = None
    """A cassette folder, or '' for the run's case folder's cassettes/."""
    record: str | None = None
    author: str | None = None
    model: str | None = None
    kb: list[Path] = field(default_factory=list)
    prompts: list[Path] = field(default_factory=list)


@dataclass
class Rehearsal:
    """An open rehearsal: the run, its graph (on the run's checkpointer), context and scene."""

    run: runs.RunFolder
    graph: Any
    """The compiled rehearsal graph (`negoprep.graphs.rehearsal`)."""
    context: RehearsalContext
    wiring: Wiring
    load_setup: Callable[[str], Setup]
    """Session name -> the scene of a new session, from the dossier."""

    def thread(self, session: str) -> str:
        """The checkpointer thread of a session."""
        return self.run.rehearsal_thread(session)

    @property
    def source(self) -> AnswerSource:
        return self.wiring.source


def read_dossier(run_dir: Path) -> dict[str, Any]:
    """dossier.json of a run folder; `UserError` naming the file when it cannot be read."""
    path = run_dir / "dossier.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a negoprep dossier")
    return data


def newest_run_of(case_dir: Path, runs_dir: Path) -> Path | None:
    """The newest run folder under `runs_dir` of `case_dir` whose dossier has a counterpart."""
    root = case_dir.resolve()
    for info in runs.list_runs(runs_dir):
        if info.case_dir != root or not (info.path / "dossier.json").is_file():
            continue
        try:
            if read_dossier(info.path).get("counterpart") is not None:
                return info.path
        except UserError:
            continue
    return None


def load_setup(run_dir: Path, session: str) -> Setup:
    """The scene of a new session, from the run folder's dossier.

    Raises `UserError` when the dossier has no counterpart or cannot be read.
    """
    from pydantic import ValidationError

    from negoprep.agents.challenger import ChallengeReport
    from negoprep.agents.counterpart import CounterpartProfile
    from negoprep.agents.extractor import DealProfile
    from negoprep.agents.synthesis import OnePageBrief
    from negoprep.graphs.rehearsal_state import build_setup
    from negoprep.reading.case import Case

    data = read_dossier(run_dir)
    path = run_dir / "dossier.json"
    if data.get("counterpart") is None:
        raise UserError(
            f"{path}: the dossier has no counterpart profile (the counterpart agent failed), so "
            f"there is no one to rehearse with. Complete it with: negoprep prepare --resume {run_dir}"
        )
    try:
        case = Case.model_validate(data["case"])
        counterpart = CounterpartProfile.model_validate(data["counterpart"])
        profile = DealProfile.model_validate(data["profile"]) if data.get("profile") else None
        brief = (
            OnePageBrief.model_validate(data["one_page_brief"])
            if data.get("one_page_brief")
            else None
        )
        challenge = (
            ChallengeReport.model_validate(data["challenge"]) if data.get("challenge") else None
        )
    except (KeyError, ValidationError) as exc:
        raise UserError(f"{path}: not a dossier this version of negoprep can read ({exc})") from exc
    our_side = (case.brief.our_side if case.brief else None) or (
        profile.our_side if profile else "Us"
    )
    return build_setup(
        session=session,
        language=str(data.get("language") or "English"),
        case_brief=case.brief_prompt(),
        our_side=our_side,
        counterpart=counterpart,
        profile=profile,
        one_page_brief=brief,
        challenge=challenge,
    )


async def resolve_run(
    request: RehearsalRequest,
    settings: Settings,
    on_event: Callable[[Event], None] | None = None,
) -> Path:
    """The run folder to rehearse with: the target itself, the case's newest run, or a run
    prepared now (with the same answer source and models). Raises `UserError`."""
    target = request.target
    if not target.exists():
        raise UserError(
            f"{target}: not found (give a run folder with dossier.json, or a case folder)"
        )
    if (target / "dossier.json").is_file():
        return target
    if not target.is_dir():
        raise UserError(f"{target}: not a folder (give a run folder or a case folder)")
    found = newest_run_of(target, settings.runs_dir)
    if found is not None:
        if on_event:
            on_event({"kind": "note", "text": f"rehearsing with the dossier in {found}"})
        return found
    from negoprep.app.prepare import PrepareRequest, prepare_case

    if on_event:
        on_event(
            {
                "kind": "note",
                "text": f"no dossier of {target} under {settings.runs_dir}/ yet; preparing one first",
            }
        )
    result = await prepare_case(
        PrepareRequest.for_case(target, request), settings=settings, on_event=on_event
    )
    assert result is not None, "no confirmation was asked for"
    if not (result.run_dir / "dossier.json").is_file():
        raise UserError(f"the preparation of {target} wrote no dossier")
    return result.run_dir


def list_sessions(run_dir: Path) -> list[str]:
    """The sessions of a run that have a transcript folder, oldest first."""
    folder = run_dir / SESSIONS_DIR
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir()]
    return [p.name for p in sorted(found, key=lambda p: p.stat().st_mtime)]


@asynccontextmanager
async def open_rehearsal(
    request: RehearsalRequest,
    *,
    settings: Settings | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> AsyncIterator[Rehearsal]:
    """Open the rehearsal of a run; the run folder is held by this process until it closes.

    Raises `UserError`, `RunFolderError` (another process holds the run) and the settings,
    knowledge and prompt errors, before any model call. On close, a recording's manifest gets
    the rehearsal's models.
    """
    from negoprep.app import settings as settings_mod
    from negoprep.graphs.rehearsal import compile_rehearsal

    if settings is None:
        settings_mod.load_env_file()
        settings = settings_mod.from_env(model=request.model)
    run_dir = await resolve_run(request, settings, on_event)
    run = runs.open_run(run_dir)
    context = RehearsalContext(**context_fields(request, run.case_dir))
    wiring = wire(
        context, settings=settings, manifest_sections=(PREPARATION_SECTION, REHEARSAL_SECTION)
    )
    deps = wiring.agent_deps(replies_dir=run.path / "replies")
    if on_event is not None:
        wiring.provider.on_notice = lambda text: on_event({"kind": "notice", "text": text})
    calls = RunLog(settings, run, wiring.source.mode, wiring.provider.notify)
    deps.on_call = calls  # every call logged as it finishes
    with run:
        async with open_checkpointer(run.path, settings.database_url) as saver, calls:
            yield Rehearsal(
                run=run,
                graph=compile_rehearsal(saver, lambda context: deps),
                context=context,
                wiring=wiring,
                load_setup=lambda name: load_setup(run.path, name),
            )
    from negoprep.agents.registry import rehearsal_agent_names

    wiring.source.write_manifest(
        REHEARSAL_SECTION, wiring.request_shapes(list(rehearsal_agent_names()))
    )


# -- driving a session: shared by the terminal chat and the web app ------------------------------


async def run_step(
    graph: Any,
    context: RehearsalContext,
    thread_id: str,
    payload: Any,
    on_event: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Send one input (a `RehearsalInput`, a `Command(resume=...)` or None) to the session's
    thread; stream its custom events (`reply-start`, `token`, `reply-end`, `status`, `failed`,
    `hint`) to `on_event`; return the session's values after the step (no `__` keys)."""
    values: dict[str, Any] = {}
    async for mode, chunk in graph.astream(
        payload,
        {"configurable": {"thread_id": thread_id}},
        context=context,
        stream_mode=["custom", "values"],
    ):
        data: dict[str, Any] = chunk if isinstance(chunk, dict) else {}
        if mode == "custom":
            on_event(data)
        else:
            values = {k: v for k, v in data.items() if not k.startswith("__")}
    return values


def session_folder(run_dir: Path, session: str) -> Path:
    """Where a session's transcript and debrief files are written."""
    return run_dir / SESSIONS_DIR / session


def write_session_files(run_dir: Path, session: str, values: dict[str, Any]) -> None:
    """transcript.md/.json, and debrief.md/.json once there is a debrief, each atomically."""
    from negoprep.files import write_json_atomic, write_text_atomic
    from negoprep.output.debrief import render_debrief, render_transcript

    if "setup" not in values:
        return
    folder = session_folder(run_dir, session)
    write_text_atomic(folder / "transcript.md", render_transcript(values, str(run_dir)))
    write_json_atomic(folder / "transcript.json", values)
    if values.get("debrief"):
        write_text_atomic(folder / "debrief.md", render_debrief(values))
        write_json_atomic(folder / "debrief.json", values["debrief"])


def opening_input(
    values: dict[str, Any], next_nodes: tuple[str, ...], make_setup: Callable[[], Setup]
) -> tuple[bool, Any]:
    """What to send when a session is opened: `(False, None)` when it waits for the user's
    turn; else `(True, payload)`: a new session's setup, None to finish a step a crash stopped,
    or a reopening of an ended session."""
    from negoprep.graphs.rehearsal_state import RehearsalInput

    if not values:
        return True, RehearsalInput(setup=make_setup())
    if next_nodes == ("listen",):
        return False, None
    return True, None if next_nodes else RehearsalInput(ended=False)


def branch_input(values: dict[str, Any], name: str, turn: int, parent: str) -> Any:
    """The first input of a session branched from turn `turn` of `parent` (0 = the start):
    the exchanges, hints and counters up to that turn, under the new session's name."""
    from negoprep.graphs.rehearsal_state import RehearsalInput

    exchanges = values.get("exchanges") or []
    setup = {**values["setup"], "session": name}
    return RehearsalInput(
        setup=setup,  # type: ignore[typeddict-item]
        exchanges=exchanges[:turn],
        hints=[h for h in values.get("hints") or [] if h["after_turn"] <= turn],
        takes=dict(values.get("takes") or {}),
        hint_count=values.get("hint_count") or 0,
        debrief_count=values.get("debrief_count") or 0,
        branched_from={"session": parent, "turn": turn},
    )
