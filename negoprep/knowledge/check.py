"""Reading and checking knowledge-base entries: one Markdown file per entry, YAML front matter.

`parse_entry` reads one file into a `KnowledgeEntry` plus the problems found in it; `scan_dirs`
reads whole directories (searched recursively for `*.md`; `README.md` and names starting with `.`
or `_` are skipped), lets a later directory override an earlier one by id, and adds the problems
that need the combined base (duplicate ids within one directory, `related` ids that exist nowhere).
Every problem carries the file and the line of the offending key where it can be found, else 1.
`negoprep.knowledge.base` builds the public API on top of this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MOVES: tuple[str, ...] = (
    "widen-the-field",
    "partial-alternatives",
    "their-dependencies",
    "warnings-consent-inertia",
    "three-dimensions",
)
REQUIRED_KEYS: tuple[str, ...] = ("id", "title", "tags", "moves", "when_to_use", "when_not_to_use")
OPTIONAL_KEYS: tuple[str, ...] = ("related",)
EXAMPLES_HEADING = "## Example phrasings"

_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EXAMPLES_RE = re.compile(r"^##[ \t]+Example phrasings[ \t]*$", re.IGNORECASE | re.MULTILINE)
_NEXT_HEADING_RE = re.compile(r"^#{1,2}[ \t]", re.MULTILINE)
_BULLET_RE = re.compile(r"^[ \t]*[-*+][ \t]+\S", re.MULTILINE)
_FRONT_LINE = 2  # the front matter starts on the file's second line, after '---'


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base; `str()` gives `path:line: message`.

    `line` is 1-based; 0 means the problem concerns a whole directory (then `path: message`).
    """

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    title: str
    tags: tuple[str, ...]
    moves: tuple[str, ...]
    when_to_use: str
    when_not_to_use: str
    related: tuple[str, ...]
    body: str
    path: Path


@dataclass
class ParsedFile:
    """What one file gave: the entry (None when it is too broken to use) and its problems."""

    path: Path
    entry: KnowledgeEntry | None
    problems: list[Problem] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)
    """File line of each front-matter key."""
    related_lines: dict[str, int] = field(default_factory=dict)
    """File line of each `related` id."""


@dataclass
class ScanResult:
    entries: dict[str, KnowledgeEntry]
    """The winning entry for each id (a later directory overrides an earlier one)."""
    overridden: dict[str, Path]
    """id -> file of the first (e.g. built-in) entry with that id that a later one replaced."""
    problems: list[Problem]


def entry_files(directory: Path) -> list[Path]:
    """The entry files under `directory`, sorted; other files are ignored."""
    found = []
    for path in directory.rglob("*.md"):
        rel = path.relative_to(directory).parts
        if any(part.startswith((".", "_")) for part in rel) or path.name.lower() == "readme.md":
            continue
        if path.is_file():
            found.append(path)
    return sorted(found)


def _split_front_matter(path: Path, text: str) -> tuple[str, str, int] | Problem:
    """(front matter, which starts on file line 2; body, its first file line) or the problem."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return Problem(path, 1, "file must start with a '---' line opening the YAML front matter")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1 :]), i + 2
    return Problem(path, 1, "front matter is not closed by a '---' line")


def _str_list(
    value: Any, node: yaml.Node, key: str, path: Path, line: int, problems: list[Problem]
) -> list[tuple[str, int]]:
    """The items of a list of non-empty strings with their file lines, or problems."""
    if not isinstance(value, list):
        problems.append(Problem(path, line, f"'{key}' must be a list, e.g. {key}: [a, b]"))
        return []
    items: list[tuple[str, int]] = []
    for i, item in enumerate(value):
        item_line = line
        if isinstance(node, yaml.SequenceNode) and i < len(node.value):
            item_line = node.value[i].start_mark.line + _FRONT_LINE
        if not isinstance(item, str) or not item.strip():
            problems.append(Problem(path, item_line, f"'{key}' items must be non-empty text"))
        else:
            items.append((item.strip(), item_line))
    return items


def parse_entry(path: Path) -> ParsedFile:
    """Read and check one entry file (everything that does not need other entries)."""
    result = ParsedFile(path, None)
    problems = result.problems
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, 1, f"cannot read file: {exc}"))
        return result
    split = _split_front_matter(path, text)
    if isinstance(split, Problem):
        problems.append(split)
        return result
    front, body, body_line = split
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + _FRONT_LINE if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        if "mapping values are not allowed" in reason:
            reason += " (put text that contains ': ' in quotes)"
        problems.append(Problem(path, line, f"invalid YAML in front matter: {reason}"))
        return result
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        problems.append(Problem(path, 1, "front matter must be a mapping of 'key: value' lines"))
        return result

    nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + _FRONT_LINE
        if key in nodes:
            problems.append(Problem(path, line, f"duplicate key '{key}'"))
        elif key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            problems.append(Problem(path, line, f"unknown key '{key}' (allowed: {allowed})"))
        nodes[key] = value_node
        result.key_lines.setdefault(key, line)
    lines = result.key_lines
    for key in REQUIRED_KEYS:
        if key not in data:
            problems.append(Problem(path, 1, f"missing required key '{key}'"))

    def text_field(key: str) -> str:
        value = data.get(key)
        if key in data and (not isinstance(value, str) or not value.strip()):
            problems.append(Problem(path, lines[key], f"'{key}' must be non-empty text"))
            return ""
        return value.strip() if isinstance(value, str) else ""

    entry_id = text_field("id")
    if entry_id and not _KEBAB.match(entry_id):
        problems.append(
            Problem(path, lines["id"], f"id '{entry_id}' must be kebab-case (e.g. 'my-entry')")
        )
    if entry_id and entry_id != path.stem:
        problems.append(
            Problem(path, lines["id"], f"id '{entry_id}' must equal the file name '{path.stem}'")
        )
    title = text_field("title")
    when_to_use = text_field("when_to_use")
    when_not_to_use = text_field("when_not_to_use")

    def list_field(key: str) -> list[tuple[str, int]]:
        if key not in data or (key in OPTIONAL_KEYS and data[key] is None):
            return []
        return _str_list(data[key], nodes[key], key, path, lines[key], problems)

    tags = list_field("tags")
    moves = list_field("moves")
    if isinstance(data.get("moves"), list) and not data["moves"]:
        problems.append(Problem(path, lines["moves"], "'moves' must name at least one move"))
    for move, line in moves:
        if move not in MOVES:
            known = ", ".join(MOVES)
            problems.append(Problem(path, line, f"unknown move '{move}' (known: {known})"))
    related = list_field("related")
    for rel, line in related:
        if rel in result.related_lines:
            problems.append(Problem(path, line, f"related id '{rel}' is listed twice"))
        result.related_lines.setdefault(rel, line)
        if rel == entry_id:
            problems.append(Problem(path, line, f"entry lists itself ('{rel}') as related"))

    body = body.strip()
    if not body:
        problems.append(Problem(path, body_line, "body is empty (Markdown text must follow '---')"))
    else:
        problems.extend(_check_examples(path, body, body_line))

    if entry_id:
        result.entry = KnowledgeEntry(
            id=entry_id,
            title=title,
            tags=tuple(tag for tag, _ in tags),
            moves=tuple(move for move, _ in moves if move in MOVES),
            when_to_use=when_to_use,
            when_not_to_use=when_not_to_use,
            related=tuple(rel for rel, _ in related),
            body=body,
            path=path,
        )
    return result


def _check_examples(path: Path, body: str, body_line: int) -> list[Problem]:
    match = _EXAMPLES_RE.search(body)
    if match is None:
        return [Problem(path, body_line, f"body has no '{EXAMPLES_HEADING}' section")]
    rest = body[match.end() :]
    following = _NEXT_HEADING_RE.search(rest)
    section = rest[: following.start()] if following else rest
    if not _BULLET_RE.search(section):
        line = body_line + body.count("\n", 0, match.start())
        return [Problem(path, line, f"'{EXAMPLES_HEADING}' section has no '- ' bullet")]
    return []


def scan_dirs(dirs: Sequence[Path]) -> ScanResult:
    """Read every entry under `dirs` (in order; later ones override earlier ones by id)."""
    result = ScanResult({}, {}, [])
    parsed: list[ParsedFile] = []
    for directory in dirs:
        if not directory.is_dir():
            result.problems.append(Problem(directory, 0, "knowledge-base directory not found"))
            continue
        seen_here: dict[str, Path] = {}
        for path in entry_files(directory):
            pf = parse_entry(path)
            parsed.append(pf)
            result.problems.extend(pf.problems)
            entry = pf.entry
            if entry is None:
                continue
            if entry.id in seen_here:
                line = pf.key_lines.get("id", 1)
                first = seen_here[entry.id]
                msg = f"duplicate id '{entry.id}' (also in {first})"
                result.problems.append(Problem(path, line, msg))
                continue
            seen_here[entry.id] = path
            previous = result.entries.get(entry.id)
            if previous is not None:
                result.overridden.setdefault(entry.id, previous.path)
            result.entries[entry.id] = entry
    known = set(result.entries)
    for pf in parsed:
        for rel, line in pf.related_lines.items():
            if rel not in known:
                result.problems.append(Problem(pf.path, line, f"related id '{rel}' does not exist"))
    result.entries = dict(sorted(result.entries.items()))
    return result
