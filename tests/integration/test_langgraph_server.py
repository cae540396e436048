"""The graphs as the LangGraph server serves them: `langgraph dev` (in-memory runtime) on a free
port, driven over HTTP with langgraph-sdk, on the example case's recorded responses.

Checks the API clients rely on: the schemas endpoint of both graphs; a preparation run with input
`{"case_dir": ...}` and context `{"replay": ...}` whose final state has `dossier` and
`dossier_md`; a second pass on the same thread, which makes the server's checkpointer rebuild our
pydantic types (no warning, nothing blocked, no model call again); and a rehearsal turn through
the graph's `interrupt()`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from factories import focused_calls

from negoprep.app.rehearsal import load_setup
from negoprep.cli.main import main

FOCUSED = ("extractor", "challenger", "counterpart")
REPO = Path(__file__).resolve().parents[2]
CASE = REPO / "cases" / "supplier-claim"
CASSETTES = CASE / "cassettes"
LANGGRAPH = Path(sys.executable).with_name("langgraph")
WAIT = 120.0
"""Seconds any one request (a whole run included) may take."""


@dataclass
class Server:
    url: str
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`langgraph dev` serving this repository's langgraph.json from a copy of its config, with
    its working files (.langgraph_api/) in a temporary folder; stopped at the end."""
    if not LANGGRAPH.is_file():
        pytest.fail(f"{LANGGRAPH} is missing: install the dev extras (langgraph-cli[inmem])")
    work = tmp_path_factory.mktemp("server")
    (work / "langgraph.json").write_text(
        (REPO / "langgraph.json").read_text().replace('"./negoprep/', f'"{REPO}/negoprep/')
    )
    with socket.socket() as probe:  # a port nobody listens on (the server would move)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "NEGOPREP_", "LANGSMITH_", "LANGCHAIN_"))
    }
    env["LANGSMITH_TRACING"] = "false"
    flags = ["--port", str(port), "--config", str(work / "langgraph.json")]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--allow-blocking", *flags],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while not _answers(url):
            assert proc.poll() is None, f"langgraph dev exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no answer on {url}:\n{log.read_text()[-3000:]}"
            time.sleep(0.3)
        assert "already in use" not in log.read_text(), "the server moved to another port"
        yield Server(url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, WAIT))


async def _assistant(url: str, graph: str) -> str:
    from langgraph_sdk import get_client

    found = await get_client(url=url).assistants.search(graph_id=graph)
    assert found, f"the server has no assistant for the graph {graph!r}"
    return str(found[0]["assistant_id"])


def test_schemas_of_both_graphs_answer(server: Server) -> None:
    from langgraph_sdk import get_client

    async def schemas(graph: str) -> dict[str, Any]:
        client = get_client(url=server.url)
        return dict(await client.assistants.get_schemas(await _assistant(server.url, graph)))

    prep, rehearsal = run(schemas("preparation")), run(schemas("rehearsal"))
    assert set(prep["input_schema"]["properties"]) == {"case_dir", "redo"}
    assert prep["input_schema"]["required"] == ["case_dir"]
    assert set(prep["output_schema"]["properties"]) == {"dossier", "dossier_md"}
    assert {"replay", "record", "model", "language", "review"} <= set(
        prep["context_schema"]["properties"]
    )
    assert prep["state_schema"] is not None
    assert "setup" in rehearsal["input_schema"]["properties"]
    assert {"replay", "verbatim_exchanges"} <= set(rehearsal["context_schema"]["properties"])
    assert "Failed to get" not in server.text(), "every schema was generated"


def test_preparation_runs_on_replay_and_a_second_pass_rebuilds_the_state(server: Server) -> None:
    from langgraph_sdk import get_client

    async def twice() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        client = get_client(url=server.url)
        thread = await client.threads.create()
        args: dict[str, Any] = {
            "input": {"case_dir": str(CASE)},
            "context": {"replay": str(CASSETTES)},
        }
        first = await client.runs.wait(thread["thread_id"], "preparation", **args)
        second = await client.runs.wait(thread["thread_id"], "preparation", **args)
        state = await client.threads.get_state(thread["thread_id"])
        return dict(first), dict(second), dict(state["values"])

    first, second, values = run(twice())
    assert set(first) == {"dossier", "dossier_md"}
    assert first["dossier"]["status"] == "complete"
    assert first["dossier_md"].startswith("# Preparation dossier: ")
    # The focused calls of three agents, and the synthesis.
    assert len(first["dossier"]["calls"]) == len(focused_calls(*FOCUSED)) + 1
    assert second["dossier"]["status"] == "complete"
    assert second["dossier"]["calls"] == first["dossier"]["calls"], (
        "the second pass rebuilt the checkpointed outputs and asked no model again"
    )
    assert values["profile"]["summary"], "the thread's state holds the deal profile"
    log = server.text()
    assert "Deserializing unregistered type" not in log
    assert "Blocked deserialization" not in log
    assert "Traceback" not in log


def test_a_rehearsal_turn_through_the_server(server: Server, tmp_path: Path) -> None:
    from langgraph_sdk import get_client
    from langgraph_sdk.schema import Command

    run_dir = tmp_path / "run"
    assert main(["prepare", str(CASE), "--replay", "--out", str(run_dir), "-q"]) == 0
    setup = load_setup(run_dir, "server")
    script = (CASSETTES / "rehearsal-script.txt").read_text()
    from negoprep.cli.chat import parse_script

    first_turn = parse_script(script)[0]

    async def one_turn() -> tuple[dict[str, Any], dict[str, Any]]:
        client = get_client(url=server.url)
        thread = await client.threads.create()
        context = {"replay": str(CASSETTES)}
        waiting = await client.runs.wait(
            thread["thread_id"], "rehearsal", input={"setup": setup}, context=context
        )
        after = await client.runs.wait(
            thread["thread_id"],
            "rehearsal",
            command=Command(resume=first_turn),
            context=context,
        )
        return dict(waiting), dict(after)

    waiting, after = run(one_turn())
    assert waiting["__interrupt__"][0]["value"] == {"session": "server", "turn": 1}
    (exchange,) = after["exchanges"]
    assert exchange["user"] == first_turn and exchange["reply"]
    assert after["__interrupt__"][0]["value"]["turn"] == 2
    assert not after.get("error")
