"""Durable preparation runs: a real `kill -9` mid-run, then `--resume`, counting model calls;
changed documents on resume (both on the SQLite default and on PostgreSQL); a database that
cannot be reached; a run folder held by one process at a time; folders that cannot be written.
Everything over HTTP against the local OpenAI-compatible stub on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from factories import example_json, focused_calls
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.agents.extractor import FOCUSES
from negoprep.agents.registry import preparation_agents
from negoprep.app import runs
from negoprep.app.checkpoints import redact
from negoprep.reading.ingest import load_case

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = {s.__name__: s for a in preparation_agents() for s in a.schemas}
KEY = "-".join(["sk", "stub", "secret", "key", "0123456789abcdefghij"])


def answers(
    case_dir: Path, hold: Callable[[str], bool] = lambda call: False
) -> Callable[[SeenRequest], Reply]:
    """Valid replies for every call; calls for which `hold` is true wait (until killed)."""
    case = load_case(case_dir)

    def respond(request: SeenRequest) -> Reply:
        name = request.body["response_format"]["json_schema"]["name"]
        delay = 900.0 if hold(request.headers["x-negoprep-call"]) else 0.0
        return Reply(
            content=example_json(
                SCHEMAS[name], case, ["partial-alternatives"], request.body["messages"]
            ),
            delay=delay,
        )

    return respond


def env_for(stub: StubOpenAI, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "OPENAI_BASE_URL": stub.base_url,
        "OPENAI_API_KEY": KEY,
        "NEGOPREP_MODEL": "stub-model",
        "NEGOPREP_MAX_RETRIES": "0",
        **extra,
    }


def prepare(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "negoprep", "prepare", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def calls(stub: StubOpenAI) -> list[str]:
    return [r.headers["x-negoprep-call"] for r in stub.requests]


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(
        REPO / "cases" / "supplier-claim", target, ignore=shutil.ignore_patterns("cassettes")
    )
    return target


def part_no(call: str) -> int:
    """'extractor.part-4.facts' -> 4."""
    return int(call.split(".")[1].split("-")[1])


def test_kill_9_mid_extraction_then_resume_calls_only_what_was_unfinished(
    case_dir: Path, tmp_path: Path, backend: dict[str, str], writes_of: Callable[[Path, str], int]
) -> None:
    run_dir = tmp_path / "run"
    held = lambda call: call.startswith("extractor.part-") and part_no(call) > 3  # noqa: E731
    focuses = len(FOCUSES)  # each part is read by this many focused calls
    small = {"NEGOPREP_CONTEXT_TOKENS": "1500", "NEGOPREP_MAX_CONCURRENCY": "16", **backend}
    with StubOpenAI(answers(case_dir, held)) as stub:
        proc = subprocess.Popen(
            [sys.executable, "-m", "negoprep", "prepare", str(case_dir), "--out", str(run_dir)],
            env=env_for(stub, **small),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300  # a guard against a hang, not a timing
        while writes_of(run_dir, "part_profiles") < 3 * focuses:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "three parts never finished"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        first = calls(stub)
    parts = sorted(c for c in first if c.startswith("extractor.part-"))
    assert not (run_dir / "dossier.md").exists()

    with StubOpenAI(answers(case_dir)) as stub:
        done = prepare(["--resume", str(run_dir)], env_for(stub, **small))
        again = calls(stub)
    assert done.returncode == 0, done.stderr
    redone = sorted(c for c in again if c.startswith("extractor.part-"))
    # A held call may not have reached the stub before the kill, so the unfinished calls are
    # every focus of every part after the third, whichever process first asked for it.
    numbers = {part_no(c) for c in parts + redone}
    assert len(numbers) > 3, f"read in more than three parts: {sorted(numbers)}"
    unfinished = sorted(
        f"extractor.part-{n}.{focus.name}" for n in numbers if n > 3 for focus in FOCUSES
    )
    assert redone == unfinished, "only the parts that had not finished are asked again"
    assert {*focused_calls("challenger", "counterpart"), "synthesis"} <= set(again)
    assert "extractor.merge" in again or any(c.startswith("extractor.merge") for c in again)
    dossier = json.loads((run_dir / "dossier.json").read_text())
    assert dossier["status"] == "complete"
    assert len(dossier["calls"]) == 3 * focuses + len(again), (
        "finished calls of both processes are counted"
    )
    assert (run_dir / "checkpoints.sqlite").exists() is not bool(backend), "one store, not both"


def test_resume_reads_changed_documents_again(
    case_dir: Path, tmp_path: Path, backend: dict[str, str]
) -> None:
    broken = case_dir / "06-late-note.txt"
    broken.write_bytes(b"")  # an empty file: not read
    run_dir = tmp_path / "run"
    with StubOpenAI(answers(case_dir)) as stub:
        first = prepare([str(case_dir), "--out", str(run_dir)], env_for(stub, **backend))
    assert first.returncode == 1, "a file that cannot be read makes the exit code 1"

    with StubOpenAI(answers(case_dir)) as stub:
        unchanged = prepare(["--resume", str(run_dir)], env_for(stub, **backend))
        assert calls(stub) == [], "nothing failed in the agents and nothing changed"
    assert unchanged.returncode == 1

    broken.write_text("The supplier's CFO approves every settlement above EUR 500,000.\n")
    with StubOpenAI(answers(case_dir)) as stub:
        fixed = prepare(["--resume", str(run_dir)], env_for(stub, **backend))
        again = calls(stub)
    assert fixed.returncode == 0, fixed.stderr
    analyses = {*focused_calls("challenger", "counterpart"), "synthesis"}
    assert again[0].startswith("extractor") and analyses <= set(again)
    assert "changed: 06-late-note.txt" in fixed.stderr
    dossier = json.loads((run_dir / "dossier.json").read_text())
    (doc,) = [d for d in dossier["case"]["documents"] if d["path"] == "06-late-note.txt"]
    assert doc["status"] == "read"
    archived = list((run_dir / "previous").iterdir())
    assert len(archived) == 2, "each resume kept the dossier it replaced"


def test_a_held_run_folder_is_refused_to_a_second_process(case_dir: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run = runs.claim_out_dir(run_dir, case_dir, {})  # held by this test process
    try:
        with StubOpenAI(answers(case_dir)) as stub:
            second = prepare(["--resume", str(run_dir)], env_for(stub))
            assert calls(stub) == []
        assert second.returncode == 2
        assert "another negoprep process is using this run folder" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        run.release()
    with pytest.raises(runs.RunFolderError, match="already holds a negoprep run"):
        runs.claim_out_dir(run_dir, case_dir, {})


@pytest.mark.parametrize("where", ["file-in-the-way", "runs-dir-is-a-file"])
def test_an_output_folder_that_cannot_be_written_is_one_line(
    case_dir: Path, tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    args = [str(case_dir)]
    extra: dict[str, str] = {}
    if where == "file-in-the-way":
        args += ["--out", str(blocker / "run")]
    else:
        extra["NEGOPREP_RUNS_DIR"] = str(blocker)
    with StubOpenAI(answers(case_dir)) as stub:
        done = prepare(args, env_for(stub, **extra))
        assert calls(stub) == [], "nothing is asked of a model"
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(blocker) in lines[0]


def test_a_database_that_cannot_be_reached_is_one_line_naming_it_without_password(
    case_dir: Path, tmp_path: Path, unused_port: int
) -> None:
    secret = "pw-" + "0123456789"
    url = f"postgresql://negoprep:{secret}@127.0.0.1:{unused_port}/teams"
    run_dir = tmp_path / "run"
    with StubOpenAI(answers(case_dir)) as stub:
        done = prepare(
            [str(case_dir), "--out", str(run_dir)], env_for(stub, NEGOPREP_DATABASE_URL=url)
        )
        assert calls(stub) == [], "nothing is asked of a model"
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert (
        url.replace(f":{secret}@", "@") in lines[0]
        and "cannot use the checkpoint database" in (lines[0])
    )
    assert secret not in done.stderr
    assert not run_dir.exists(), "nothing is written"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://team:pw@db:5432/negoprep", "postgresql://team@db:5432/negoprep"),
        (
            "postgresql://db/negoprep?user=team&password=pw",
            "postgresql://db/negoprep?user=team&password=***",
        ),
        ("postgresql://team@db/negoprep", "postgresql://team@db/negoprep"),
    ],
)
def test_a_database_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redact(url) == shown
