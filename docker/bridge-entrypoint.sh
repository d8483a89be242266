#!/usr/bin/env sh
# Entrypoint of the bridge images, also runnable as a plain process (tests run it that way).
# Models: RESCORE_BRIDGE_MODELS="name=/path,other=/path", or every artifact folder under $MODELS_DIR.
set -eu
MODELS_DIR=${MODELS_DIR:-/models}
if [ -z "${RESCORE_BRIDGE_MODELS:-}" ]; then
  specs=""
  for manifest in "$MODELS_DIR"/*/manifest.json; do
    [ -f "$manifest" ] || continue
    dir=$(dirname "$manifest")
    specs="${specs:+$specs,}$(basename "$dir")=$dir"
  done
  if [ -z "$specs" ]; then
    echo "error: no model artifacts under $MODELS_DIR (mount exported artifacts there, or set RESCORE_BRIDGE_MODELS)" >&2
    exit 2
  fi
  export RESCORE_BRIDGE_MODELS="$specs"
fi
export RESCORE_BRIDGE_HOST=${RESCORE_BRIDGE_HOST:-0.0.0.0}
export RESCORE_BRIDGE_PORT=${RESCORE_BRIDGE_PORT:-8080}
exec "${RESCORE_BRIDGE_BIN:-rescore-bridge}" serve "$@"
