"""The cases the web app knows: the example cases and the cases created in it.

A case made in the app is a folder `<data>/cases/<slug>/` holding its documents and `case.yaml`.
Documents come from an upload (several files, or a zip) or from a folder on disk, which is
copied: the app writes only inside its data folder. Every incoming file passes the rules of
`negoprep.web.security`: a safe name, the limits, and content that matches the name.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from negoprep.reading.case import CaseBrief
from negoprep.reading.ingest import BRIEF_NAMES, EVAL_NAMES, IGNORED_DIRS
from negoprep.reading.readers import SUPPORTED_SUFFIXES
from negoprep.reading.readers.registry import content_matches
from negoprep.reading.readers.sniff import describe, sniff
from negoprep.web.security import (
    ZIP_MAX_RATIO,
    SecurityError,
    UploadLimits,
    inside,
    safe_filename,
)

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "cases"
"""The example cases shipped in the repository (`cases/`)."""
BRIEF_FIELDS = ("title", "our_side", "counterpart", "goal", "language", "notes")
_TEXT_SUFFIXES = {".txt", ".md", ".log", ".csv", ".html", ".htm", ".eml"}


class UploadError(SecurityError):
    """An upload is refused; the message names the file and the problem."""


@dataclass
class CaseEntry:
    """A case as listed: its id (used in URLs), folder, title and whether it is an example."""

    id: str
    path: Path
    title: str
    example: bool


def slugify(text: str) -> str:
    """A lower-case folder name from a title: letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", safe_filename(text or "case").lower()).strip("-")
    return slug[:60] or "case"


def read_brief(case_dir: Path) -> CaseBrief | None:
    """The case's brief (case.yaml), or None when there is none or it cannot be read."""
    for name in BRIEF_NAMES[:2]:
        path = case_dir / name
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                return CaseBrief.model_validate(data) if isinstance(data, dict) else None
            except (OSError, ValueError, yaml.YAMLError):
                return None
    return None


def write_brief(case_dir: Path, fields: dict[str, str]) -> CaseBrief:
    """Write case.yaml from the form's fields (empty ones left out)."""
    data = {k: fields[k].strip() for k in BRIEF_FIELDS if (fields.get(k) or "").strip()}
    brief = CaseBrief.model_validate(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    (case_dir / "case.yaml").write_text(text, encoding="utf-8")
    return brief


class CaseStore:
    """The example cases and the cases under `<data_dir>/cases/`."""

    def __init__(self, data_dir: Path, limits: UploadLimits, examples: Path = EXAMPLES_DIR):
        self.data_dir = data_dir
        self.cases_dir = data_dir / "cases"
        self.limits = limits
        self.examples = examples

    def entries(self) -> list[CaseEntry]:
        """Examples first, then the app's cases, newest first."""
        found: list[CaseEntry] = []
        if self.examples.is_dir():
            for path in sorted(p for p in self.examples.iterdir() if p.is_dir()):
                found.append(self._entry(f"example-{path.name}", path, example=True))
        if self.cases_dir.is_dir():
            own = sorted(self.cases_dir.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
            found += [self._entry(p.name, p, example=False) for p in own if p.is_dir()]
        return found

    def _entry(self, case_id: str, path: Path, *, example: bool) -> CaseEntry:
        brief = read_brief(path)
        return CaseEntry(case_id, path, (brief.title if brief else None) or path.name, example)

    def get(self, case_id: str) -> CaseEntry:
        """The case with this id; `KeyError` when there is none."""
        for entry in self.entries():
            if entry.id == case_id:
                return entry
        raise KeyError(case_id)

    def find_by_path(self, path: Path) -> CaseEntry | None:
        """The case whose folder is `path` (to link a run to its case)."""
        target = path.resolve()
        return next((e for e in self.entries() if e.path.resolve() == target), None)

    def new_case(self, title: str) -> Path:
        """A new, empty case folder under the data folder, named after the title."""
        self.cases_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        base = slugify(title)
        name, n = base, 1
        while (self.cases_dir / name).exists():
            n += 1
            name = f"{base}-{n}"
        folder = inside(self.cases_dir, name)
        folder.mkdir(mode=0o700)
        return folder

    def add_files(self, case_dir: Path, files: list[tuple[str, bytes]]) -> list[str]:
        """Check and write uploaded files (a zip is unpacked); returns the names written.

        Raises `UploadError` naming the first file that breaks a rule; nothing is written then.
        """
        checked: list[tuple[str, bytes]] = []
        for name, data in files:
            if name.lower().endswith(".zip"):
                checked += self._unzip(name, data)
            else:
                checked.append(self._check(name, data))
        self._check_limits(case_dir, checked)
        written = []
        for rel, data in checked:
            target = inside(case_dir, *rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.write_bytes(data)
            written.append(rel)
        return written

    def import_folder(self, case_dir: Path, source: Path) -> list[str]:
        """Copy the case documents of a folder on disk into `case_dir`, with the upload rules."""
        if not source.is_dir():
            raise UploadError(f"{source}: not a folder on this machine")
        files: list[tuple[str, bytes]] = []
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if not path.is_file() or any(p.startswith(".") for p in rel.parts):
                continue
            if rel.parts[0] in IGNORED_DIRS:
                continue
            if len(files) >= self.limits.max_files:
                raise UploadError(f"{source}: more than {self.limits.max_files} files")
            files.append((rel.as_posix(), path.read_bytes()))
        if not files:
            raise UploadError(f"{source}: no files in this folder")
        return self.add_files(case_dir, files)

    def _check_limits(self, case_dir: Path, files: list[tuple[str, bytes]]) -> None:
        present = [p for p in case_dir.rglob("*") if p.is_file()]
        count = len(files) + len(present)
        size = sum(len(d) for _, d in files) + sum(p.stat().st_size for p in present)
        if count > self.limits.max_files:
            raise UploadError(f"too many files: {count} (at most {self.limits.max_files})")
        if size > self.limits.max_bytes:
            mb = self.limits.max_bytes / 1024 / 1024
            raise UploadError(
                f"too large: {size / 1024 / 1024:.1f} MB in all (at most {mb:.0f} MB)"
            )

    def _check(self, name: str, data: bytes, folder: str = "") -> tuple[str, bytes]:
        """(safe relative name, data) when the content is what the name says."""
        parts = [safe_filename(p) for p in folder.split("/") if p and p not in (".", "..")]
        base = safe_filename(name)
        suffix = Path(base).suffix.lower()
        if base.lower() in (*BRIEF_NAMES[:2], *EVAL_NAMES) and not parts:
            what = "case brief" if base.lower() in BRIEF_NAMES else "evaluation file"
            try:
                yaml.safe_load(data.decode("utf-8"))
            except (UnicodeDecodeError, yaml.YAMLError) as exc:
                raise UploadError(f"{name}: not a readable {what} ({exc})") from exc
            return base, data
        if suffix not in SUPPORTED_SUFFIXES:
            readable = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise UploadError(
                f"{name}: file type '{suffix or '(none)'}' cannot be read ({readable}, or a .zip)"
            )
        if len(data) == 0:
            raise UploadError(f"{name}: the file is empty")
        if not content_matches(suffix, sniff(data)):
            raise UploadError(f"{name}: the name says {suffix} but the content is {describe(data)}")
        return "/".join([*parts, base]), data

    def _unzip(self, name: str, data: bytes) -> list[tuple[str, bytes]]:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise UploadError(f"{name}: not a readable zip archive") from exc
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > self.limits.max_files:
            raise UploadError(f"{name}: more than {self.limits.max_files} files in the archive")
        if sum(m.file_size for m in members) > self.limits.max_bytes:
            raise UploadError(f"{name}: unpacks to more than the size limit")
        top = {m.filename.split("/")[0] for m in members}
        strip = len(top) == 1 and all("/" in m.filename for m in members)
        out = []
        for member in members:
            path = member.filename.split("/", 1)[1] if strip else member.filename
            parts = [p for p in re.split(r"[\\/]", path) if p]
            if any(p.startswith(".") or p == "__MACOSX" for p in parts) or not parts:
                continue
            if parts[0] in IGNORED_DIRS:
                continue
            if member.compress_size and member.file_size / member.compress_size > ZIP_MAX_RATIO:
                raise UploadError(
                    f"{name} > {member.filename}: compressed suspiciously well, refused"
                )
            out.append(self._check(parts[-1], archive.read(member), "/".join(parts[:-1])))
        if not out:
            raise UploadError(f"{name}: no case documents in the archive")
        return out
