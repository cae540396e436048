"""Where a run's answers come from: a live provider, or a cassette to replay, record or author.

One `AnswerSource` serves `prepare` and `rehearse` alike (and the web app and server entry): it
finds the cassette folder, reads the models a cassette was recorded with (replay sends the same
requests, so it must name the same models, whatever the user's `.env` says), makes the recorder,
describes itself for the dossier, and writes the cassette's manifest. The manifest has one
section per graph: `models` (the preparation's agents) and `rehearsal`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from negoprep.errors import UserError
from negoprep.files import write_json_atomic
from negoprep.llm.recorder import MANIFEST

if TYPE_CHECKING:
    from negoprep.llm.recorder import Recorder

Mode = Literal["live", "replay", "record", "author"]
ABOUT = (
    "Recorded LLM exchanges for negoprep. Each entry's 'source' says whether it was recorded "
    "from a live provider (and which model answered) or written by hand."
)


@dataclass
class AnswerSource:
    """A run's answer mode and cassette folder (None when live)."""

    mode: Mode = "live"
    cassette: Path | None = None
    _recorder: Recorder | None = field(default=None, repr=False)

    @classmethod
    def choose(
        cls,
        *,
        replay: str | None = None,
        record: str | None = None,
        author: str | None = None,
        case_dir: Path | None = None,
    ) -> AnswerSource:
        """From the flags: each is None (not given), '' (the case's `cassettes/`) or a folder.

        Raises `UserError` when two are given, or when '' is given without a case folder.
        """
        given: list[tuple[Mode, str | None]] = [
            ("replay", replay),
            ("record", record),
            ("author", author),
        ]
        chosen = [(m, v) for m, v in given if v is not None]
        if len(chosen) > 1:
            raise UserError(f"--{chosen[0][0]} and --{chosen[1][0]} cannot be used together")
        if not chosen:
            return cls()
        mode, value = chosen[0]
        if value:
            folder = Path(value)
        elif case_dir is not None:
            folder = case_dir / "cassettes"
        else:
            raise UserError(f"--{mode}: name the cassette folder (--{mode} DIR)")
        if mode == "replay" and not folder.is_dir():
            raise UserError(f"--replay: cassette folder not found: {folder}")
        return cls(mode, folder.resolve())

    def context_fields(self) -> dict[str, str | None]:
        """The graph context's answer fields for this source (`replay="/abs/cassettes"`)."""
        folder = None if self.cassette is None else str(self.cassette)
        return {m: (folder if m == self.mode else None) for m in ("replay", "record", "author")}

    @property
    def recorder(self) -> Recorder | None:
        """The recorder all models of the run share (None when live); made once."""
        if self.cassette is None or self.mode == "live":
            return None
        if self._recorder is None:
            from negoprep.llm.recorder import Recorder

            self._recorder = Recorder(self.mode, self.cassette)
        return self._recorder

    def recorded_models(
        self, sections: Iterable[str], agents: Iterable[str]
    ) -> dict[str, dict[str, Any]]:
        """Agent -> the request settings the cassette was recorded with (model, response format,
        output limit: `ModelConfig.request_shape`; later sections win); {} if unknown.

        Raises `UserError` naming the manifest when it cannot be read.
        """
        if self.mode != "replay" or self.cassette is None:
            return {}
        data = self._manifest()
        merged: dict[str, Any] = {}
        try:
            for section in sections:
                merged.update(data.get(section, {}))
            known = set(agents)
            return {a: {**m, "model": str(m["model"])} for a, m in merged.items() if a in known}
        except (TypeError, KeyError, AttributeError) as exc:
            raise UserError(
                f"{self.cassette / MANIFEST}: not a valid cassette manifest ({exc})"
            ) from exc

    def describe(self) -> str:
        """'live', or e.g. 'replay (cases/x/cassettes): hand-written responses, not a model's'."""
        if self.cassette is None:
            return self.mode
        text = f"{self.mode} ({self.cassette})"
        kinds = self._recorder.used_sources() if self._recorder and self.mode == "replay" else []
        if self.mode == "replay" and not kinds:  # nothing asked this time (a resumed run)
            recorded = self._manifest().get("source")
            kinds = [str(recorded)] if recorded in ("hand-written", "recorded") else []
        if kinds == ["hand-written"]:
            return (
                f"{text}: hand-written responses, not a model's (the model named is the one "
                "requested)"
            )
        if kinds:
            return f"{text}: {' and '.join(kinds)} responses"
        return text

    def write_manifest(self, section: str, models: Mapping[str, Mapping[str, Any]]) -> None:
        """After recording or authoring: note each agent's request settings (`models`: agent ->
        `ModelConfig.request_shape()`), so that a replay sends the very requests recorded.

        Other sections are kept (the preparation owns `models`, the rehearsal `rehearsal`).
        """
        if self.mode not in ("record", "author") or self.cassette is None:
            return
        data = self._manifest() if (self.cassette / MANIFEST).is_file() else {}
        data.setdefault("about", ABOUT)
        data["source"] = "hand-written" if self.mode == "author" else "recorded"
        data[section] = {a: dict(m) for a, m in models.items()}
        write_json_atomic(self.cassette / MANIFEST, data)

    def _manifest(self) -> dict[str, Any]:
        assert self.cassette is not None
        path = self.cassette / MANIFEST
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: not a valid cassette manifest ({exc})") from exc
        if not isinstance(data, dict):
            raise UserError(f"{path}: not a valid cassette manifest (not a JSON object)")
        return data
