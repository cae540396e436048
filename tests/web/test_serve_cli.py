"""`negoprep serve` as a user starts it: off loopback it prints an access token and refuses
requests without it; the log names method, path and status only (no token, no query)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from served import free_port


def test_serve_off_loopback_requires_the_printed_token(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEGOPREP_", "OPENAI_"))}
    env |= {
        "NEGOPREP_DATA_DIR": str(tmp_path / "data"),
        "NEGOPREP_RUNS_DIR": str(tmp_path / "runs"),
    }
    command = [sys.executable, "-m", "negoprep", "serve", "--host", "0.0.0.0", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()
        found = re.search(r"serving on (http://0\.0\.0\.0:\d+/)\?token=(\S+)", banner)
        assert found, banner
        token = found.group(2)
        assert "access token" in proc.stderr.readline()
        proc.stderr.readline()  # where cases and runs go
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, follow_redirects=False) as client:
            while True:  # wait until it listens (no time limit: the test's own timeout rules)
                try:
                    refused = client.get("/")
                    break
                except httpx.ConnectError:
                    if proc.poll() is not None:
                        raise AssertionError(proc.stderr.read()) from None
            assert refused.status_code == 401
            entry = client.get(f"/?token={token}")
            assert entry.status_code == 303
            assert client.get("/").status_code == 200  # the cookie it set
    finally:
        proc.terminate()
        _, log = proc.communicate(timeout=60)
    lines = [line for line in log.splitlines() if line.startswith("negoprep: GET")]
    assert lines == ["negoprep: GET / 401", "negoprep: GET / 303", "negoprep: GET / 200"]
    assert token not in log


def test_a_port_in_use_is_one_line_naming_it_and_the_way_out(tmp_path: Path) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:  # e.g. a local model server
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEGOPREP_", "OPENAI_"))}
        env |= {"NEGOPREP_DATA_DIR": str(tmp_path / "data")}
        done = subprocess.run(
            [sys.executable, "-m", "negoprep", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert f"--port {port + 1}" in done.stderr
    assert "serving on" not in done.stderr and "Traceback" not in done.stderr
