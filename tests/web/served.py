"""The web app in a thread on a free port, for the browser and HTTP tests (helpers; the
fixtures are in this folder's conftest.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from negoprep.app import settings as settings_mod
from negoprep.web.security import UploadLimits
from negoprep.web.state import WebConfig

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
"""Screenshots of the main pages, kept as test artefacts (git-ignored)."""


@dataclass
class Served:
    """A running server: its base URL and folders."""

    url: str
    data_dir: Path
    runs_dir: Path


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_app(tmp: Path, **config: object) -> tuple[object, WebConfig]:
    """The app on folders under `tmp`, with the given web settings."""
    from negoprep.web.app import create_app

    settings = replace(settings_mod.from_env(), runs_dir=tmp / "runs")
    base = WebConfig(data_dir=tmp / "data", limits=UploadLimits(max_files=20, max_bytes=2_000_000))
    web_config = replace(base, **config)  # type: ignore[arg-type]
    return create_app(web_config, settings), web_config


def serve(tmp_path: Path) -> Iterator[Served]:
    """The app served by uvicorn on 127.0.0.1 in a thread; stopped after the test."""
    import uvicorn

    port = free_port()
    app, config = make_app(tmp_path, port=port)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while thread.is_alive() and not server.started:
        started.wait(0.05)
    assert server.started, "the server did not start"
    yield Served(f"http://127.0.0.1:{port}", config.data_dir, tmp_path / "runs")
    server.should_exit = True
    thread.join(timeout=30)
