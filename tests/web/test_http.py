"""The security rules as the server applies them: headers, CSRF, the access token, the Host
check, path traversal, upload refusals, the log, and pages that escape case text."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest
from served import make_app
from starlette.testclient import TestClient

from negoprep.web.security import CSRF_HEADER

BASE = "http://127.0.0.1:8000"
SAME = {"Sec-Fetch-Site": "same-origin"}


def client(tmp_path: Path, **config: object) -> TestClient:
    app, _ = make_app(tmp_path, **config)
    return TestClient(app, base_url=BASE, follow_redirects=False)  # type: ignore[arg-type]


def csrf_of(c: TestClient) -> str:
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', c.get("/").text)
    assert found
    return found.group(1)


def new_case(c: TestClient, files: list[tuple[str, bytes]], **fields: str) -> object:
    data = {"csrf_token": csrf_of(c), "title": "Claim", **fields}
    upload = [("files", (name, body, "application/octet-stream")) for name, body in files]
    return c.post("/cases", data=data, files=upload, headers=SAME)


def test_pages_send_a_strict_csp_and_have_no_inline_script_or_style(tmp_path: Path) -> None:
    c = client(tmp_path)
    for path in ("/", "/cases/new", "/provider", "/cases/example-supplier-claim"):
        response = c.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        html = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), path
        assert response.headers["x-frame-options"] == "DENY"


def test_a_state_changing_request_needs_the_csrf_token(tmp_path: Path) -> None:
    c = client(tmp_path)
    form = {"title": "Claim", "folder": str(tmp_path)}
    refused = c.post("/cases", data=form, headers=SAME)
    assert refused.status_code == 403
    assert "reload the page" in refused.text
    wrong = c.post("/cases", data={**form, "csrf_token": "guess"}, headers=SAME)
    assert wrong.status_code == 403
    header = c.post(
        "/cases/example-supplier-claim/brief", headers={**SAME, CSRF_HEADER: csrf_of(c)}
    )
    assert header.status_code == 400  # past the CSRF check: the examples are read-only
    assert "read-only" in header.text


def test_cross_site_posts_are_refused_before_anything_else(tmp_path: Path) -> None:
    c = client(tmp_path)
    token = csrf_of(c)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}):
        response = c.post("/cases", data={"csrf_token": token, "title": "x"}, headers=headers)
        assert response.status_code == 403
        assert "cross-site request refused" in response.text
    assert not (tmp_path / "data" / "cases").exists()


def test_off_loopback_every_request_needs_the_access_token(tmp_path: Path) -> None:
    c = client(tmp_path, token="s3cret-token-value", host="0.0.0.0")
    c.base_url = "http://192.168.1.20:8000"  # type: ignore[assignment]
    assert c.get("/").status_code == 401
    assert c.get("/static/app.css").status_code == 401
    assert c.get("/?token=wrong").status_code == 401
    entry = c.get("/cases/new?token=s3cret-token-value")
    assert entry.status_code == 303 and entry.headers["location"] == "/cases/new"
    assert "s3cret-token-value" in entry.headers["set-cookie"]
    assert "HttpOnly" in entry.headers["set-cookie"]
    assert c.get("/cases/new").status_code == 200  # the cookie now
    fresh = client(tmp_path, token="s3cret-token-value")
    bearer = {"Authorization": "Bearer s3cret-token-value"}
    assert fresh.get("/", headers={**bearer, "Host": "192.168.1.20:8000"}).status_code == 200


def test_without_a_token_only_loopback_host_names_are_answered(tmp_path: Path) -> None:
    c = client(tmp_path)
    response = c.get("/", headers={"Host": "attacker.example:8000"})
    assert response.status_code == 403
    assert "answers only on 127.0.0.1" in response.text
    assert c.get("/", headers={"Host": "localhost:8000"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/runs/..%2F..%2Fetc",
        "/runs/%2E%2E/dossier",
        "/runs/.hidden",
        "/cases/..%2F..%2Fetc",
        "/runs/nope/export/pdf",
        "/runs/nope/export/..%2F..%2Fpasswd",
        "/runs/x/rehearse/..%2F..%2Fetc",
    ],
)
def test_paths_that_lead_outside_are_not_found(tmp_path: Path, path: str) -> None:
    response = client(tmp_path).get(path)
    assert response.status_code in (400, 404)
    assert "root:" not in response.text and "Traceback" not in response.text


def test_an_upload_is_written_inside_the_data_folder_with_a_safe_name(tmp_path: Path) -> None:
    c = client(tmp_path)
    response = new_case(c, [("../../../../evil.txt", b"Notes of the call.\n")], our_side="Us")
    assert response.status_code == 303
    (case_dir,) = (tmp_path / "data" / "cases").iterdir()
    assert sorted(p.name for p in case_dir.iterdir()) == ["case.yaml", "evil.txt"]
    assert not list(tmp_path.glob("evil.txt"))
    page = c.get(response.headers["location"])
    assert "evil.txt" in page.text and "status-read" in page.text


def test_a_refused_upload_says_which_file_and_why_and_leaves_nothing(tmp_path: Path) -> None:
    c = client(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = new_case(c, [("notes.txt", b"Notes.\n"), ("scan.pdf", png)])
    assert response.status_code == 400
    assert "scan.pdf: the name says .pdf but the content is a PNG image" in response.text
    assert list((tmp_path / "data" / "cases").iterdir()) == []
    too_many = new_case(c, [(f"n{i}.txt", b"Notes.\n") for i in range(21)])
    assert too_many.status_code == 400 and "too many files" in too_many.text


def test_case_text_is_escaped_and_never_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    c = client(tmp_path)
    secret = "<script>alert('Velmora walk-away 1.15M')</script>"
    with caplog.at_level(logging.DEBUG):
        response = new_case(c, [("notes.txt", f"{secret}\n".encode())], goal=secret, notes=secret)
        page = c.get(response.headers["location"])
    assert secret not in page.text
    assert "&lt;script&gt;alert(" in page.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /cases 303" in logged
    assert "Velmora" not in logged and "walk-away" not in logged


def test_the_provider_page_never_shows_the_key(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    web = app.state.web  # type: ignore[attr-defined]
    key = "sk-" + "test" * 8
    default = replace(web.settings.default, api_key=key, base_url="http://localhost:11434/v1")
    web.settings = replace(web.settings, default=default, provider_configured=True)
    page = TestClient(app, base_url=BASE).get("/provider").text  # type: ignore[arg-type]
    assert key not in page
    assert "set (not shown)" in page and "localhost:11434" in page


def test_without_a_provider_a_live_run_leads_to_the_setup_page(tmp_path: Path) -> None:
    c = client(tmp_path)
    response = c.post(
        "/cases/example-supplier-claim/runs",
        data={"csrf_token": csrf_of(c), "answer": "live"},
        headers=SAME,
    )
    assert response.status_code == 303 and response.headers["location"] == "/provider"
    assert "No provider is configured" in c.get("/provider").text
    unknown = c.post(
        "/cases/example-supplier-claim/runs",
        data={"csrf_token": csrf_of(c), "answer": "replay:/etc"},
        headers=SAME,
    )
    assert unknown.status_code == 400 and "answer sources" in unknown.text


def test_an_example_offers_its_own_recordings_and_an_uploaded_case_the_examples(
    tmp_path: Path,
) -> None:
    c = client(tmp_path)
    example = c.get("/cases/example-supplier-claim").text
    assert 'value="replay:example-supplier-claim"' in example
    assert "Replay the recordings of the example" not in example, "another's cannot answer it"
    response = new_case(c, [("notes.txt", b"Notes of the call.\n")], our_side="Us")
    own = c.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert 'value="replay:example-supplier-claim"' in own
    assert "Replay the recordings of the example" in own
