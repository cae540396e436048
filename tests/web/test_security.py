"""The web app's security rules as pure functions, and the upload checks of the case store."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from negoprep.web.cases import CaseStore, UploadError
from negoprep.web.security import (
    SecurityError,
    UploadLimits,
    access_token_for,
    cross_site_reason,
    inside,
    is_loopback,
    safe_filename,
    token_matches,
)

OWN = {"http://127.0.0.1:8000"}
TEXT = b"Meeting notes, 12 November.\nThe supplier asked for more money.\n"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/notes.txt", "notes.txt"),
        (".hidden.md", "hidden.md"),
        ("Résumé – draft.docx", "Resume draft.docx"),
        ("a\x00b.txt", "ab.txt"),
        ("claim <script>.txt", "claim _script_.txt"),
    ],
)
def test_file_names_are_reduced_to_a_safe_base_name(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


@pytest.mark.parametrize("given", ["", "..", "../", "...", "/"])
def test_a_name_with_nothing_usable_is_refused(given: str) -> None:
    with pytest.raises(SecurityError, match="not a usable file name"):
        safe_filename(given)


def test_paths_outside_the_folder_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    assert inside(root, "cases", "a.txt") == root.resolve() / "cases" / "a.txt"
    for parts in (("..", "x"), ("cases", "..", "..", "x"), ("/etc/passwd",)):
        with pytest.raises(SecurityError, match="outside the data folder"):
            inside(root, *parts)
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(SecurityError):
        inside(root, "link", "escape.txt")


def test_loopback_needs_no_token_and_any_other_address_gets_one() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert access_token_for("127.0.0.1", None) is None
    generated = access_token_for("0.0.0.0", None)
    assert generated and len(generated) >= 24
    assert generated != access_token_for("0.0.0.0", None)
    assert access_token_for("0.0.0.0", "configured-token") == "configured-token"
    assert access_token_for("127.0.0.1", "configured-token") == "configured-token"


def test_tokens_compare_exactly() -> None:
    assert token_matches("abc", "abc")
    assert not token_matches("abc", "abd")
    assert not token_matches("abc", None)
    assert not token_matches("abc", "")


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("GET", {"sec-fetch-site": "cross-site"}, False),
        ("POST", {"sec-fetch-site": "same-origin"}, False),
        ("POST", {"sec-fetch-site": "none"}, False),
        ("POST", {"sec-fetch-site": "cross-site"}, True),
        ("POST", {"sec-fetch-site": "same-site"}, True),
        ("POST", {"sec-fetch-site": "same-origin", "origin": "null"}, False),
        ("POST", {"origin": "http://127.0.0.1:8000"}, False),
        ("POST", {"origin": "http://evil.example"}, True),
        ("POST", {"origin": "null"}, True),
        ("DELETE", {"origin": "http://127.0.0.1:9999"}, True),
        ("POST", {}, False),
    ],
)
def test_cross_site_requests_are_refused(
    method: str, headers: dict[str, str], refused: bool
) -> None:
    reason = cross_site_reason(method, headers, OWN)
    assert (reason is not None) == refused
    if refused:
        assert reason is not None and "cross-site request refused" in reason


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(
        tmp_path / "data", UploadLimits(max_files=5, max_bytes=10_000), tmp_path / "none"
    )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_uploads_are_checked_by_content_not_by_name(store: CaseStore) -> None:
    folder = store.new_case("Claim")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50
    with pytest.raises(
        UploadError, match=r"photo.txt: the name says .txt but the content is a PNG image"
    ):
        store.add_files(folder, [("notes.txt", TEXT), ("photo.txt", png)])
    with pytest.raises(UploadError, match=r"letter.pdf: the name says .pdf"):
        store.add_files(folder, [("letter.pdf", TEXT)])
    with pytest.raises(UploadError, match=r"tool.exe: file type '.exe' cannot be read"):
        store.add_files(folder, [("tool.exe", b"MZ\x90\x00")])
    with pytest.raises(UploadError, match="empty"):
        store.add_files(folder, [("blank.md", b"")])
    assert list(folder.iterdir()) == []  # nothing written when one file is refused
    assert store.add_files(folder, [("../../notes.txt", TEXT)]) == ["notes.txt"]
    assert (folder / "notes.txt").read_bytes() == TEXT


def test_limits_on_count_and_size(store: CaseStore) -> None:
    folder = store.new_case("Claim")
    with pytest.raises(UploadError, match=r"too many files: 6 \(at most 5\)"):
        store.add_files(folder, [(f"n{i}.txt", TEXT) for i in range(6)])
    with pytest.raises(UploadError, match=r"too large"):
        store.add_files(folder, [("big.txt", b"word " * 3000)])
    store.add_files(folder, [(f"n{i}.txt", TEXT) for i in range(4)])
    with pytest.raises(UploadError, match="too many files"):  # counts what is there already
        store.add_files(folder, [("a.txt", TEXT), ("b.txt", TEXT)])


def test_a_zip_is_unpacked_inside_the_case_folder_only(store: CaseStore, tmp_path: Path) -> None:
    store = CaseStore(store.data_dir, UploadLimits(max_files=10, max_bytes=10_000), store.examples)
    folder = store.new_case("Zipped")
    data = _zip(
        {
            "case/notes.txt": TEXT,
            "case/../../../escape.txt": TEXT,
            "case/sub/mail.eml": b"From: a@b.c\nTo: d@e.f\nSubject: hi\n\nHello.\n",
            "case/.git/config": TEXT,
            "case/__MACOSX/._notes.txt": TEXT,
            "case/cassettes/x.json": b"{}",
        }
    )
    written = store.add_files(folder, [("case.zip", data)])
    assert sorted(written) == ["notes.txt", "sub/mail.eml"]  # ".." members are left out
    assert not (tmp_path / "escape.txt").exists()
    assert all(folder.resolve() in p.resolve().parents for p in folder.rglob("*"))


def test_a_zip_bomb_and_a_broken_zip_are_refused(store: CaseStore) -> None:
    folder = store.new_case("Bomb")
    big = UploadLimits(max_files=5, max_bytes=10_000_000)
    roomy = CaseStore(store.data_dir, big, store.examples)
    with pytest.raises(UploadError, match="compressed suspiciously well"):
        roomy.add_files(folder, [("b.zip", _zip({"a.txt": b"a" * 2_000_000}))])
    with pytest.raises(UploadError, match="unpacks to more than the size limit"):
        store.add_files(folder, [("b.zip", _zip({"a.txt": b"a" * 20_000}))])
    with pytest.raises(UploadError, match=r"b\.zip: not a readable zip archive"):
        store.add_files(folder, [("b.zip", b"PK\x03\x04 broken")])


def test_a_folder_on_disk_is_copied_with_the_same_rules(store: CaseStore, tmp_path: Path) -> None:
    source = tmp_path / "mine"
    (source / "cassettes").mkdir(parents=True)
    (source / "notes.md").write_bytes(TEXT)
    (source / "cassettes" / "x.json").write_text("{}")
    folder = store.new_case("From disk")
    assert store.import_folder(folder, source) == ["notes.md"]
    with pytest.raises(UploadError, match="not a folder"):
        store.import_folder(folder, tmp_path / "missing")


def test_a_case_folder_keeps_its_evaluation_files_and_a_broken_one_is_named(
    store: CaseStore, tmp_path: Path
) -> None:
    source = tmp_path / "mine"
    source.mkdir()
    (source / "notes.md").write_bytes(TEXT)
    (source / "expect.yaml").write_text("expect:\n  elements: [the delivery date]\n")
    (source / "rehearsal-eval.yaml").write_text("steps:\n  - command: /end\n")
    folder = store.new_case("With expectations")
    copied = store.import_folder(folder, source)
    assert sorted(copied) == ["expect.yaml", "notes.md", "rehearsal-eval.yaml"]
    with pytest.raises(UploadError, match=r"expect\.yaml: not a readable evaluation file"):
        store.add_files(folder, [("expect.yaml", b"expect: [unclosed")])


def test_new_case_folders_never_collide_or_escape(store: CaseStore) -> None:
    first = store.new_case("../../Claim")
    second = store.new_case("../../Claim")
    assert first.name == "claim" and second.name == "claim-2"
    assert first.parent == second.parent == store.cases_dir.resolve()
