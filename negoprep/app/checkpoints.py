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

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from negoprep.agents.base import CallRecord
from negoprep.agents.registry import all_agents
from negoprep.reading.case import Case

DB_FILE = "checkpoints.sqlite"


def serializer() -> JsonPlusSerializer:
    """A serializer that rebuilds our state's types and no others."""
    types: list[type] = [Case, CallRecord]
    for agent in all_agents():
        types.extend(agent.schemas)
    allowed = [(t.__module__, t.__name__) for t in types]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


def _private_file(path: Path) -> None:
    """Create `path` readable by the owner only (SQLite gives its journal files the same mode)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


@asynccontextmanager
async def open_checkpointer(
    run_dir: Path, database_url: str | None = None
) -> AsyncIterator[BaseCheckpointSaver[str]]:
    """The checkpointer for a run folder: PostgreSQL when `database_url` is set, else SQLite.

    Raises `psycopg.OperationalError` when the database cannot be reached (the caller names it).
    """
    if database_url:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(database_url, serde=serializer()) as saver:
            await saver.setup()
            yield saver
        return
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = run_dir / DB_FILE
    _private_file(path)
    async with aiosqlite.connect(str(path)) as conn:
        yield AsyncSqliteSaver(conn, serde=serializer())
