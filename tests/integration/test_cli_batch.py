"""`negoprep prepare` with several cases: concurrently, under one request limit, a failing case
never stopping the others, a summary table, the worst exit code; --all; refused combinations."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from stub_openai import Reply, SeenRequest, StubOpenAI

from negoprep.agents.extractor import FOCUSES
from negoprep.cli.main import main
from negoprep.llm.limits import shared_limiter
from negoprep.llm.recorder import CALL_HEADER, Cassette, request_key

FAIL_MARKER = "This case's provider account is blocked."
"""A document line that makes the stub refuse every request of the case that holds it."""


def copy_case(example: Path, where: Path, *, cassettes: bool = False) -> Path:
    ignore = None if cassettes else shutil.ignore_patterns("cassettes")
    shutil.copytree(example, where, ignore=ignore)
    return where


class CassetteServer:
    """Answers each request with the example's recorded reply for it (as the recorder finds
    it), after `delay` seconds; a request of a case holding FAIL_MARKER gets HTTP 401, and the
    first request of each call named in `fail_once` an HTTP 500 (retried by the client)."""

    def __init__(self, cassette: Path, delay: float, fail_once: tuple[str, ...] = ()) -> None:
        self.cassette = Cassette(cassette)
        self.delay = delay
        self.fail_once = set(fail_once)
        self.arrivals: list[float] = []
        self.clock = threading.Lock()

    def __call__(self, seen: SeenRequest) -> Reply:
        import time

        self.arrivals.append(time.monotonic())
        if FAIL_MARKER in json.dumps(seen.body):
            return Reply(status=401, delay=self.delay)
        call = seen.headers.get(CALL_HEADER, "")
        if call in self.fail_once:
            self.fail_once.discard(call)
            return Reply(status=500, delay=self.delay)
        entry = self.cassette.find(request_key("POST", seen.path, seen.body))
        if entry is None:
            return Reply(status=404, raw=b'{"error": {"message": "no recording"}}')
        body = entry.response["body"]
        raw = (body if isinstance(body, str) else json.dumps(body)).encode()
        return Reply(raw=raw, delay=self.delay)

    def most_at_once(self) -> int:
        """The most requests that arrived within one `delay` of each other: each is answered
        no sooner than `delay` after it arrived, so this bounds what was in flight at once."""
        times = sorted(self.arrivals)
        return max(sum(1 for t in times if a <= t < a + self.delay) for a in times)


def dossier_calls(run_dir: Path) -> list[dict[str, object]]:
    calls: list[dict[str, object]] = json.loads((run_dir / "dossier.json").read_text())["calls"]
    return calls


def live_env(monkeypatch: pytest.MonkeyPatch, base_url: str, concurrency: int) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("NEGOPREP_MODEL", "gpt-4.1")
    monkeypatch.setenv("NEGOPREP_MAX_TOKENS_FIELD", "max_completion_tokens")
    monkeypatch.setenv("NEGOPREP_MAX_RETRIES", "1")
    monkeypatch.setenv("NEGOPREP_MAX_CONCURRENCY", str(concurrency))


def test_cases_share_one_request_limit_and_a_failing_case_does_not_stop_the_others(
    example_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good_a = copy_case(example_case, tmp_path / "cases" / "alpha")
    good_b = copy_case(example_case, tmp_path / "cases" / "beta")
    blocked = copy_case(example_case, tmp_path / "cases" / "blocked")
    (blocked / "06-note.txt").write_text(FAIL_MARKER + "\n")
    server = CassetteServer(example_case / "cassettes", delay=0.2, fail_once=("challenger.trades",))
    limiter = shared_limiter(2, None)
    before = limiter.started
    with StubOpenAI(server) as stub:
        live_env(monkeypatch, stub.base_url, concurrency=2)
        code = main(["prepare", str(good_a), str(blocked), str(good_b), "--out", "batch"])
    out = capsys.readouterr()
    assert code == 1, out.out + out.err  # the worst: 'blocked' written with failures
    rows = {line.split()[0]: line.split() for line in out.out.splitlines() if line.strip()}
    assert rows["alpha"][1:3] == ["complete", "0"] and rows["beta"][1:3] == ["complete", "0"]
    assert rows["blocked"][1:3] == ["incomplete", "1"]
    assert "3 cases: 2 complete, 1 incomplete; exit code 1" in out.out
    assert "continue with: negoprep prepare --resume" in out.out
    runs = sorted(p.name.rsplit("-", 2)[0] for p in Path("batch").iterdir() if p.is_dir())
    assert runs == ["alpha", "beta", "blocked"], "one run folder per case, under --out"
    for run in (p for p in Path("batch").iterdir() if p.is_dir()):
        status = json.loads((run / "dossier.json").read_text())["status"]
        assert status == ("incomplete" if run.name.startswith("blocked") else "complete")
    first = FOCUSES[0].name
    assert f"[blocked] ✗ extractor ({first}) failed: the provider rejected the API key" in out.err
    assert "[alpha] ✓ complete (exit 0)" in out.err
    assert "challenger.trades: retry 1 after HTTP 500" in out.err
    # One limit over all cases: never more than 2 requests at once, every request (the retry
    # included) through the one limiter.
    assert server.most_at_once() == 2
    assert limiter.started - before == len(stub.requests)
    # Every request is one a dossier counts: the blocked case stopped after its extractor
    # calls, and the challenger's 500 was retried once.
    calls = [c for run in Path("batch").iterdir() if run.is_dir() for c in dossier_calls(run)]
    assert sum(c["requests"] for c in calls) == len(stub.requests)
    blocked_calls = [c for run in Path("batch").glob("blocked-*") for c in dossier_calls(run)]
    assert len(blocked_calls) == len(FOCUSES)
    assert sorted(c["requests"] for c in calls if c["call"] == "challenger.trades") == [1, 2]


def test_all_prepares_every_case_folder_and_the_worst_exit_code_wins(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "many"
    for name in ("one", "two"):
        copy_case(example_case, folder / name, cassettes=True)
    broken = folder / "three"
    broken.mkdir()
    (broken / "case.yaml").write_text("title: [unclosed\n")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "x.txt").write_text("not a case")
    (folder / "not-a-case").mkdir()
    (folder / "not-a-case" / "picture.xyz").write_text("no document")
    code = main(["prepare", "--all", str(folder), "--replay", "-q"])
    out = capsys.readouterr()
    assert code == 2, out.out + out.err
    assert out.err == "", "-q: no progress"
    lines = {line.split()[0]: line for line in out.out.splitlines() if line.strip()}
    assert lines["one"].split()[1] == "complete" and lines["two"].split()[1] == "complete"
    assert lines["three"].split()[1:4] == ["not", "run", "2"]
    assert "✗ three: " in out.out and "case.yaml" in out.out
    assert ".hidden" not in out.out and "not-a-case" not in out.out
    made = sorted(p.name.rsplit("-", 2)[0] for p in Path("runs").iterdir() if p.is_dir())
    assert made == ["one", "two"], "nothing is written for the case that could not be read"


def test_several_cases_under_review_each_wait_for_their_review(
    example_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [copy_case(example_case, tmp_path / n, cassettes=True) for n in ("a", "b")]
    code = main(["prepare", *map(str, cases), "--replay", "--review", "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = [line.split() for line in out.splitlines() if line[:2] in ("a ", "b ")]
    assert [row[1:5] for row in rows] == [["waiting", "for", "review", "0"]] * 2
    runs = [p for p in Path("runs").iterdir() if p.is_dir()]
    assert len(runs) == 2 and all((r / "review" / "deal-profile.yaml").is_file() for r in runs)
    assert all(not (r / "dossier.json").exists() for r in runs)
    assert out.count("deal-profile.yaml, then") == 2 and out.count("--resume") == 2


def test_estimate_of_several_cases_makes_no_model_call(
    example_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = [copy_case(example_case, tmp_path / n) for n in ("a", "b")]
    with StubOpenAI() as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("NEGOPREP_PRICE_INPUT", "2")
        assert main(["prepare", *map(str, cases), str(tmp_path / "missing"), "--estimate"]) == 2
    out = capsys.readouterr().out
    assert stub.requests == [] and not Path("runs").exists()
    assert "== a (" in out and "== b (" in out and "case folder not found" in out
    assert "2 of 3 cases estimated: about" in out and "cost about" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--resume", "somewhere"], "--resume continues one run"),
        (["--record", "cassettes-dir"], "would mix their recordings"),
        (["--all", "."], "give CASE_DIRs or --all FOLDER, not both"),
        (["SAME"], "the same case folder is given twice"),
    ],
)
def test_what_makes_no_sense_with_several_cases_is_refused_in_one_line(
    example_case: Path,
    tmp_path: Path,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = copy_case(example_case, tmp_path / "a", cassettes=True)
    b = copy_case(example_case, tmp_path / "b", cassettes=True)
    if extra == ["SAME"]:
        argv = ["prepare", str(a), str(b), str(a), "--replay"]
    else:
        argv = ["prepare", str(a), str(b), "--replay", *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not Path("runs").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "not found"),
        ("empty", "no case folders in it"),
        ("run", "holds a run"),
    ],
)
def test_bad_all_and_out_folders_are_refused(
    example_case: Path,
    tmp_path: Path,
    setup: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "cases"
    argv = ["prepare", "--all", str(folder), "--replay"]
    if setup == "empty":
        (folder / "runs").mkdir(parents=True)
    if setup == "run":
        copy_case(example_case, folder / "a", cassettes=True)
        run = tmp_path / "old-run"
        run.mkdir()
        (run / ".negoprep-run").write_text("{}")
        argv += ["--out", str(run)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_case_above_the_token_limit_is_not_run_without_yes_and_nothing_is_asked(
    example_case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = [copy_case(example_case, tmp_path / n) for n in ("a", "b")]
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("a batch never asks"))
    with StubOpenAI() as stub:
        live_env(monkeypatch, stub.base_url, concurrency=8)
        monkeypatch.setenv("NEGOPREP_MAX_RUN_TOKENS", "1000")
        assert main(["prepare", *map(str, cases), "-q"]) == 2
    out = capsys.readouterr().out
    assert stub.requests == [] and not Path("runs").exists()
    assert out.count("above NEGOPREP_MAX_RUN_TOKENS=1,000") == 2 and "add --yes" in out
    assert "2 cases: 2 not run; exit code 2" in out
