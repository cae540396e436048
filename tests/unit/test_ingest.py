"""Case folders: brief, documents, stable passage ids, and clear messages for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from negoprep.reading.ingest import MAX_PASSAGE_CHARS, CaseError, load_case
from negoprep.reading.parts import render_passages, split_into_parts


def make_case(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def test_example_case_loads_with_stable_ids(example_case: Path) -> None:
    first, second = load_case(example_case), load_case(example_case)
    assert [p.id for p in first.passages] == [p.id for p in second.passages]
    assert [d.id for d in first.documents] == ["D1", "D2", "D3", "D4", "D5"]
    assert all(d.status == "read" for d in first.documents)
    assert first.brief is not None and first.brief.our_side == "Norvane Grid AS"
    assert first.passages[0].id == "D1.P1"
    # The cassettes folder of the example is not a case document.
    assert not any("cassettes" in d.path for d in first.documents)


def test_passages_split_at_blank_lines_and_carry_locators(tmp_path: Path) -> None:
    root = make_case(
        tmp_path / "c",
        {"a.txt": "First para.\n\nSecond para\nsame para.\n", "b.md": "# Title\n\nBody."},
    )
    case = load_case(root)
    assert [(p.id, p.text) for p in case.passages] == [
        ("D1.P1", "First para."),
        ("D1.P2", "Second para\nsame para."),
        ("D2.P1", "Title"),
        ("D2.P2", "Body."),
    ]
    assert case.passages[1].locator == "paragraph 2"
    assert case.brief is None and "No brief was given" in case.brief_prompt()


def test_bad_files_are_reported_and_the_rest_is_used(tmp_path: Path) -> None:
    root = make_case(
        tmp_path / "c",
        {
            "01-good.txt": "The supplier claims EUR 2.4 million.",
            "02-empty.txt": "",
            "03-photo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "04-junk.pdf": b"\x00\x01\x02garbage" * 20,
            "05-sheet.xlsx": b"PK\x03\x04",
        },
    )
    case = load_case(root)
    status = {d.path: (d.id, d.status) for d in case.documents}
    assert status["01-good.txt"] == ("D1", "read")
    assert status["02-empty.txt"] == ("D2", "unreadable")
    assert status["03-photo.png"] == ("D3", "unreadable")
    assert status["04-junk.pdf"] == ("D4", "unreadable")
    assert status["05-sheet.xlsx"] == (None, "skipped")
    assert any("02-empty.txt" in w and "empty" in w for w in case.warnings)
    assert any("03-photo.png" in w and "corrupt or damaged image" in w for w in case.warnings)
    assert any("05-sheet.xlsx" in w and "unsupported file type '.xlsx'" in w for w in case.warnings)
    assert [p.id for p in case.passages] == ["D1.P1"]


def test_ids_stay_stable_when_a_file_becomes_unreadable(tmp_path: Path) -> None:
    root = make_case(tmp_path / "c", {"a.txt": "A.", "b.txt": "B.", "c.txt": "C."})
    before = {p.text: p.id for p in load_case(root).passages}
    (root / "b.txt").write_text("")
    after = {p.text: p.id for p in load_case(root).passages}
    assert before["C."] == after["C."] == "D3.P1"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "case folder not found"),
        (lambda p: p.write_text("x"), "not a folder"),
        (lambda p: p.mkdir(), "has no documents"),
        (lambda p: make_case(p, {"empty.txt": "  \n"}), "no usable document"),
        (
            lambda p: make_case(p, {"a.txt": "x", "case.yaml": "our_side: [unclosed"}),
            r"case\.yaml:1: the case brief is not valid YAML",
        ),
        (lambda p: make_case(p, {"a.txt": "x", "case.yaml": "our_sides: A"}), "unknown key"),
        (lambda p: make_case(p, {"a.txt": "x", "case.toml": "our_side = "}), "not valid TOML"),
        (lambda p: make_case(p, {"a.txt": "x", "case.yaml": "- a list"}), "must be a mapping"),
    ],
)
def test_unusable_case_folders_give_clear_errors(
    tmp_path: Path, setup: object, message: str
) -> None:
    root = tmp_path / "case"
    setup(root)  # type: ignore[operator]
    with pytest.raises(CaseError, match=message) as info:
        load_case(root)
    assert "case" in str(info.value)


def test_toml_brief_and_language_names(tmp_path: Path) -> None:
    root = make_case(
        tmp_path / "c", {"a.txt": "x", "case.toml": 'our_side = "Buyer AS"\nlanguage = "no"\n'}
    )
    case = load_case(root)
    assert case.brief is not None and case.brief.our_side == "Buyer AS"
    assert case.language() == "Norwegian"
    assert case.language("German") == "German"


def test_two_briefs_are_refused_naming_both(tmp_path: Path) -> None:
    root = make_case(
        tmp_path / "c",
        {"a.txt": "x", "case.yaml": "our_side: A\n", "case.toml": 'our_side = "B"\n'},
    )
    with pytest.raises(CaseError, match=r"two briefs, case.yaml and case.toml: keep one"):
        load_case(root)


def test_the_expectation_file_is_not_case_material(tmp_path: Path) -> None:
    expect = "expect:\n  warnings: [name the shared risk]\n"
    root = make_case(
        tmp_path / "c", {"a.txt": "x", "expect.yaml": expect, "sub/expect.yaml": expect}
    )
    case = load_case(root)
    # Beside the brief it is negoprep eval's; in a subfolder it is a document like any other.
    assert [Path(d.path).as_posix() for d in case.documents if d.path.endswith("yaml")] == [
        "sub/expect.yaml"
    ]
    assert "name the shared risk" not in render_passages(case, case.passages)


def test_long_paragraph_is_split_into_bounded_passages(tmp_path: Path) -> None:
    sentence = "The parties discussed delivery of the first unit at length. "
    root = make_case(tmp_path / "c", {"log.txt": sentence * 100})
    case = load_case(root)
    assert len(case.passages) > 3
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in case.passages)
    assert "".join(p.text for p in case.passages).replace(" ", "") == (sentence * 100).replace(
        " ", ""
    )


def test_parts_fit_the_budget_and_keep_every_passage(example_case: Path) -> None:
    case = load_case(example_case)
    assert len(split_into_parts(case, 100_000)) == 1
    parts = split_into_parts(case, 1500)
    assert len(parts) > 3
    assert [p.id for part in parts for p in part.passages] == [p.id for p in case.passages]
    text = render_passages(case, parts[0].passages)
    assert text.startswith("=== D1: 01-contract-extract.md (md) ===\n[D1.P1] ")


def test_passages_not_read_are_named_by_file_and_page(tmp_path: Path) -> None:
    from readers_fixtures import make_pdf

    from negoprep.reading.parts import describe_passages

    root = make_case(
        tmp_path / "c",
        {
            "01-letter.txt": "One.\n\nTwo.\n\nThree.",
            "02-scan.pdf": make_pdf([["P1."], ["P2."], ["P3."]]),
        },
    )
    case = load_case(root)
    assert describe_passages(case, case.passages[1:]) == (
        "`01-letter.txt` (D1, passages D1.P2 to D1.P3); `02-scan.pdf` (D2, pages 1-3)"
    )
    assert describe_passages(case, case.passages[:1]) == "`01-letter.txt` (D1, D1.P1)"


def test_ocr_reads_in_the_case_language_and_english() -> None:
    from negoprep.reading.case import CaseBrief
    from negoprep.reading.ingest import read_options

    assert read_options(CaseBrief(language="nb")).ocr_languages == ("nor",)
    assert read_options(None, "German").ocr_languages == ("deu",)
    assert read_options(CaseBrief()).ocr_languages is None
