"""Run a case's scripted rehearsal (`rehearsal-eval.yaml`) on a run and check the session.

The session is an ordinary rehearsal session of the run (opened with `open_rehearsal`, driven
with `run_step`, its transcript and debrief written like any other), so it replays from the
case's cassettes or runs live, exactly as `negoprep rehearse --script` would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from negoprep.app.rehearsal import (
    RehearsalRequest,
    open_rehearsal,
    run_step,
    session_folder,
    write_session_files,
)
from negoprep.app.settings import Settings
from negoprep.evaluation.rehearsal import (
    FILE_NAMES,
    RehearsalReport,
    check_session,
    load_script,
)


def find_script(case_dir: Path) -> Path | None:
    """The case's rehearsal evaluation file, or None."""
    return next((case_dir / n for n in FILE_NAMES if (case_dir / n).is_file()), None)


async def evaluate_rehearsal(
    path: Path,
    run_dir: Path,
    *,
    settings: Settings,
    replay: str | None = None,
    record: str | None = None,
    model: str | None = None,
    kb: list[Path] | None = None,
    prompts: list[Path] | None = None,
) -> RehearsalReport:
    """Play the script of `path` in a new session of `run_dir` and check what it shows.

    The session is named after the script's `session` (`eval`, or `eval-2`, ... when taken).
    A model call that fails (a replay without a recording of a turn) stops the script; the
    report says so in `error` and the turns not played fail their checks. Raises `UserError`
    for a bad file or run folder (before any model call).
    """
    from langgraph.types import Command

    from negoprep.graphs.rehearsal_state import RehearsalInput

    script = load_script(path)
    request = RehearsalRequest(
        target=run_dir,
        session=script.session,
        replay=replay,
        record=record,
        model=model,
        kb=list(kb or []),
        prompts=list(prompts or []),
    )
    error: str | None = None

    def ignore(event: dict[str, Any]) -> None:
        return None

    async with open_rehearsal(request, settings=settings) as reh:
        session, n = script.session, 1
        while (
            await reh.graph.aget_state({"configurable": {"thread_id": reh.thread(session)}})
        ).values:
            n += 1
            session = f"{script.session}-{n}"
        thread = reh.thread(session)
        values = await run_step(
            reh.graph, reh.context, thread, RehearsalInput(setup=reh.load_setup(session)), ignore
        )
        for step in script.steps:
            values = await run_step(
                reh.graph, reh.context, thread, Command(resume=step.text), ignore
            )
            if values.get("error"):
                error = str(values["error"])
                break
            if values.get("ended"):
                break
        write_session_files(run_dir, session, values)
    return RehearsalReport(
        file=str(path),
        session=session,
        transcript=str(session_folder(run_dir, session) / "transcript.md"),
        checks=check_session(script, values),
        error=error,
    )
