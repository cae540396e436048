"""The checkpointer every graph run is kept in: SQLite in the run folder, or PostgreSQL.

By default a run folder holds its own `checkpoints.sqlite` (created readable by the owner only),
so a run folder is complete on its own and can be moved. With `NEGOPREP_DATABASE_URL=
postgresql://...` every run's preparation and rehearsal threads go to that database instead
(langgraph-checkpoint-postgres), which a team's LangGraph server can share.

The serializer is told exactly which of our types it may rebuild from a checkpoint (LangGraph
warns about, and will refuse, unlisted types): the agents' output schemas from the agent table,
the case, and the call records.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from negoprep.agents.base import CallRecord
from negoprep.agents.registry import all_agents
from negoprep.errors import UserError
from negoprep.reading.case import Case

DB_FILE = "checkpoints.sqlite"
CONNECT_TIMEOUT = 10
"""Seconds to wait for the checkpoint database to answer a connection."""


def allowed_types() -> set[tuple[str, str]]:
    """(module, class name) of every type of ours a checkpoint may hold: the case, the call
    records and every agent's output schemas (registered additional agents included)."""
    types: list[type] = [Case, CallRecord]
    for agent in all_agents():
        types.extend(agent.schemas)
    return {(t.__module__, t.__name__) for t in types}


def serializer() -> JsonPlusSerializer:
    """A serializer that rebuilds our state's types and no others."""
    return JsonPlusSerializer(allowed_msgpack_modules=sorted(allowed_types()))


def _private_file(path: Path) -> None:
    """Create `path` readable by the owner only (SQLite gives its journal files the same mode)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class DatabaseError(UserError):
    """The checkpoint database (NEGOPREP_DATABASE_URL) cannot be used; the message names its
    URL without the password."""


def redact(url: str) -> str:
    """`url` without its password (in the user part or a `password=` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user = parts.username or ""
        netloc = f"{user}@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(
        f"{k}=***" if k == "password" else f"{k}={v}" for k, v in parse_qsl(parts.query)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _database_error(url: str, exc: Exception) -> DatabaseError:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    password = urlsplit(url).password
    if password:
        reason = reason.replace(password, "***")
    return DatabaseError(
        f"NEGOPREP_DATABASE_URL={redact(url)}: cannot use the checkpoint database ({reason}). "
        "Start the database or fix the URL, or unset NEGOPREP_DATABASE_URL to keep checkpoints "
        "in the run folder"
    )


def check_database(url: str | None) -> None:
    """Connect to the checkpoint database once, before anything is written or a model called.

    Raises `DatabaseError` (one line, the URL without its password) when it cannot be reached.
    """
    if not url:
        return
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
    except psycopg.Error as exc:
        raise _database_error(url, exc) from None


@asynccontextmanager
async def _postgres(url: str) -> AsyncIterator[BaseCheckpointSaver[str]]:
    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row

    try:  # what AsyncPostgresSaver.from_conn_string does, with the errors named
        conn = await psycopg.AsyncConnection.connect(
            url,
            autocommit=True,  # setup() creates indexes concurrently: no transaction around it
            prepare_threshold=0,
            row_factory=dict_row,
            connect_timeout=CONNECT_TIMEOUT,
        )
    except psycopg.Error as exc:
        raise _database_error(url, exc) from None
    async with conn:
        saver = AsyncPostgresSaver(conn, serde=serializer())
        try:
            await saver.setup()
        except psycopg.Error as exc:
            raise _database_error(url, exc) from None
        yield saver


@asynccontextmanager
async def open_checkpointer(
    run_dir: Path, database_url: str | None = None
) -> AsyncIterator[BaseCheckpointSaver[str]]:
    """The checkpointer for a run folder: PostgreSQL when `database_url` is set, else SQLite
    (`run_dir/checkpoints.sqlite`, owner-only).

    Raises `DatabaseError` when the database cannot be reached or set up.
    """
    if database_url:
        async with _postgres(database_url) as saver:
            yield saver
        return
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = run_dir / DB_FILE
    _private_file(path)
    async with aiosqlite.connect(str(path)) as conn:
        yield AsyncSqliteSaver(conn, serde=serializer())
