"""Checkpoint backends for the integration tests: the embedded SQLite default and PostgreSQL.

PostgreSQL comes from `NEGOPREP_TEST_DATABASE_URL` (CI starts a cluster and exports it), or from
a private cluster this session starts when the server binaries are installed (as the `postgres`
user when the tests run as root: root cannot run postgres). Each test gets a database of its own.
When neither is possible the PostgreSQL tests are skipped locally, and fail under CI (`CI=true`),
so CI never silently skips them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

GIVEN_URL = os.environ.get("NEGOPREP_TEST_DATABASE_URL", "").strip()
"""Read at import: the shared fixtures remove every NEGOPREP_ variable from each test's env."""
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 with nothing listening (for servers, or to refuse connections)."""
    return free_port()


def _postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: float(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres(argv: list[str]) -> list[str]:
    """Run `argv` as the postgres user when we are root (postgres refuses to run as root)."""
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root and there is no runuser to become postgres")
    return [runuser, "-u", "postgres", "--", *argv]


class Cluster:
    """A private PostgreSQL cluster: trust auth on 127.0.0.1, fsync off, stopped at the end."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="negoprep-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.data, self.sock = self.root / "data", self.root / "sock"

    def run(self, *argv: str) -> None:
        subprocess.run(_as_postgres(list(argv)), check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self.run("mkdir", "-p", str(self.sock))
        self.run(
            str(self.bin / "initdb"),
            *("-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync"),
        )
        self.run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "-o",
            f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the cluster if it runs, and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL is not available: {reason}"
    if UNDER_CI:
        pytest.fail(message + " (CI must run the PostgreSQL tests; see .ci/run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests may create databases on."""
    if GIVEN_URL:
        yield GIVEN_URL
        return
    bin_dir = _postgres_bin()
    if bin_dir is None:
        _unavailable("no NEGOPREP_TEST_DATABASE_URL and no PostgreSQL server binaries")
    assert bin_dir is not None
    cluster = Cluster(bin_dir)
    try:
        url = cluster.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        cluster.stop()
        _unavailable(f"a private cluster did not start ({exc} {detail.decode(errors='replace')})")
        return
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped after the test."""
    import psycopg

    name = f"negoprep_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Backend = dict[str, str]
"""Environment variables that select a checkpoint backend ({} for the SQLite default)."""


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test using it runs on the SQLite default and on PostgreSQL."""
    if request.param == "sqlite":
        return {}
    url: str = request.getfixturevalue("postgres_url")
    return {"NEGOPREP_DATABASE_URL": url}


def count_writes(backend: Backend, run_dir: Path, channel: str) -> int:
    """How many pending writes to `channel` the checkpointer of `run_dir` has saved."""
    url = backend.get("NEGOPREP_DATABASE_URL")
    query = "SELECT count(*) FROM {} WHERE channel = %s"
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            try:
                row = conn.execute(query.format("checkpoint_writes"), (channel,)).fetchone()
            except psycopg.errors.UndefinedTable:  # setup() has not run yet
                return 0
        return int(row[0]) if row else 0
    import sqlite3

    db = run_dir / "checkpoints.sqlite"
    if not db.is_file():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute(query.format("writes").replace("%s", "?"), (channel,))
        except sqlite3.OperationalError:  # the tables are not there yet
            return 0
        return int(rows.fetchone()[0])


@pytest.fixture
def writes_of(backend: Backend) -> Callable[[Path, str], int]:
    """`count_writes` bound to the test's backend."""
    return lambda run_dir, channel: count_writes(backend, run_dir, channel)
