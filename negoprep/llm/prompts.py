"""Prompts are Markdown files with front matter, loaded and filled in here.

A prompt file (``prompts/<id>.md``)::

    ---
    id: extractor
    version: 3
    description: What this prompt is for.
    inputs: [case_brief, documents, language]
    ---
    # system
    ... text with {{ case_brief }} placeholders ...
    # user
    ... more text ...

A prompt may start from a shared prefix (``prefix: case_reading`` in its front matter): it is
then sent as that prompt's system message, and one user message made of the prefix's user text,
this prompt's system text (its instructions) and its user text. Agents whose prompts share a
prefix send the same first tokens (for ``case_reading``: the rules, the case brief and the
documents), so a provider's prompt cache serves the documents once for all of them.

Every ``{{ name }}`` must be declared in ``inputs`` and every declared input must be used and
provided: a missing, unknown or unused variable is a clear error naming the file. A folder given
with ``--prompts DIR`` overrides built-in prompts by id; a file there whose id is no built-in
prompt's (a misspelled ``synthsis.md``) would never be used, so it is an error naming the file
and the known ids. Each rendered prompt reports its id, version and a hash of the file, which the
dossier records.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BUILTIN_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
SECTION = re.compile(r"^#\s*(system|user)\s*$", re.IGNORECASE | re.MULTILINE)
REQUIRED_KEYS = ("id", "version", "description", "inputs")


class PromptError(Exception):
    """A prompt file is broken or was given the wrong variables; the message names the file."""


@dataclass(frozen=True)
class RenderedPrompt:
    id: str
    version: str
    hash: str
    system: str
    user: str


@dataclass(frozen=True)
class Prompt:
    id: str
    version: str
    description: str
    inputs: tuple[str, ...]
    system: str
    user: str
    path: Path
    hash: str
    prefix: str = ""
    """The id of the prompt this one is sent after (its shared prefix), or ''."""

    def render(self, **values: Any) -> RenderedPrompt:
        missing = [name for name in self.inputs if name not in values]
        unknown = [name for name in values if name not in self.inputs]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing value(s) for {', '.join(missing)}")
            if unknown:
                parts.append(
                    f"value(s) given that the prompt does not declare: {', '.join(unknown)}"
                )
            raise PromptError(f"{self.path}: prompt '{self.id}': {'; '.join(parts)}")

        def fill(text: str) -> str:
            return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)

        return RenderedPrompt(self.id, self.version, self.hash, fill(self.system), fill(self.user))


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def parse_prompt(path: Path) -> Prompt:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: cannot read the prompt file ({exc})") from exc
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", raw, flags=re.DOTALL)
    if not match:
        raise PromptError(f"{path}:1: no front matter (the file must start with a '---' block)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise PromptError(f"{path}:{line}: front matter is not valid YAML") from exc
    if not isinstance(meta, dict):
        raise PromptError(f"{path}:2: front matter must be a mapping of keys to values")
    for key in REQUIRED_KEYS:
        if key not in meta:
            raise PromptError(f"{path}:2: front matter lacks '{key}'")
    inputs = meta["inputs"]
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise PromptError(f"{path}:{_line_of(raw, 'inputs')}: 'inputs' must be a list of names")
    if meta["id"] != path.stem:
        raise PromptError(
            f"{path}:{_line_of(raw, 'id:')}: id '{meta['id']}' must equal the file name '{path.stem}'"
        )
    body = match.group(2)
    sections = SECTION.split(body)
    texts: dict[str, str] = {}
    for name, text in zip(sections[1::2], sections[2::2], strict=True):
        texts[name.lower()] = text.strip()
    if "system" not in texts or "user" not in texts:
        raise PromptError(f"{path}: the body needs a '# system' and a '# user' section")
    used = set(PLACEHOLDER.findall(texts["system"] + texts["user"]))
    undeclared = sorted(used - set(inputs))
    unused = sorted(set(inputs) - used)
    if undeclared:
        line = _line_of(raw, "{{")
        raise PromptError(
            f"{path}:{line}: placeholder(s) not declared in inputs: {', '.join(undeclared)}"
        )
    if unused:
        raise PromptError(
            f"{path}:{_line_of(raw, 'inputs')}: declared input(s) never used: {', '.join(unused)}"
        )
    return Prompt(
        id=str(meta["id"]),
        version=str(meta["version"]),
        description=str(meta["description"]),
        inputs=tuple(inputs),
        system=texts["system"],
        user=texts["user"],
        path=path,
        hash=hashlib.sha256(raw.encode()).hexdigest()[:12],
        prefix=str(meta.get("prefix") or ""),
    )


def builtin_ids() -> list[str]:
    """The ids of the built-in prompts (their file names), sorted."""
    return sorted(path.stem for path in BUILTIN_PROMPTS_DIR.glob("*.md"))


def check_override_ids(dirs: Sequence[Path], known: Iterable[str] | None = None) -> None:
    """Raise PromptError for the first prompt file in `dirs` that overrides no known prompt.

    `known` defaults to the built-in ids. Only the file name is looked at, so a misspelled
    override is named even when its contents are broken too.
    """
    ids = sorted(known) if known is not None else builtin_ids()
    for folder in dirs:
        if not folder.is_dir() or folder.resolve() == BUILTIN_PROMPTS_DIR:
            continue
        for path in sorted(folder.glob("*.md")):
            if path.stem not in ids:
                close = difflib.get_close_matches(path.stem, ids, n=1)
                guess = f"did you mean '{close[0]}.md'? " if close else ""
                raise PromptError(
                    f"{path}: '{path.stem}' is not a known prompt id, so this override would "
                    f"never be used ({guess}known ids: {', '.join(ids)})"
                )


class PromptLibrary:
    """Built-in prompts, overridden by id from user folders (later folders win).

    A file in a user folder must override a built-in prompt: `load` raises PromptError, naming
    the file and the known ids, for one that does not.
    """

    def __init__(self, prompts: Mapping[str, Prompt], overridden: Mapping[str, Path]) -> None:
        self.prompts = dict(prompts)
        self.overridden = dict(overridden)

    @classmethod
    def load(
        cls,
        extra_dirs: Sequence[Path] = (),
        *,
        builtin: bool = True,
        added_ids: Iterable[str] = (),
    ) -> PromptLibrary:
        """The built-in prompts (unless `builtin=False`), overridden from `extra_dirs` in order.

        `added_ids` are ids the folders may add besides the built-in ones (the prompt of an
        agent registered in code rather than shipped in `prompts/`). Raises PromptError for a
        missing folder, a broken file, or a file whose id is neither built-in nor added.
        """
        prompts: dict[str, Prompt] = {}
        overridden: dict[str, Path] = {}
        dirs = ([BUILTIN_PROMPTS_DIR] if builtin else []) + list(extra_dirs)
        for folder in dirs:
            if not folder.is_dir():
                raise PromptError(f"{folder}: prompts folder not found")
        if builtin:
            check_override_ids(extra_dirs, [*builtin_ids(), *added_ids])
        for folder in dirs:
            for path in sorted(folder.glob("*.md")):
                prompt = parse_prompt(path)
                if prompt.id in prompts:
                    overridden[prompt.id] = prompts[prompt.id].path
                prompts[prompt.id] = prompt
        for prompt in prompts.values():
            if prompt.prefix and prompt.prefix not in prompts:
                raise PromptError(
                    f"{prompt.path}:{_line_of(prompt.path.read_text(), 'prefix')}: prefix "
                    f"'{prompt.prefix}' is not a known prompt id"
                )
        return cls(prompts, overridden)

    def source(self, prompt_id: str) -> str:
        """Where the prompt in use comes from: 'built-in', or the override file and what it
        replaces, e.g. 'my/synthesis.md (overrides built-in)'."""
        path = self.get(prompt_id).path
        if path.parent.resolve() == BUILTIN_PROMPTS_DIR:
            return "built-in"
        replaced = self.overridden.get(prompt_id)
        if replaced is None:
            return str(path)
        was = "built-in" if replaced.parent.resolve() == BUILTIN_PROMPTS_DIR else str(replaced)
        return f"{path} (overrides {was})"

    def get(self, prompt_id: str) -> Prompt:
        try:
            return self.prompts[prompt_id]
        except KeyError:
            known = ", ".join(sorted(self.prompts)) or "none"
            raise PromptError(f"no prompt with id '{prompt_id}' (known: {known})") from None

    def render(self, prompt_id: str, **values: Any) -> RenderedPrompt:
        """The prompt filled in with `values`, after its prefix if it has one (each takes the
        values it declares). Raises PromptError for a value missing, or declared by neither."""
        prompt = self.get(prompt_id)
        if not prompt.prefix:
            return prompt.render(**values)
        prefix = self.get(prompt.prefix)
        unknown = sorted(set(values) - set(prompt.inputs) - set(prefix.inputs))
        if unknown:
            raise PromptError(
                f"{prompt.path}: prompt '{prompt.id}': value(s) given that neither it nor its "
                f"prefix '{prefix.id}' declares: {', '.join(unknown)}"
            )
        head = prefix.render(**{k: v for k, v in values.items() if k in prefix.inputs})
        task = prompt.render(**{k: v for k, v in values.items() if k in prompt.inputs})
        both = hashlib.sha256(f"{head.hash}:{task.hash}".encode()).hexdigest()[:12]
        user = f"{head.user}\n\n{task.system}\n\n{task.user}"
        return RenderedPrompt(task.id, task.version, both, head.system, user)


def check_prompt_dirs(dirs: Sequence[Path]) -> list[str]:
    """Every problem in the prompt files of `dirs`, one message each (empty: all good)."""
    problems = []
    for folder in dirs:
        if not folder.is_dir():
            problems.append(f"{folder}: prompts folder not found")
            continue
        for path in sorted(folder.glob("*.md")):
            try:
                parse_prompt(path)
            except PromptError as exc:
                problems.append(str(exc))
    return problems
