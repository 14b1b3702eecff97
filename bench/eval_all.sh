#!/usr/bin/env bash
# Runs `deskside eval --json` over every evaluation set under $DESKSIDE_SHARED/eval (default
# ../shared/eval beside the repository) and prints one JSON object: {"sets": {NAME: {...}}}.
# Usage: bench/eval_all.sh [--modes LIST] [DESKSIDE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
modes="keyword"
if [ "${1:-}" = "--modes" ]; then modes="$2"; shift 2; fi
binary="${1:-build/services/deskside}"
shared="${DESKSIDE_SHARED:-$(realpath ../shared)}"
[ -x "$binary" ] || { echo "eval_all.sh: build deskside first ($binary)" >&2; exit 2; }
first=1
echo '{"sets": {'
for set in "$shared"/eval/*/; do
  [ -f "$set/docs.jsonl" ] || continue
  name=$(basename "$set")
  echo "eval_all.sh: $name" >&2
  result=$("$binary" eval --set "$set" --modes "$modes" --json)
  [ $first -eq 1 ] || echo ','
  first=0
  printf '"%s": %s' "$name" "$result"
done
echo '}}'
