"""Read a case folder into a `Case`: the brief, every document, and citable passages.

Bad input never stops the run while something usable is left: each unusable file is reported
with its name and the reason, and the rest is used. Only a missing folder, a broken brief or a
case with no usable document at all is an error (`CaseError`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from negoprep.reading.case import Case, CaseBrief, DocumentInfo, Passage
from negoprep.reading.language import annotate
from negoprep.reading.readers import SUPPORTED_SUFFIXES, RawDocument, UnreadableFile, read_file

BRIEF_NAMES = ("case.yaml", "case.yml", "case.toml")
IGNORED_DIRS = {"cassettes", "runs", "__pycache__", "node_modules"}
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
    except ValidationError as exc:  # pragma: no cover - every value is coerced to str above
        raise CaseError(f"{path}: {exc}") from exc


def _candidate_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if rel.parts[0] in IGNORED_DIRS or any(
            p in {"__pycache__", "node_modules"} for p in rel.parts
        ):
            continue
        if path.is_file() and not (len(rel.parts) == 1 and path.name in BRIEF_NAMES):
            files.append(path)
    return files


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


def _passages(doc_id: str, raw: RawDocument) -> list[Passage]:
    out: list[Passage] = []
    counters: dict[int | None, int] = {}
    for block in raw.blocks:
        text = block.text.strip()
        if not text:
            continue
        for piece in _split_long(text):
            n = counters[block.page] = counters.get(block.page, 0) + 1
            if block.page is None:
                pid, locator = f"{doc_id}.P{n}", f"paragraph {n}"
            else:
                pid, locator = f"{doc_id}.p{block.page}.P{n}", f"page {block.page}, paragraph {n}"
            out.append(Passage(id=pid, doc_id=doc_id, text=piece, locator=locator, kind=block.kind))
    return out


def _add_document(
    doc_id: str, label: str, raw: RawDocument, docs: list[DocumentInfo], passages: list[Passage]
) -> None:
    own = _passages(doc_id, raw)
    problems = list(raw.warnings)
    status = "read with warnings" if problems else "read"
    if not own and not raw.attachments:
        status, problems = "unreadable", [*problems, "no text found"]
    docs.append(
        DocumentInfo(
            id=doc_id,
            path=label,
            format=raw.format,
            status=status,
            problems=problems,
            passages=len(own),
            chars=sum(len(p.text) for p in own),
            metadata=raw.metadata,
        )
    )
    passages.extend(own)
    for i, attachment in enumerate(raw.attachments, start=1):
        _add_document(f"{doc_id}.a{i}", f"{label} > {attachment.name}", attachment, docs, passages)


def load_case(root: Path) -> Case:
    if not root.exists():
        raise CaseError(f"case folder not found: {root}")
    if not root.is_dir():
        raise CaseError(f"{root}: not a folder (give the folder that holds the case documents)")
    brief_file = next((root / n for n in BRIEF_NAMES if (root / n).is_file()), None)
    brief = _load_brief(brief_file) if brief_file else None
    docs: list[DocumentInfo] = []
    passages: list[Passage] = []
    sources = {brief_file.name: _sha256(brief_file)} if brief_file else {}
    number = 0
    for path in _candidate_files(root):
        rel = path.relative_to(root).as_posix()
        with contextlib.suppress(OSError):  # an unopenable file is reported below
            sources[rel] = _sha256(path)
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            reason = f"unsupported file type '{path.suffix or '(none)'}'"
            docs.append(
                DocumentInfo(id=None, path=rel, format="?", status="skipped", problems=[reason])
            )
            continue
        number += 1
        doc_id = f"D{number}"
        try:
            raw = read_file(path)
        except UnreadableFile as exc:
            fmt = path.suffix.lower().lstrip(".")
            docs.append(
                DocumentInfo(
                    id=doc_id, path=rel, format=fmt, status="unreadable", problems=[str(exc)]
                )
            )
            continue
        except OSError as exc:
            reason = f"cannot open the file ({exc.strerror or exc})"
            docs.append(
                DocumentInfo(
                    id=doc_id, path=rel, format="?", status="unreadable", problems=[reason]
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
