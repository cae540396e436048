"""Benchmark a live `prepare` over HTTP against a server that is as slow as a real one.

A local OpenAI-compatible server on 127.0.0.1 answers each request with the example case's
recorded response for it (looked up like the cassette recorder does), after waiting in
proportion to the reply's tokens: OUTPUT_TPS output tokens a second, and PROMPT_TPS prompt
tokens a second for the part of the prompt that is not a repeat of a prefix it has already
seen (a prompt cache: cached prefixes are free). negoprep runs unchanged, over real HTTP.

It reports the wall time at real speed (the scaled waits scaled back, plus negoprep's own
time, which is not scaled) against the critical path (the waits of calls that ran one after
another: the longest wait of each group of overlapping calls, summed), the calls, the tokens, the
largest output of one call, the output tokens on the critical path, and the share of prompt
tokens served from a shared prefix. To keep the run short the server waits SCALE times less
than it reports; the figures are scaled back. Usage:

    python scripts/bench_live.py                      # supplier-claim, 60 out/s, 2,000 in/s
    python scripts/bench_live.py --case kommune-arkivsystem --scale 20
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from negoprep.llm.recorder import Cassette, request_key  # noqa: E402

PASSAGE = re.compile(r"^\[[^\]\s]+\] ")
"""A line of case text in a prompt (each passage starts with its id)."""


@dataclass
class Served:
    call: str
    started: float
    ended: float
    prompt_tokens: int
    cached_tokens: int
    output_tokens: int
    wait: float
    uncached_case_chars: int = 0
    """Characters of case text (passage lines) in the part of the prompt not served from cache."""


@dataclass
class SlowServer:
    cassette: Cassette
    output_tps: float
    prompt_tps: float
    scale: float
    served: list[Served] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cached_chars(self, text: str) -> int:
        """The longest prefix of `text` that an earlier prompt shared (the prompt cache)."""
        best = 0
        for seen in self.prefixes:
            n = os.path.commonprefix([seen, text])  # noqa: RUF071 - characters, not paths
            best = max(best, len(n))
        return best

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        key = request_key("POST", path, body)
        entry = self.cassette.find(key)
        if entry is None:
            return 404, json.dumps({"error": {"message": f"no recording for {key}"}}).encode()
        response = entry.response["body"]
        usage = response.get("usage", {}) if isinstance(response, dict) else {}
        prompt = "\n".join(
            str(m.get("content", "")) for m in body.get("messages", []) if isinstance(m, dict)
        )
        with self.lock:
            cached_chars = self.cached_chars(prompt)
            self.prefixes.append(prompt)
        case_chars = sum(
            len(line) for line in prompt[cached_chars:].splitlines() if PASSAGE.match(line)
        )
        prompt_tokens = int(usage.get("prompt_tokens", 0))
        cached = min(prompt_tokens, int(prompt_tokens * cached_chars / max(1, len(prompt))))
        output = int(usage.get("completion_tokens", 0))
        wait = (prompt_tokens - cached) / self.prompt_tps + output / self.output_tps
        started = time.perf_counter()
        time.sleep(wait / self.scale)
        with self.lock:
            self.served.append(
                Served(
                    entry.call,
                    started,
                    time.perf_counter(),
                    prompt_tokens,
                    cached,
                    output,
                    wait,
                    case_chars,
                )
            )
        text = response if isinstance(response, str) else json.dumps(response)
        return 200, text.encode()


class Answers(Protocol):
    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]: ...


def serve(server: Answers) -> ThreadingHTTPServer:
    """An OpenAI-compatible server on 127.0.0.1 (a free port) that `server` answers; in a
    thread of its own. Also used by scripts/bench_batch.py."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status, payload = server.answer(self.path, body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    http.daemon_threads = True
    http.request_queue_size = 128  # bursts of parallel calls are not refused
    threading.Thread(target=http.serve_forever, daemon=True).start()
    return http


def critical_path(served: list[Served]) -> tuple[float, int]:
    """(seconds, output tokens) along the chain of calls that ran one after another."""
    groups: list[list[Served]] = []
    for s in sorted(served, key=lambda s: s.started):
        if groups and s.started < max(g.ended for g in groups[-1]):
            groups[-1].append(s)
        else:
            groups.append([s])
    longest = [max(g, key=lambda s: s.wait) for g in groups]
    return sum(s.wait for s in longest), sum(s.output_tokens for s in longest)


def case_tokens(case_dir: Path) -> int:
    from negoprep.reading.ingest import load_case
    from negoprep.reading.parts import render_passages

    case = load_case(case_dir)
    return len(render_passages(case, case.passages)) // 4  # as the recorded usage counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="supplier-claim")
    parser.add_argument("--output-tps", type=float, default=60.0)
    parser.add_argument("--prompt-tps", type=float, default=2000.0)
    parser.add_argument("--scale", type=float, default=10.0, help="wait this many times less")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    case_dir = REPO / "cases" / args.case
    cassette_dir = case_dir / "cassettes"
    manifest = json.loads((cassette_dir / "manifest.json").read_text())["models"]
    slow = SlowServer(Cassette(cassette_dir), args.output_tps, args.prompt_tps, args.scale)
    http = serve(slow)
    port = http.server_address[1]
    shape = manifest["extractor"]
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "OPENAI_API_KEY": "bench",
        "NEGOPREP_MODEL": shape["model"],
        "NEGOPREP_MAX_TOKENS_FIELD": shape.get("max_tokens_field", "max_completion_tokens"),
        "NEGOPREP_MAX_OUTPUT_TOKENS": str(shape.get("max_output_tokens", 8192)),
        "NEGOPREP_MAX_RETRIES": "0",
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "negoprep",
                "prepare",
                str(case_dir),
                "--out",
                f"{tmp}/run",
                "-q",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
    http.shutdown()
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
    served = slow.served
    path_s, path_out = critical_path(served)
    own = max(0.0, elapsed - path_s / args.scale)  # negoprep's own time, start-up included
    prompt = sum(s.prompt_tokens for s in served)
    cached = sum(s.cached_tokens for s in served)
    figures = {
        "case": args.case,
        "exit_code": done.returncode,
        "wall_s": round(path_s + own, 1),
        "negoprep_own_s": round(own, 1),
        "critical_path_s": round(path_s, 1),
        "calls": len(served),
        "prompt_tokens": prompt,
        "output_tokens": sum(s.output_tokens for s in served),
        "largest_output": max((s.output_tokens for s in served), default=0),
        "critical_path_output_tokens": path_out,
        "shared_prefix_share": round(cached / max(1, prompt), 3),
        "uncached_case_text_per_case_size": round(
            sum(s.uncached_case_chars for s in served) / 4 / max(1, case_tokens(case_dir)), 2
        ),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<40} {value}")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
