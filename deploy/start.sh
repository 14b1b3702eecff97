#!/usr/bin/env bash
# The one command that sets Deskside up on a fresh Debian machine and runs it:
# install packages, build, index FOLDER..., then serve the page and API on localhost.
#   deploy/start.sh FOLDER... [--listen 127.0.0.1:8080] [--data DIR] [--collection NAME]
# Re-running is cheap: installed packages, the build and unchanged files are all skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  echo "usage: deploy/start.sh FOLDER... [--listen HOST:PORT] [--data DIR] [--collection NAME]" >&2
  exit 2
fi
folders=(); serve_args=(); index_args=(); data=()
while [ $# -gt 0 ]; do
  case "$1" in
    --listen) serve_args+=(--listen "$2"); shift 2 ;;
    --data) data=(--data "$2"); shift 2 ;;
    --collection) index_args+=(--collection "$2"); shift 2 ;;
    *) folders+=("$(realpath "$1")"); shift ;;
  esac
done
bash deploy/install.sh
bash deploy/build.sh
status=0
build/services/deskside index "${folders[@]}" "${index_args[@]}" "${data[@]}" || status=$?
# Status 1 means some files failed (listed by `status --errors`); the rest is searchable.
if [ "$status" -gt 1 ]; then exit "$status"; fi
exec build/services/deskside serve "${serve_args[@]}" "${data[@]}"
