#!/usr/bin/env bash
# Rebuild the recorded exchanges of the example cases from their hand-written sources.
#
# The example cases ship recordings so that `negoprep prepare cases/<case> --replay` and the
# example rehearsal run offline. The recordings are generated, never edited. Their sources are
# the hand-written responses in cases/<case>/cassettes/handwritten/<call>.json and, for a case
# with a recorded rehearsal, cases/<case>/cassettes/rehearsal-script.txt. Re-run this after
# changing a prompt, a schema, the knowledge base or a hand-written response: each of those
# changes the recorded requests, and replay then stops with "no recording for call ...".
#
# Order matters: the rehearsal's prompts are built from the dossier the preparation produces,
# so each case is prepared first, then rehearsed on that dossier.
#
# Usage: scripts/author_example.sh [CASE_NAME ...]   (default: every case with hand-written
#        sources; uses the `negoprep` on PATH)
set -euo pipefail

cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "author_example.sh: $*" >&2
    exit 1
}

rebuild() {
    local case_dir="cases/$1"
    local cassette="$case_dir/cassettes"
    local script="$cassette/rehearsal-script.txt"
    local work="$tmp/$1"
    [[ -d "$cassette/handwritten" ]] || fail "$cassette/handwritten: no hand-written sources"
    mkdir -p "$work"
    echo "== $1"

    echo "   removing the old generated entries (hand-written sources stay)"
    find "$cassette" -maxdepth 1 -type f -name '*.json' -delete

    echo "   preparation, from the hand-written responses"
    negoprep prepare "$case_dir" --author "$cassette" --out "$work/prepared" -q > "$work/prepare.log" \
        || { grep -E "✗|MISSING" "$work/prepare.log" >&2; fail "$1: the preparation failed"; }

    if [[ -f "$script" ]]; then
        echo "   rehearsal, on that dossier, from the hand-written responses"
        negoprep rehearse "$work/prepared" --author "$cassette" --script "$script" > "$work/rehearse.log" \
            || { tail -20 "$work/rehearse.log" >&2; fail "$1: the rehearsal failed"; }
    fi

    echo "   checking that everything replays offline"
    negoprep prepare "$case_dir" --replay --out "$work/replayed" -q > /dev/null \
        || fail "$1: the preparation does not replay"
    if [[ -f "$script" ]]; then
        negoprep rehearse "$work/replayed" --replay "$cassette" --script "$script" > /dev/null \
            || fail "$1: the rehearsal does not replay"
    fi
    local count
    count="$(find "$cassette" -maxdepth 1 -type f -name '*.json' ! -name manifest.json | wc -l)"
    echo "   $count recorded exchanges in $cassette"
}

if [[ $# -gt 0 ]]; then
    names=("$@")
else
    names=()
    for dir in cases/*/cassettes/handwritten; do
        [[ -d "$dir" ]] && names+=("$(basename "$(dirname "$(dirname "$dir")")")")
    done
fi
[[ ${#names[@]} -gt 0 ]] || fail "no case with cassettes/handwritten/ under cases/"
for name in "${names[@]}"; do
    rebuild "$name"
done
echo "done"
