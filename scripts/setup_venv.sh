#!/usr/bin/env bash
# Build .venv from the repository's own files (`make venv`, and first thing in `make test` / `make demo`).
# One short line per step; pip's full output goes to .venv/setup.log and is shown only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-export,cluster,bench,train,dev}
LOG=$VENV/setup.log
started=$SECONDS

step() {  # step LABEL COMMAND...: run the command into the log, then say how long it took
  local label=$1 t=$SECONDS
  shift
  printf 'setup: %s ... ' "$label"
  if "$@" >> "$LOG" 2>&1; then
    echo "ok ($((SECONDS - t))s)"
  else
    echo "FAILED"
    echo "---- last lines of $LOG:"
    tail -n 40 "$LOG"
    exit 1
  fi
}

mkdir -p "$VENV"
: > "$LOG"
step "virtualenv $VENV ($($PYTHON --version 2>&1))" "$PYTHON" -m venv "$VENV"
step "upgrade pip" "$VENV/bin/python" -m pip install --upgrade pip
step "install rescore-bridge[$EXTRAS], pinned by requirements/constraints.txt (first run downloads ~3 GB)" \
  "$VENV/bin/python" -m pip install -c requirements/constraints.txt -e ".[$EXTRAS]"
step "check the command runs" "$VENV/bin/rescore-bridge" --help
echo "setup: done in $((SECONDS - started))s (log: $LOG)"
