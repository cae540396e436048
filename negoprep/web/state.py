"""What every route shares: the web settings, the negoprep settings, the cases, the jobs.

Web settings come from the environment (and `.env`), like every other negoprep setting:
`NEGOPREP_DATA_DIR` (default `negoprep-data/`: the cases made in the app), `NEGOPREP_WEB_TOKEN`
(the access token; generated when the server binds a non-loopback address and none is set),
`NEGOPREP_UPLOAD_MAX_MB` (50) and `NEGOPREP_UPLOAD_MAX_FILES` (200). Runs are written where the
CLI writes them (`NEGOPREP_RUNS_DIR`, default `runs/`), so both see the same runs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from negoprep.app.settings import Settings, SettingsError
from negoprep.web.cases import EXAMPLES_DIR, CaseStore
from negoprep.web.jobs import Jobs
from negoprep.web.security import UploadLimits


@dataclass
class WebConfig:
    """How the server runs: address, folders, access token and upload limits."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("negoprep-data")
    token: str | None = None
    """Required on every request when set (always set off loopback)."""
    limits: UploadLimits = field(default_factory=UploadLimits)
    examples: Path = EXAMPLES_DIR


def _int(name: str, default: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise SettingsError(f"{name}={raw!r}: give a positive whole number")
    return int(raw)


def config_from_env(host: str, port: int) -> WebConfig:
    """Web settings from the environment (call `load_env_file` first). Raises `SettingsError`."""
    limits = UploadLimits(
        max_files=_int("NEGOPREP_UPLOAD_MAX_FILES", 200),
        max_bytes=_int("NEGOPREP_UPLOAD_MAX_MB", 50) * 1024 * 1024,
    )
    return WebConfig(
        host=host,
        port=port,
        data_dir=Path((os.environ.get("NEGOPREP_DATA_DIR") or "").strip() or "negoprep-data"),
        token=(os.environ.get("NEGOPREP_WEB_TOKEN") or "").strip() or None,
        limits=limits,
    )


@dataclass
class WebState:
    """The server's shared objects (one per app)."""

    config: WebConfig
    settings: Settings
    cases: CaseStore
    jobs: Jobs = field(default_factory=Jobs)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    """This server's CSRF token, in every page and required in every state-changing request."""
    run_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        return self.settings.runs_dir

    def run_lock(self, run: str) -> asyncio.Lock:
        """One rehearsal step at a time per run folder (the folder is held while it runs)."""
        return self.run_locks.setdefault(run, asyncio.Lock())
