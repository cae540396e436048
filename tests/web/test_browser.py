"""End to end in headless Chromium: upload a case, prepare it on replay, read the dossier and
download its exports, rehearse two recorded turns and undo one. Screenshots of the main pages
are kept under tests/web/screenshots/ (git-ignored)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from factories import focused_calls
from served import SCREENSHOTS, Served

from negoprep.agents.extractor import FOCUSES
from negoprep.cli.chat import parse_script

EXAMPLE_CASE = Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WAIT_MS = 120_000
"""Generous waits for a loaded machine; the test never asserts on time."""


@pytest.fixture
def page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, accept_downloads=True
        )
        pg = context.new_page()
        pg.set_default_timeout(WAIT_MS)
        yield pg
        if not pg.is_closed():
            shot(pg, "last-page")
        browser.close()


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_upload_prepare_read_rehearse_undo(served: Served, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    expect.set_options(timeout=WAIT_MS)
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    # Cases: the examples are listed on a fresh install.
    page.goto(served.url + "/")
    examples = [p for p in (Path(__file__).resolve().parents[2] / "cases").iterdir() if p.is_dir()]
    expect(page.locator(".case-card")).to_have_count(len(examples))
    shot(page, "01-cases")

    # Upload the example's five documents as a new case, with its brief typed in.
    brief = yaml.safe_load((EXAMPLE_CASE / "case.yaml").read_text(encoding="utf-8"))
    page.click("text=New case")
    for key in ("title", "our_side", "counterpart", "language"):
        page.fill(f"input[name={key}]", brief[key])
    page.fill("textarea[name=goal]", brief["goal"])
    page.fill("textarea[name=notes]", brief["notes"])
    docs = sorted(p for p in EXAMPLE_CASE.iterdir() if p.name.startswith("0"))
    page.set_input_files("input[name=files]", [str(p) for p in docs])
    expect(page.locator(".drop-files")).to_contain_text("5 file(s): 01-contract-extract.md")
    page.click("button:has-text('Create the case')")
    expect(page.locator("tr.doc")).to_have_count(5)
    expect(page.locator("tr.doc-read")).to_have_count(5)
    shot(page, "02-case")
    (case_dir,) = (served.data_dir / "cases").iterdir()
    assert case_dir.name.startswith("supplier-claim-before-handover")
    assert sorted(p.name for p in case_dir.iterdir()) == sorted(
        [*(d.name for d in docs), "case.yaml"]
    )

    # Prepare on replay, from the example's recordings; watch the agents finish.
    page.check("input[value='replay:example-supplier-claim']")
    page.click("button:has-text('Start the preparation')")
    expect(page.locator("a:has-text('Read the dossier')")).to_be_visible()
    expect(page.locator("tr.agent-finished")).to_have_count(
        len(focused_calls("extractor", "challenger", "counterpart")) + 1
    )
    expect(page.locator(".status-complete")).to_be_visible()
    shot(page, "03-run")
    run_url = page.url

    # Exports download with the run's name.
    for fmt, magic in (("html", b"<!doctype html"), ("pdf", b"%PDF"), ("docx", b"PK")):
        response = page.request.get(f"{run_url}/export/{fmt}")
        assert response.status == 200
        assert "attachment" in response.headers["content-disposition"]
        assert response.body()[:20].lower().startswith(magic.lower())

    # The dossier's reading page, with its assets served.
    page.click("a:has-text('Read the dossier')")
    expect(page.locator("h1")).to_contain_text("Supplier claim")
    expect(page.locator("a.cite").first).to_be_visible()
    expect(page.locator(".np-dossier-bar")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.screenshot(path=str(SCREENSHOTS / "04-dossier.png"))

    # Rehearse: two recorded turns, then undo the second.
    turns = parse_script((EXAMPLE_CASE / "cassettes" / "rehearsal-script.txt").read_text("utf-8"))
    page.click("a:has-text('Rehearse')")
    page.click("button:has-text('Start')")
    expect(page.locator(".chat-head h1")).to_contain_text("Lorenzo Baldini")
    trust_before = page.locator(".meter-value").first.inner_text()
    for n, text in enumerate(turns[:2], start=1):
        page.fill("textarea[name=text]", text)
        page.click("button:has-text('Send')")
        expect(page.locator(f"#turn-{n} .bubble.them")).to_be_visible()
    expect(page.locator("#turn-2 .bubble.them")).to_contain_text("Chiara")
    assert page.locator(".meter-value").first.inner_text() != trust_before
    shot(page, "05-rehearsal")
    page.click("button:has-text('Undo')")
    expect(page.locator(".notice")).to_contain_text("Took back turn 2")
    expect(page.locator("#turn-2")).to_have_count(0)
    expect(page.locator("#turn-1")).to_have_count(1)

    # Branch from turn 1: a new session with that turn, the original kept.
    page.click("button:has-text('Branch from turn 1')")
    expect(page.locator(".chat-head h1")).to_contain_text("session main-from-1")
    expect(page.locator(".chat-head")).to_contain_text("Branched from turn 1 of main")
    expect(page.locator(".exchange")).to_have_count(1)

    # The sessions are listed and continue where they stopped.
    page.goto(run_url + "/rehearse")
    expect(page.locator(".runs li")).to_have_count(2)
    page.click("a:text-is('main')")
    expect(page.locator(".exchange")).to_have_count(1)
    assert not csp_errors, csp_errors
    transcript = next(served.runs_dir.glob("*/rehearsals/main/transcript.md"))
    written = transcript.read_text("utf-8")
    assert "1 turn(s)" in written
    assert re.search(r"## Taken back with /undo\s+- Turn 2: That is fair", written)


def teardown_module() -> None:
    """Keep only the latest screenshots."""
    for leftover in SCREENSHOTS.glob("*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)


def test_an_interrupted_run_is_resumed_from_its_page(served: Served, page: object) -> None:
    from dataclasses import replace

    from playwright.sync_api import Page, expect

    from negoprep.app import settings as settings_mod
    from negoprep.app.prepare import PrepareRequest, claim_folder, plan_run

    assert isinstance(page, Page)
    expect.set_options(timeout=WAIT_MS)
    # A run folder claimed but stopped before any step (as after kill -9).
    settings = replace(settings_mod.from_env(), runs_dir=served.runs_dir)
    request = PrepareRequest(case_dir=EXAMPLE_CASE, replay=str(EXAMPLE_CASE / "cassettes"))
    run = claim_folder(plan_run(request, settings))
    run.release()
    page.goto(served.url + "/")
    expect(page.locator(".status-no-dossier-yet")).to_be_visible()
    page.click(f"a:has-text('{run.path.name}')")
    expect(page.locator(".state-line")).to_contain_text("No dossier yet")
    page.click("button:has-text('Resume')")
    expect(page.locator("a:has-text('Read the dossier')")).to_be_visible()
    expect(page.locator(".status-complete")).to_be_visible()
    assert (run.path / "dossier.json").is_file()


def test_a_live_run_shows_the_provider_and_a_failed_agent_with_its_reason(
    tmp_path: Path, page: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import Page, expect
    from served import serve
    from stub_openai import Reply, StubOpenAI

    assert isinstance(page, Page)
    expect.set_options(timeout=WAIT_MS)
    key = "-".join(["sk", "web", "test", "key"])
    with StubOpenAI(lambda request: Reply(status=401)) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", key)
        for served in serve(tmp_path):
            page.goto(served.url + "/cases/example-supplier-claim")
            live = page.locator("label.choice", has_text="Live:")
            expect(live).to_contain_text(stub.base_url)
            live.locator("input").check()
            page.click("button:has-text('Start the preparation')")
            expect(page.locator("tr.agent-failed")).to_have_count(len(FOCUSES))
            expect(page.locator("tr.agent-failed .why").first).to_contain_text("401")
            expect(page.locator("button:has-text('Resume')")).to_be_visible()
            expect(page.locator(".status-incomplete")).to_be_visible()
            expect(page.locator("a:has-text('Rehearse')")).to_have_count(0)  # no counterpart
            shot(page, "06-run-failed")
            assert key not in page.content()
    assert {r.headers["x-negoprep-call"].split(".")[0] for r in stub.requests} == {"extractor"}


def test_a_cancelled_run_stays_resumable(
    tmp_path: Path, page: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from playwright.sync_api import Page, expect
    from served import serve
    from stub_openai import Reply, StubOpenAI

    assert isinstance(page, Page)
    expect.set_options(timeout=WAIT_MS)
    asked, release = threading.Event(), threading.Event()

    def held_then_refused(request: object) -> Reply:
        asked.set()
        release.wait()  # the extractor's call hangs until the test lets it go
        return Reply(status=401)

    with StubOpenAI(held_then_refused) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "-".join(["sk", "web", "test"]))
        try:
            for served in serve(tmp_path):
                page.goto(served.url + "/cases/example-supplier-claim")
                page.locator("label.choice", has_text="Live:").locator("input").check()
                page.click("button:has-text('Start the preparation')")
                expect(page.locator("tr.agent-started")).to_have_count(len(FOCUSES))
                assert asked.wait(WAIT_MS / 1000)
                page.click("button:has-text('Cancel')")
                expect(page.locator(".state-line")).to_contain_text("Cancelled")
                expect(page.locator("tr.agent-stopped")).to_have_count(len(FOCUSES))
                (run_dir,) = served.runs_dir.iterdir()
                assert not (run_dir / "dossier.json").exists()
                release.set()
                page.click("button:has-text('Resume')")
                expect(page.locator("tr.agent-failed .why").first).to_contain_text("401")
                expect(page.locator(".status-incomplete")).to_be_visible()
                assert (run_dir / "dossier.json").is_file()
        finally:
            release.set()


def test_review_the_profile_then_redo_one_section(
    tmp_path: Path, page: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factories import example_json
    from playwright.sync_api import Page, expect
    from served import serve
    from stub_openai import Reply, SeenRequest, StubOpenAI

    from negoprep.agents.registry import preparation_agents
    from negoprep.reading.ingest import load_case

    assert isinstance(page, Page)
    expect.set_options(timeout=WAIT_MS)
    case = load_case(EXAMPLE_CASE)
    schemas = {s.__name__: s for a in preparation_agents() for s in a.schemas}

    def answer(request: SeenRequest) -> Reply:
        name = request.body["response_format"]["json_schema"]["name"]
        return Reply(
            content=example_json(
                schemas[name], case, ["partial-alternatives"], request.body["messages"]
            )
        )

    with StubOpenAI(answer) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "-".join(["sk", "web", "review"]))
        for served in serve(tmp_path):
            page.goto(served.url + "/cases/example-supplier-claim")
            page.locator("label.choice", has_text="Live:").locator("input").check()
            page.check("input[name=review]")
            page.click("button:has-text('Start the preparation')")
            editor = page.locator("#review textarea")
            expect(editor).to_be_visible()
            calls = [r.headers["x-negoprep-call"] for r in stub.requests]
            assert {c.split(".")[0] for c in calls} == {"extractor"}, "nothing else runs yet"
            profile = yaml.safe_load(editor.input_value())
            profile["counterpart"] = "Velmora Trasformatori (the CFO decides)"
            editor.fill(yaml.safe_dump(profile, allow_unicode=True))
            shot(page, "07-review")
            page.click("button:has-text('Continue with this profile')")
            expect(page.locator(".status-complete")).to_be_visible()
            expect(page.locator("#changes")).to_contain_text("counterpart:")
            assert "the CFO decides" in str(stub.requests[len(calls)].body)

            page.click("#redo summary")
            page.select_option("#redo select[name=agent]", "counterpart")
            page.fill("#redo input[name=note]", "Their CFO decides, not the sales director.")
            page.click("button:has-text('Write it again')")
            expect(page.locator("#changes")).to_contain_text(
                "counterpart: Their CFO decides, not the sales director."
            )
            expect(page.locator("#changes")).to_contain_text("previous/")
            shot(page, "08-redo")
        after_review = len(calls) + len(focused_calls("challenger", "counterpart")) + 1
        redone = [r.headers["x-negoprep-call"] for r in stub.requests][after_review:]
        assert sorted(redone) == [*focused_calls("counterpart"), "synthesis"]
