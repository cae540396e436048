"""Evaluate dossiers against the cases' expectation files: what `negoprep eval` calls.

Each case is prepared with `negoprep.app.prepare.prepare_case` (the same run as `negoprep
prepare`, with the same answer source), or an existing run is read; its dossier is checked
against the case's `expect.yaml` by the model judge, or by the keyword check when no judge can
be reached, and the results are written as `report.json` and `report.md` in a new folder.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from negoprep.app import runs
from negoprep.app.rehearsal_eval import evaluate_rehearsal, find_script
from negoprep.app.settings import Settings
from negoprep.app.sources import AnswerSource
from negoprep.errors import UserError
from negoprep.evaluation.expectations import Expectations, find_file, load_expectations
from negoprep.evaluation.judge import AGENT, judge_all
from negoprep.evaluation.rehearsal import load_script
from negoprep.evaluation.report import (
    CaseReport,
    EvalReport,
    case_report,
    diff,
    overall,
)
from negoprep.evaluation.table import render_table
from negoprep.files import write_json_atomic, write_text_atomic

if TYPE_CHECKING:
    from negoprep.agents.base import AgentDeps
    from negoprep.app.prepare import Event

EVAL_SECTION = "eval"
"""The cassette manifest's section for the judge's request settings."""
JUDGE_MODEL_SETTING = "NEGOPREP_MODEL_JUDGE"
JUDGE_FORMAT_SETTING = "NEGOPREP_RESPONSE_FORMAT_JUDGE"
REPORT_JSON, REPORT_MD = "report.json", "report.md"


@dataclass
class EvalRequest:
    """What to evaluate, and how. Paths as given."""

    case_dirs: list[Path] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)
    """Existing run folders to evaluate instead of preparing (their case's expect.yaml)."""
    replay: str | None = None
    record: str | None = None
    model: str | None = None
    kb: list[Path] = field(default_factory=list)
    prompts: list[Path] = field(default_factory=list)
    judge_model: str | None = None
    keywords_only: bool = False
    out: Path | None = None
    """The report folder (default: a new `evals/<time>/`); refused if it holds a report."""
    baseline: Path | None = None
    """An earlier `report.json` (or its folder) to compare with."""
    min_coverage: float | None = None
    """0-1: the exit code is 1 when a case or the whole falls below it."""
    rehearsal: bool = False
    """Also play each case's rehearsal-eval.yaml on its run and check the session."""


@dataclass
class EvalResult:
    report: EvalReport
    folder: Path
    exit_code: int
    """0, or 1 when coverage is below `min_coverage` or a rehearsal check failed."""


def _expectations(case_dir: Path) -> Expectations:
    if not case_dir.is_dir():
        raise UserError(f"{case_dir}: case folder not found")
    path = find_file(case_dir)
    if path is None:
        raise UserError(
            f"{case_dir}: no expect.yaml (what a good dossier for this case must contain; see "
            "the README's 'Evaluating a change')"
        )
    return load_expectations(path)


def read_baseline(path: Path) -> EvalReport:
    """An earlier report; `UserError` naming the file when it is not one."""
    from pydantic import ValidationError

    file = path / REPORT_JSON if path.is_dir() else path
    try:
        return EvalReport.model_validate_json(file.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"--baseline {file}: not a negoprep eval report ({first})") from exc


def _report_folder(request: EvalRequest) -> Path:
    folder = request.out or Path("evals") / time.strftime("%Y%m%d-%H%M%S")
    if (folder / REPORT_JSON).exists():
        raise UserError(f"{folder}: already holds an evaluation report; give another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UserError(f"{folder}: cannot be created ({exc.strerror or exc})") from exc
    if not os.access(folder, os.W_OK):
        raise UserError(f"{folder}: cannot be written")
    return folder


@dataclass
class Judge:
    """The judge's dependencies, or why there is none (then the keyword check is used)."""

    deps: AgentDeps | None
    model: str | None
    unavailable: str | None
    source: AnswerSource | None = None


def judge_for(request: EvalRequest, settings: Settings, case_dir: Path | None) -> Judge:
    """The judge for one case: its model (--judge-model, NEGOPREP_MODEL_JUDGE, else the
    default), answers from the same source as the preparation (a replay answers from the
    case's cassette; without a judge recording there, the keyword check takes over).

    Raises the knowledge and prompt errors of a broken folder.
    """
    from negoprep.agents.base import AgentDeps
    from negoprep.knowledge.base import KnowledgeBase
    from negoprep.llm.prompts import PromptLibrary
    from negoprep.llm.provider import OpenAICompatibleProvider

    if request.keywords_only:
        return Judge(None, None, "asked for with --keywords")
    source = AnswerSource.choose(replay=request.replay, record=request.record, case_dir=case_dir)
    cfg = settings.for_agent(AGENT)
    named = request.judge_model or os.environ.get(JUDGE_MODEL_SETTING)
    fmt = os.environ.get(JUDGE_FORMAT_SETTING)
    recorded = source.recorded_models((EVAL_SECTION,), (AGENT,)).get(AGENT)
    if recorded:
        cfg = cfg.with_shape(recorded)
    if named and not (recorded and not request.judge_model):
        cfg = cfg.with_shape({"model": named})
    if fmt:
        cfg = cfg.with_shape({"response_format": fmt})
    if source.mode == "live" and not settings.provider_configured:
        return Judge(None, cfg.model, "no provider configured for the judge")
    provider = OpenAICompatibleProvider(settings.default, {AGENT: cfg}, source.recorder)
    deps = AgentDeps(
        models=provider,
        prompts=PromptLibrary.load([*settings.prompt_dirs, *request.prompts]),
        knowledge=KnowledgeBase({}),  # the judge reads the dossier, not the knowledge base
        max_attempts=settings.max_attempts,
    )
    return Judge(deps, cfg.model, None, source)


async def evaluate_dossier(
    *,
    case_dir: Path,
    run_dir: Path,
    judge: Judge,
) -> CaseReport:
    """Check the dossier of `run_dir` against `case_dir`'s expect.yaml.

    Raises `UserError` for a missing or broken expect.yaml or dossier."""
    from negoprep.app.rehearsal import read_dossier

    expectations = _expectations(case_dir)
    dossier = read_dossier(run_dir)
    md_path = run_dir / "dossier.md"
    markdown = md_path.read_text(encoding="utf-8") if md_path.is_file() else None
    results = await judge_all(judge.deps, expectations, dossier, unavailable=judge.unavailable)
    if judge.source is not None and any(r.method.startswith("judge") for r in results):
        judge.source.write_manifest(
            EVAL_SECTION,
            {AGENT: judge.deps.models.config(AGENT).request_shape()},  # type: ignore[union-attr]
        )
    return case_report(
        case=case_dir.resolve().name,
        case_dir=str(case_dir),
        run_dir=str(run_dir),
        dossier=dossier,
        markdown=markdown,
        results=results,
        judge_model=judge.model,
    )


async def evaluate(
    request: EvalRequest,
    *,
    settings: Settings | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> EvalResult:
    """Prepare (or read) every case, judge its dossier, write the report.

    `on_event` gets `{"kind": "case", "case": name, "step": "prepare"|"judge"}` and the
    preparation's own events. Raises `UserError` (no case given, no expect.yaml, a bad
    baseline or output folder) and the errors of `prepare_case` before any model call of that
    case; every expect.yaml and the baseline are checked before the first case is prepared.
    """
    from negoprep.app import settings as settings_mod
    from negoprep.app.prepare import PrepareRequest, prepare_case

    emit = on_event or (lambda event: None)
    if not request.case_dirs and not request.runs:
        raise UserError("give one or more CASE_DIRs, or --run RUN_DIR")
    if settings is None:
        settings_mod.load_env_file()
        settings = settings_mod.from_env(model=request.model)
    targets: list[tuple[Path, Path | None]] = [(c, None) for c in request.case_dirs]
    for run_dir in request.runs:
        targets.append((runs.open_run(run_dir).case_dir, run_dir))
    for case_dir, _ in targets:  # every file checked before anything runs
        _expectations(case_dir)
        script = find_script(case_dir) if request.rehearsal else None
        if script is not None:
            load_script(script)
    baseline = read_baseline(request.baseline) if request.baseline else None
    folder = _report_folder(request)
    reports: list[CaseReport] = []
    for case_dir, given_run in targets:
        name = case_dir.resolve().name
        if given_run is not None:
            run_dir = given_run
        else:
            emit({"kind": "case", "case": name, "step": "prepare"})
            result = await prepare_case(
                PrepareRequest.for_case(case_dir, request), settings=settings, on_event=on_event
            )
            assert result is not None, "no confirmation was asked for"
            run_dir = result.run_dir
        emit({"kind": "case", "case": name, "step": "judge"})
        judge = judge_for(request, settings, case_dir)
        case = await evaluate_dossier(case_dir=case_dir, run_dir=run_dir, judge=judge)
        script = find_script(case_dir) if request.rehearsal else None
        if script is not None:
            emit({"kind": "case", "case": name, "step": "rehearse"})
            case.rehearsal = await evaluate_rehearsal(
                script,
                run_dir,
                settings=settings,
                replay=request.replay,
                record=request.record,
                model=request.model,
                kb=request.kb,
                prompts=request.prompts,
            )
        reports.append(case)
    report = overall(reports, request.min_coverage)
    if baseline is not None:
        assert request.baseline is not None
        report.diff = diff(report, baseline, str(request.baseline))
    write_json_atomic(folder / REPORT_JSON, json.loads(report.model_dump_json()))
    write_text_atomic(folder / REPORT_MD, render_table(report))
    failed = report.below_threshold or report.rehearsal_failed
    return EvalResult(report, folder, 1 if failed else 0)
