"""Knowledge base: loading, checking, override precedence, search, and the `negoprep kb` CLI.

Runs on the small fixture bases under tests/data/kb_fixtures (the real base is exercised by
test_retrieval_quality.py). Tests that touch the built-in base point it at a fixture dir.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import threading
from pathlib import Path

import pytest

from negoprep.cli import kb as kb_cmd
from negoprep.knowledge import base as knowledge
from negoprep.knowledge import search as knowledge_search
from negoprep.knowledge.base import (
    BUILTIN_KB_DIR,
    MOVES,
    KnowledgeBase,
    KnowledgeEntry,
    KnowledgeError,
    Problem,
    SearchHit,
    check_dirs,
)

FIX = Path(__file__).resolve().parents[1] / "data" / "kb_fixtures"
VALID = FIX / "valid"
OVERRIDE = FIX / "override"
BROKEN = FIX / "broken"

VALID_IDS = [
    "partial-alternatives",
    "their-dependencies",
    "three-dimensions",
    "warnings-consent-inertia",
    "widen-the-field",
]

ENTRY = """---
id: {id}
title: A title
tags: [batna]
moves: [partial-alternatives]
when_to_use: Sometimes.
when_not_to_use: Otherwise.
related: []
---
Body text.

## Example phrasings
- "One."
- "Two."
"""


@pytest.fixture
def builtin_is_valid(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the fixture dir `valid` play the built-in base."""
    monkeypatch.setattr(knowledge, "BUILTIN_KB_DIR", VALID)
    monkeypatch.delenv(kb_cmd.ENV_VAR, raising=False)
    return VALID


def write(dir_: Path, name: str, text: str) -> Path:
    path = dir_ / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- constants and the API surface ---------------------------------------------------------


def test_constants() -> None:
    assert MOVES == (
        "widen-the-field",
        "partial-alternatives",
        "their-dependencies",
        "warnings-consent-inertia",
        "three-dimensions",
    )
    assert Path(__file__).resolve().parents[2] / "knowledge_base" == BUILTIN_KB_DIR


def test_module_does_not_import_langchain() -> None:
    import subprocess

    code = (
        "import sys, negoprep.knowledge.base, negoprep.cli.kb;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('langchain', 'langgraph',"
        " 'langchain_core', 'openai', 'pydantic')];"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_problem_str() -> None:
    assert str(Problem(Path("kb/a.md"), 7, "bad")) == "kb/a.md:7: bad"
    assert str(Problem(Path("kb"), 0, "knowledge-base directory not found")) == (
        "kb: knowledge-base directory not found"
    )


# --- loading --------------------------------------------------------------------------------


def test_load_valid_entries() -> None:
    kb = KnowledgeBase.load([VALID], builtin=False)
    assert list(kb.entries) == VALID_IDS  # README.md and notes.txt are not entries
    entry = kb.get("partial-alternatives")
    assert isinstance(entry, KnowledgeEntry)
    assert entry.title == "Build partial alternatives when there is no full Plan B"
    assert entry.tags == ("batna", "alternatives", "fallback")
    assert entry.moves == ("partial-alternatives",)
    assert entry.related == ("widen-the-field",)
    assert entry.when_to_use.startswith("You believe you have no alternative")
    assert entry.when_not_to_use == "You already hold a strong walk-away option."
    assert entry.body.startswith("No single supplier")
    assert "## Example phrasings" in entry.body
    assert entry.path == VALID / "alternatives" / "partial-alternatives.md"
    assert kb.get("warnings-consent-inertia").related == ()  # `related` may be left out
    assert kb.overridden == {}
    assert len(kb) == 5


def test_get_unknown_id_has_clear_message() -> None:
    kb = KnowledgeBase.load([VALID], builtin=False)
    with pytest.raises(KeyError, match="no knowledge-base entry with id 'nope'"):
        kb.get("nope")


def test_entries_are_read_only() -> None:
    kb = KnowledgeBase.load([VALID], builtin=False)
    with pytest.raises(TypeError):
        kb.entries["x"] = kb.get("widen-the-field")  # type: ignore[index]


def test_load_uses_builtin_dir_first(builtin_is_valid: Path) -> None:
    kb = KnowledgeBase.load()
    assert list(kb.entries) == VALID_IDS
    with pytest.raises(KnowledgeError, match="not found"):
        KnowledgeBase.load(builtin=True, extra_dirs=[FIX / "does-not-exist"])


def test_override_precedence(builtin_is_valid: Path) -> None:
    kb = KnowledgeBase.load([OVERRIDE])
    won = kb.get("partial-alternatives")
    assert won.title == "Our own take on partial alternatives"
    assert won.path == OVERRIDE / "partial-alternatives.md"
    assert kb.overridden == {
        "partial-alternatives": VALID / "alternatives" / "partial-alternatives.md"
    }
    assert "team-playbook" in kb.entries and kb.get("their-dependencies").path.is_relative_to(VALID)
    assert list(kb.entries) == sorted(kb.entries)


def test_later_extra_dir_wins_and_first_overridden_is_recorded(tmp_path: Path) -> None:
    write(tmp_path / "a", "x.md", ENTRY.format(id="x").replace("A title", "From a"))
    write(tmp_path / "b", "x.md", ENTRY.format(id="x").replace("A title", "From b"))
    write(tmp_path / "c", "x.md", ENTRY.format(id="x").replace("A title", "From c"))
    kb = KnowledgeBase.load([tmp_path / "a", tmp_path / "b", tmp_path / "c"], builtin=False)
    assert kb.get("x").title == "From c"
    assert kb.overridden == {"x": tmp_path / "a" / "x.md"}
    kb = KnowledgeBase.load([tmp_path / "c", tmp_path / "a"], builtin=False)
    assert kb.get("x").title == "From a"


def test_user_related_may_point_to_builtin(builtin_is_valid: Path) -> None:
    # team-playbook.md relates to their-dependencies, which only the built-in base has
    assert check_dirs([OVERRIDE], with_builtin=True) == []
    problems = check_dirs([OVERRIDE], with_builtin=False)
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "related id 'their-dependencies' does not exist"
    ]
    assert problems[0].path == OVERRIDE / "team-playbook.md" and problems[0].line == 8


def test_broken_entries_raise_with_every_problem() -> None:
    with pytest.raises(KnowledgeError) as info:
        KnowledgeBase.load([BROKEN], builtin=False)
    err = info.value
    assert len(err.problems) == 8
    for name in ["bad-yaml.md:3:", "missing-key.md:1:", "wrong-name.md:3:", "empty-body.md:10:"]:
        assert name in str(err)
    assert str(err).startswith("knowledge base has 8 problems:")


EXPECTED_BROKEN = {
    ("bad-yaml.md", 3, "invalid YAML in front matter: mapping values are not allowed here"),
    ("dangling-related.md", 8, "related id 'no-such-entry' does not exist"),
    ("empty-body.md", 10, "body is empty"),
    ("missing-key.md", 1, "missing required key 'when_to_use'"),
    ("no-examples.md", 10, "body has no '## Example phrasings' section"),
    ("two/dup-id.md", 2, "duplicate id 'dup-id' (also in "),
    ("unknown-move.md", 7, "unknown move 'haggle-harder'"),
    ("wrong-name.md", 3, "id 'not-the-file-name' must equal the file name 'wrong-name'"),
}


def test_check_reports_each_problem_with_file_and_line() -> None:
    problems = check_dirs([BROKEN], with_builtin=False)
    got = {(p.path.relative_to(BROKEN).as_posix(), p.line, p.message) for p in problems}
    assert len(got) == len(EXPECTED_BROKEN) == len(problems)
    for rel, line, start in EXPECTED_BROKEN:
        matching = [g for g in got if g[0] == rel and g[1] == line and g[2].startswith(start)]
        assert matching, f"no problem {rel}:{line}: {start}... in {sorted(got)}"


def test_check_valid_dir_is_clean() -> None:
    assert check_dirs([VALID], with_builtin=False) == []
    assert check_dirs([VALID, OVERRIDE], with_builtin=False) == []


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("tags: batna", 4, "'tags' must be a list"),
        ("tags: [batna, 3]", 4, "'tags' items must be non-empty text"),
        ("moves: []", 5, "'moves' must name at least one move"),
        ("title: ''", 3, "'title' must be non-empty text"),
        ("title: 2024", 3, "'title' must be non-empty text"),
        ("id: Not_Kebab", 2, "id 'Not_Kebab' must be kebab-case"),
        ("related: [x]", 8, "entry lists itself ('x') as related"),
        ("related: [y, y]", 8, "related id 'y' is listed twice"),
        ("colour: blue", 9, "unknown key 'colour'"),
        ("when_to_use: [a, b]", 6, "'when_to_use' must be non-empty text"),
    ],
)
def test_schema_checks(tmp_path: Path, front: str, line: int, message: str) -> None:
    key = front.split(":")[0]
    text = ENTRY.format(id="x")
    lines = text.splitlines()
    index = next((i for i, ln in enumerate(lines) if ln.startswith(key + ":")), None)
    if index is None:
        lines.insert(8, front)  # a new key goes last in the front matter
    else:
        lines[index] = front
    name = front.split(": ")[1] if key == "id" else "x"  # so that only the kebab-case rule fails
    write(tmp_path, f"{name}.md", "\n".join(lines) + "\n")
    if "'y'" in message:
        write(tmp_path, "y.md", ENTRY.format(id="y"))
    problems = check_dirs([tmp_path], with_builtin=False)
    assert [(p.line, p.message.startswith(message)) for p in problems] == [(line, True)], problems


def test_yaml_error_line_in_flow_list(tmp_path: Path) -> None:
    text = ENTRY.format(id="x").replace("tags: [batna]", "tags: [batna, alternatives")
    write(tmp_path, "x.md", text)
    (problem,) = check_dirs([tmp_path], with_builtin=False)
    assert problem.line == 5 and "invalid YAML" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter\n", "file must start with a '---' line"),
        ("---\nid: x\ntitle: t\n", "front matter is not closed"),
        ("---\n- a\n- b\n---\nbody\n", "front matter must be a mapping"),
    ],
)
def test_front_matter_shape(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "x.md", text)
    (problem,) = check_dirs([tmp_path], with_builtin=False)
    assert (problem.line, problem.message.startswith(message)) == (1, True)


def test_examples_section_needs_a_bullet(tmp_path: Path) -> None:
    write(tmp_path, "x.md", ENTRY.format(id="x").replace('- "One."\n- "Two."\n', "None yet.\n"))
    (problem,) = check_dirs([tmp_path], with_builtin=False)
    assert problem.line == 12 and "section has no '- ' bullet" in problem.message


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"\xef\xbb\xbf" + ENTRY.format(id="x").replace("\n", "\r\n").encode())
    kb = KnowledgeBase.load([tmp_path], builtin=False)
    assert kb.get("x").title == "A title" and "\r" not in kb.get("x").body


def test_undecodable_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_bytes(b"---\nid: x\ntitle: \xff\xfe\n---\n")
    (problem,) = check_dirs([tmp_path], with_builtin=False)
    assert problem.message.startswith("cannot read file")


def test_non_md_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "x.md", ENTRY.format(id="x"))
    write(tmp_path, "notes.txt", "---\nbroken: [\n")
    write(tmp_path, ".drafts/y.md", "broken")
    write(tmp_path, "_template.md", "broken")
    write(tmp_path, "README.md", "Just docs.")
    (tmp_path / "folder.md").mkdir()
    assert check_dirs([tmp_path], with_builtin=False) == []
    assert list(KnowledgeBase.load([tmp_path], builtin=False).entries) == ["x"]


def test_missing_dir_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    problems = check_dirs([missing], with_builtin=False)
    assert [str(p) for p in problems] == [f"{missing}: knowledge-base directory not found"]
    with pytest.raises(KnowledgeError, match=str(missing)):
        KnowledgeBase.load([missing], builtin=False)


# --- search ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load([VALID], builtin=False)


def ids(hits: list[SearchHit]) -> list[str]:
    return [h.entry.id for h in hits]


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("We have no plan B and no fallback supplier", "partial-alternatives"),
        ("how do they depend on us, what would they lose", "their-dependencies"),
        ("the talks are stuck on price only", "widen-the-field"),
        ("how to warn them without making a threat", "warnings-consent-inertia"),
        ("change who sits at the table and the sequence of the meetings", "three-dimensions"),
    ],
)
def test_search_ranks_the_right_entry_first(kb: KnowledgeBase, query: str, best: str) -> None:
    hits = kb.search(query)
    assert ids(hits)[0] == best, [(h.entry.id, h.score) for h in hits]
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert hits[0].score > 0


def test_search_k_and_move_filter(kb: KnowledgeBase) -> None:
    query = "issues price fixed pie alternatives setup warnings leverage"
    assert len(kb.search(query, k=2)) == 2
    assert len(kb.search(query, k=50)) == 5
    assert kb.search(query, k=0) == []
    assert ids(kb.search(query, moves=["widen-the-field"])) == sorted(
        ["widen-the-field", "three-dimensions"], key=ids(kb.search(query)).index
    )
    with pytest.raises(ValueError, match="unknown move"):
        kb.search(query, moves=["haggle"])


def test_search_stemming_and_case(kb: KnowledgeBase) -> None:
    assert ids(kb.search("DEPENDING"))[:1] == ["their-dependencies"]
    assert ids(kb.search("threatening"))[:1] == ["warnings-consent-inertia"]


def test_related_entries_of_the_best_match_move_up(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # only partial-alternatives matches 'fallback'; it lists widen-the-field as related
    query = "fallback"
    hits = kb.search(query)
    assert ids(hits) == ["partial-alternatives", "widen-the-field"]
    assert hits[1].score == pytest.approx(knowledge_search.RELATED_BOOST * hits[0].score)
    monkeypatch.setattr(knowledge_search, "RELATED_BOOST", 0.0)
    fresh = KnowledgeBase.load([VALID], builtin=False)
    assert ids(fresh.search(query)) == ["partial-alternatives"]


def test_synonyms_expand_the_query(kb: KnowledgeBase) -> None:
    assert knowledge_search.expansion_terms("We have no Plan B, should we sue?") == [
        "batna",
        "alternative",
        "fallback",
        "litigation",
        "arbitration",
    ]
    assert "warning" in knowledge_search.expansion_terms("an ultimatum")
    assert "warning" in knowledge_search.expansion_terms("they keep threatening us")
    assert knowledge_search.expansion_terms("plan") == []  # a phrase needs all its words
    # no entry says 'ultimatum'; the synonyms find the one about warnings and threats
    assert kb.search("ultimatum", expand=False) == []
    assert ids(kb.search("ultimatum"))[:1] == ["warnings-consent-inertia"]


def test_search_no_match_is_empty(kb: KnowledgeBase) -> None:
    assert kb.search("xylophone zeppelin") == []
    assert kb.search("the and of to") == []  # stop words only


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"unbalanced quote',
        "AND",
        "OR NOT",
        "*",
        "price*",
        "(",
        ")",
        "((price)",
        "NEAR(price supplier, 2)",
        "title:price",
        "-price ^setup +tactics",
        "{title tags}: price",
        "price AND",
        "'; DROP TABLE kb; --",
        "\x00\n\t",
    ],
)
def test_fts_hostile_queries_do_not_raise(kb: KnowledgeBase, query: str) -> None:
    hits = kb.search(query)
    assert isinstance(hits, list)
    if not any(c.isalpha() for c in query.replace("AND", "").replace("OR", "")):
        assert hits == []


def test_hostile_syntax_around_real_words_still_matches(kb: KnowledgeBase) -> None:
    assert kb.search("") == []
    assert ids(kb.search('"dependency" AND (leverage*'))[:1] == ["their-dependencies"]
    assert ids(kb.search("NEAR(inertia consent)"))[:1] == ["warnings-consent-inertia"]


def test_match_expression_quotes_every_term() -> None:
    query = 'Price AND "NEAR(x)" the price* -é'
    assert knowledge_search.query_terms(query) == ["price", "near", "x", "é"]
    assert knowledge_search.match_expression(["near", 'a"b']) == '"near" OR "a""b"'


def test_random_unicode_queries_never_raise(kb: KnowledgeBase) -> None:
    rng = random.Random(7)
    alphabet = "abcAND OR NOT\"*()^:-+{}'é漢字\u0301\u200b,.;_" + "\\"
    for _ in range(300):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        hits = kb.search(query)
        assert all(isinstance(h, SearchHit) and h.score > 0 for h in hits), query


def test_search_is_thread_safe(kb: KnowledgeBase) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                assert kb.search("fixed pie on price")[0].entry.id == "widen-the-field"
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- CLI ------------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="negoprep")
    kb_cmd.register(parser.add_subparsers())
    return parser.parse_args(list(argv))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = parse(*argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list(builtin_is_valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "kb", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "MOVES", "SOURCE", "TITLE"]
    row = next(ln for ln in lines if ln.startswith("their-dependencies "))
    assert row.split()[1:3] == ["their-dependencies", "built-in"]
    assert row.endswith("Map what they depend on you for")
    assert "5 entries: 5 built-in, 0 from user directories" in out


def test_cli_list_marks_overrides(
    builtin_is_valid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "kb", "list", "--kb", str(OVERRIDE))
    assert code == 0
    row = next(ln for ln in out.splitlines() if ln.startswith("partial-alternatives "))
    assert f"{OVERRIDE} (overrides built-in)" in row
    row = next(ln for ln in out.splitlines() if ln.startswith("team-playbook "))
    assert str(OVERRIDE) in row and "overrides" not in row
    assert "6 entries: 4 built-in, 2 from user directories (1 overriding" in out


def test_cli_env_var(
    builtin_is_valid: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(kb_cmd.ENV_VAR, f"{OVERRIDE}{os.pathsep}")
    code, out, _ = run(capsys, "kb", "list")
    assert code == 0 and "team-playbook" in out
    # --kb wins over the environment variable
    monkeypatch.setenv(kb_cmd.ENV_VAR, str(BROKEN))
    code, out, _ = run(capsys, "kb", "list", "--kb", str(OVERRIDE))
    assert code == 0 and "team-playbook" in out
    code, _, err = run(capsys, "kb", "list")
    assert code == 2 and "bad-yaml.md:3:" in err


def test_cli_search(builtin_is_valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "kb", "search", "they depend on us for volume", "-k", "2")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split()[0] == "1." and lines[0].split()[2] == "their-dependencies"
    assert float(lines[0].split()[1]) > 0
    assert [ln.split()[0] for ln in lines if ln[:3].strip().endswith(".")] == ["1.", "2."]
    code, out, _ = run(capsys, "kb", "search", "price", "--move", "three-dimensions")
    assert code == 0 and "three-dimensions" in out and "widen-the-field  (" not in out
    code, out, _ = run(capsys, "kb", "search", '"(*')
    assert code == 0 and out.startswith("No entry matches")


def test_cli_search_rejects_bad_k(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        parse("kb", "search", "x", "-k", "0")
    assert info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_cli_check(builtin_is_valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kb", "check")
    assert code == 0 and out.startswith("OK: no problems")
    code, out, _ = run(capsys, "kb", "check", str(OVERRIDE))
    assert code == 0, out
    code, out, _ = run(capsys, "kb", "check", str(BROKEN))
    assert code == 1
    lines = out.splitlines()
    assert f"{BROKEN / 'missing-key.md'}:1: missing required key 'when_to_use'" in lines
    assert f"{BROKEN / 'unknown-move.md'}:7: unknown move 'haggle-harder'" in out
    assert lines[-1].startswith("8 problem(s) in 8 file(s)")


def test_cli_errors_are_messages_not_tracebacks(
    builtin_is_valid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = FIX / "nowhere"
    for argv in (["list"], ["search", "price"]):
        code, out, err = run(capsys, "kb", *argv, "--kb", str(missing))
        assert (code, out) == (2, "")
        assert err.startswith("negoprep kb: error:") and str(missing) in err
        assert "Traceback" not in err
    code, _, err = run(capsys, "kb", "check", str(missing))
    assert (
        code == 2 and err == f"negoprep kb: error: knowledge-base directory not found: {missing}\n"
    )
    code, _, err = run(capsys, "kb", "search", "price", "--kb", str(BROKEN))
    assert code == 2 and "empty-body.md:10: body is empty" in err
