"""Read a case folder into a `Case`: the brief, every document, and citable passages.

Bad input never stops the run while something usable is left: each unusable file is reported
with its name and the reason, and the rest is used. Only a missing folder, a broken brief or a
case with no usable document at all is an error (`CaseError`).

What is not a case document: the brief and the evaluation files beside it (`expect.yaml`,
`rehearsal-eval.yaml`), hidden files and folders, `cassettes/`, `runs/` and any folder
holding a negoprep run (`.negoprep-run` or `dossier.json`), so an `--out` inside the case folder
is never read back. Symbolic links are followed only to files and folders inside the case
folder; the others are listed as skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from negoprep.reading.case import (
    LANGUAGE_NAMES,
    Case,
    CaseBrief,
    DocumentInfo,
    Passage,
    UnknownLanguage,
    language_name,
)
from negoprep.reading.language import annotate
from negoprep.reading.ocr import pack_for
from negoprep.reading.readers import (
    SUPPORTED_SUFFIXES,
    RawDocument,
    ReadOptions,
    UnreadableFile,
    read_file,
)
from negoprep.reading.sanitise import one_line, repair_mojibake

BRIEF_NAMES = ("case.yaml", "case.yml", "case.toml")
EVAL_NAMES = ("expect.yaml", "expect.yml", "rehearsal-eval.yaml", "rehearsal-eval.yml")
"""Files of `negoprep eval` beside the brief (what a good dossier and rehearsal must show):
about the case, never case documents."""
IGNORED_DIRS = {"cassettes", "runs", "__pycache__", "node_modules"}
RUN_MARKERS = (".negoprep-run", "dossier.json")
"""A folder holding one of these is a negoprep run (an output), never case documents."""
MAX_PASSAGE_CHARS = 1500


class CaseError(Exception):
    """The case cannot be used; the message names the file or folder and the problem."""


def _load_brief(path: Path) -> CaseBrief:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f"{path}: cannot read the case brief ({exc})") from exc
    data: Any
    try:
        data = tomllib.loads(raw) if path.suffix == ".toml" else yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise CaseError(f"{path}{where}: the case brief is not valid YAML") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"{path}: the case brief is not valid TOML ({exc})") from exc
    if data is None:
        return CaseBrief()
    if not isinstance(data, dict):
        raise CaseError(f"{path}: the case brief must be a mapping of keys to values")
    unknown = sorted(set(data) - set(CaseBrief.model_fields))
    if unknown:
        allowed = ", ".join(CaseBrief.model_fields)
        raise CaseError(f"{path}: unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
    try:
        return CaseBrief.model_validate({k: None if v is None else str(v) for k, v in data.items()})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(x) for x in error["loc"])
        cause = error.get("ctx", {}).get("error")
        message = str(cause) if isinstance(cause, UnknownLanguage) else error["msg"]
        raise CaseError(f"{path}: {field}: {message}") from exc


def validate_language(value: str | None, source: str) -> None:
    """Refuse a language (from `source`: "--language", an environment variable) that is not a
    known language name or code: it reaches system messages. Raises `CaseError`."""
    if value is None:
        return
    try:
        language_name(value)
    except UnknownLanguage as exc:
        raise CaseError(f"{source}: {exc}") from exc


def is_run_folder(folder: Path) -> bool:
    """True when `folder` holds a negoprep run (an output folder), not case documents."""
    return any((folder / marker).exists() for marker in RUN_MARKERS)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Every case file under `root` with None, and every skipped link with the reason."""
    real_root = root.resolve()
    seen: set[Path] = {real_root}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                target = path.resolve()
                if not target.exists():
                    yield path, "a broken symbolic link; not read"
                    continue
                if not _inside(target, real_root):
                    what = "folder" if target.is_dir() else "file"
                    yield path, f"a symbolic link to a {what} outside the case folder; not followed"
                    continue
            if entry.is_dir():
                real = path.resolve()
                top = folder == root and entry.name in IGNORED_DIRS
                if top or entry.name in ("__pycache__", "node_modules") or is_run_folder(path):
                    continue
                if real in seen:
                    yield path, "a symbolic link to a folder that is already read; not followed"
                    continue
                seen.add(real)
                stack.append(path)
            elif entry.is_file() and not (
                folder == root and entry.name in (*BRIEF_NAMES, *EVAL_NAMES)
            ):
                yield path, None


def _split_long(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Split an over-long block at sentence or line ends into pieces of at most `limit` chars."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in re.split(r"(?<=[.!?])\s+|\n+", text):
        while len(unit) > limit:  # a single unit longer than the limit: hard split
            if current:
                pieces.append(current)
                current = ""
            pieces.append(unit[:limit])
            unit = unit[limit:]
        if current and len(current) + 1 + len(unit) > limit:
            pieces.append(current)
            current = unit
        else:
            current = f"{current} {unit}".strip() if current else unit
    if current:
        pieces.append(current)
    return [p for p in (piece.strip() for piece in pieces) if p]


def _passages(doc_id: str, raw: RawDocument) -> tuple[list[Passage], int]:
    """The passages of a document, and how many had their mojibake repaired."""
    out: list[Passage] = []
    counters: dict[int | None, int] = {}
    repaired = 0
    for block in raw.blocks:
        text = block.text.strip()
        fixed = repair_mojibake(text)
        if fixed != text:
            repaired += 1
            text = fixed
        if not text:
            continue
        for piece in _split_long(text):
            n = counters[block.page] = counters.get(block.page, 0) + 1
            if block.page is None:
                pid, locator = f"{doc_id}.P{n}", f"paragraph {n}"
            else:
                pid, locator = f"{doc_id}.p{block.page}.P{n}", f"page {block.page}, paragraph {n}"
            out.append(
                Passage(
                    id=pid,
                    doc_id=doc_id,
                    text=piece,
                    locator=locator,
                    kind=block.kind,
                    ocr=block.ocr,
                )
            )
    return out, repaired


def _add_document(
    doc_id: str, label: str, raw: RawDocument, docs: list[DocumentInfo], passages: list[Passage]
) -> None:
    own, repaired = _passages(doc_id, raw)
    problems = [one_line(p, 600) for p in raw.warnings]
    if repaired:
        problems.append(
            f"garbled characters (text decoded with the wrong charset, such as 'Ã¸' for 'ø') "
            f"repaired in {repaired} paragraph(s); check the figures and names there"
        )
    status = "read with warnings" if problems else "read"
    if not own and not raw.attachments:
        status, problems = "unreadable", [*problems, "no text found"]
    metadata = {one_line(k): one_line(v) for k, v in raw.metadata.items()}
    ocr_pages = sorted({p.locator.split(",")[0] for p in own if p.ocr})
    if ocr_pages:
        metadata["read by OCR"] = (
            ", ".join(ocr_pages) if own[0].locator.startswith("page") else "yes"
        )
    docs.append(
        DocumentInfo(
            id=doc_id,
            path=label,
            format=raw.format,
            status=status,
            problems=problems,
            passages=len(own),
            chars=sum(len(p.text) for p in own),
            metadata=metadata,
        )
    )
    passages.extend(own)
    for i, attachment in enumerate(raw.attachments, start=1):
        child = f"{label} > {one_line(attachment.name, 200)}"
        _add_document(f"{doc_id}.a{i}", child, attachment, docs, passages)


def read_options(brief: CaseBrief | None, language: str | None = None) -> ReadOptions:
    """How to read the case: OCR in the case's language (`language`, else the brief's) and
    English; in every installed language when neither names one."""
    chosen = language or (brief.language if brief else None)
    if not chosen:
        return ReadOptions()
    name = language_name(chosen)
    codes = [code for code, known in LANGUAGE_NAMES.items() if known == name]
    packs = [pack for pack in (pack_for(code) for code in codes or [chosen]) if pack]
    return ReadOptions(ocr_languages=tuple(packs)) if packs else ReadOptions()


def load_case(root: Path, language: str | None = None) -> Case:
    """Read the case folder `root` (see the module doc) into a `Case` with its passages.

    `language` (--language, validated) is the case's language for OCR when given. Raises
    `CaseError` (naming the file or folder) for a missing folder, a broken brief, or a case
    with no usable document; every other problem is reported in the documents' statuses.
    """
    if not root.exists():
        raise CaseError(f"case folder not found: {root}")
    if not root.is_dir():
        raise CaseError(f"{root}: not a folder (give the folder that holds the case documents)")
    briefs = [root / n for n in BRIEF_NAMES if (root / n).is_file()]
    if len(briefs) > 1:
        names = " and ".join(b.name for b in briefs)
        raise CaseError(f"{root}: two briefs, {names}: keep one (which one is meant is unclear)")
    brief_file = briefs[0] if briefs else None
    brief = _load_brief(brief_file) if brief_file else None
    options = read_options(brief, language)
    docs: list[DocumentInfo] = []
    passages: list[Passage] = []
    sources = {brief_file.name: _sha256(brief_file)} if brief_file else {}
    found = sorted(_walk(root), key=lambda item: item[0].relative_to(root).parts)
    number = 0
    for path, skip_reason in found:
        rel = one_line(path.relative_to(root).as_posix())
        if skip_reason is None:
            with contextlib.suppress(OSError):  # an unopenable file is reported below
                sources[rel] = _sha256(path)
        if skip_reason is not None:
            docs.append(
                DocumentInfo(
                    id=None, path=rel, format="?", status="skipped", problems=[skip_reason]
                )
            )
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            reason = f"unsupported file type '{one_line(path.suffix) or '(none)'}'"
            docs.append(
                DocumentInfo(id=None, path=rel, format="?", status="skipped", problems=[reason])
            )
            continue
        number += 1
        doc_id = f"D{number}"
        try:
            raw = read_file(path, options)
        except UnreadableFile as exc:
            fmt = path.suffix.lower().lstrip(".")
            docs.append(
                DocumentInfo(
                    id=doc_id,
                    path=rel,
                    format=fmt,
                    status="unreadable",
                    problems=[one_line(str(exc), 600)],
                )
            )
            continue
        _add_document(doc_id, rel, raw, docs, passages)
    if not docs:
        raise CaseError(
            f"{root}: the case folder has no documents (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"
        )
    if not passages:
        details = "; ".join(f"{d.path}: {', '.join(d.problems)}" for d in docs)
        raise CaseError(f"{root}: no usable document in the case folder ({details})")
    warnings = [f"{d.path}: {p}" for d in docs for p in d.problems]
    case = Case(
        root=str(root),
        name=root.resolve().name,
        brief=brief,
        brief_file=brief_file.name if brief_file else None,
        documents=docs,
        passages=passages,
        warnings=warnings,
        sources=sources,
    )
    return annotate(case)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def changed_sources(before: Case, after: Case) -> list[str]:
    """What differs between two readings of a case folder, one line per file.

    Returns e.g. `["changed: 02-claim.pdf", "new: 06-notes.txt", "removed: old.txt"]` (empty when
    every file has the same content hash), comparing `Case.sources` (path -> SHA-256).
    """
    old, new = before.sources, after.sources
    lines = [f"changed: {p}" for p in new if p in old and old[p] != new[p]]
    lines += [f"new: {p}" for p in new if p not in old]
    lines += [f"removed: {p}" for p in old if p not in new]
    return lines
