"""Benchmark a batch: how close `negoprep prepare --all` comes to what the provider allows.

A local OpenAI-compatible server on 127.0.0.1 answers each request with the example case's
recorded response for it (looked up as the cassette recorder does) after a fixed latency. N
copies of the example case (its documents and brief, not its cassettes) are prepared in one
`negoprep prepare --all` run, live over HTTP, with NEGOPREP_MAX_CONCURRENCY=C. With at most C
requests in flight, no schedule can finish before

    provider-limited ideal = requests x latency / C

and the script reports the achieved share, ideal / wall time, where the wall time is the whole
command (start-up, reading the cases, checkpoints, grounding and rendering included). It also
reports the share over the provider window alone (first request to last reply), the most
requests the server saw at once (never above C), and the server's utilisation. Usage:

    python scripts/bench_batch.py                       # 20 cases, concurrency 8, 5 s a request
    python scripts/bench_batch.py --cases 20 --concurrency 8 --latency 3 --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_live import serve  # noqa: E402  (this folder: the same small server)

from negoprep.llm.recorder import Cassette, request_key  # noqa: E402


@dataclass
class FixedLatencyServer:
    """Answers from a cassette after `latency` seconds; keeps when each request came and went."""

    cassette: Cassette
    latency: float
    spans: list[tuple[float, float]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        came = time.perf_counter()
        key = request_key("POST", path, body)
        entry = self.cassette.find(key)
        time.sleep(self.latency)
        with self.lock:
            self.spans.append((came, time.perf_counter()))
            if entry is None:
                self.missing.append(key)
        if entry is None:
            return 404, json.dumps({"error": {"message": f"no recording for {key}"}}).encode()
        response = entry.response["body"]
        return 200, (response if isinstance(response, str) else json.dumps(response)).encode()


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most requests the server was answering at one moment."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    now = best = 0
    for _, step in edges:
        now += step
        best = max(best, now)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="supplier-claim", help="example case to copy")
    parser.add_argument("--cases", type=int, default=20, help="how many copies")
    parser.add_argument("--concurrency", type=int, default=8, help="NEGOPREP_MAX_CONCURRENCY")
    parser.add_argument("--latency", type=float, default=5.0, help="seconds per request")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    example = REPO / "cases" / args.case
    manifest = json.loads((example / "cassettes" / "manifest.json").read_text())["models"]
    fixed = FixedLatencyServer(Cassette(example / "cassettes"), args.latency)
    http = serve(fixed)
    shape = manifest["extractor"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NEGOPREP_", "OPENAI_"))},
        "OPENAI_BASE_URL": f"http://127.0.0.1:{http.server_address[1]}/v1",
        "OPENAI_API_KEY": "bench",
        "NEGOPREP_MODEL": shape["model"],
        "NEGOPREP_MAX_TOKENS_FIELD": shape.get("max_tokens_field", "max_completion_tokens"),
        "NEGOPREP_MAX_OUTPUT_TOKENS": str(shape.get("max_output_tokens", 8192)),
        "NEGOPREP_MAX_RETRIES": "0",
        "NEGOPREP_MAX_CONCURRENCY": str(args.concurrency),
        "PYTHONPATH": str(REPO),
    }
    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "cases"
        for n in range(1, args.cases + 1):
            shutil.copytree(
                example, cases / f"case-{n:02d}", ignore=shutil.ignore_patterns("cassettes")
            )
        argv = [sys.executable, "-m", "negoprep", "prepare", "--all", str(cases)]
        argv += ["--out", f"{tmp}/runs", "-q"]
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=tmp)
        wall = time.perf_counter() - started
        complete = sum(
            json.loads(p.read_text()).get("status") == "complete"
            for p in Path(tmp, "runs").glob("*/dossier.json")
        )
    http.shutdown()
    if done.returncode != 0 or fixed.missing:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
    spans = fixed.spans
    requests = len(spans)
    ideal = requests * args.latency / args.concurrency
    window = max(e for _, e in spans) - min(s for s, _ in spans) if spans else 0.0
    busy = sum(e - s for s, e in spans)
    figures = {
        "cases": args.cases,
        "complete": complete,
        "exit_code": done.returncode,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "requests": requests,
        "requests_without_a_recording": len(fixed.missing),
        "most_at_once": most_at_once(spans),
        "provider_limited_ideal_s": round(ideal, 1),
        "wall_s": round(wall, 1),
        "share_of_ideal": round(ideal / wall, 3) if wall else 0.0,
        "provider_window_s": round(window, 1),
        "first_request_after_s": round(min(s for s, _ in spans) - started, 1) if spans else 0.0,
        "after_last_reply_s": round(started + wall - max(e for _, e in spans), 1) if spans else 0.0,
        "share_of_ideal_in_window": round(ideal / window, 3) if window else 0.0,
        "server_utilisation": round(busy / (args.concurrency * window), 3) if window else 0.0,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<32} {value}")
    return 0 if done.returncode == 0 and complete == args.cases else 1


if __name__ == "__main__":
    raise SystemExit(main())
