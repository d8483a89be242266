#!/usr/bin/env bash
# Cluster half of the demo: a local OpenSearch node, a corpus, BM25 first stage, cross_encoder rescore.
# Called by scripts/demo.sh with BRIDGE_URL (a running bridge) and WORK set.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OS_PORT=${DEMO_OPENSEARCH_PORT:-9210}
OS_URL="http://127.0.0.1:$OS_PORT"
SCIFACT=../shared/data/scifact/corpus.jsonl
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

echo "-- start OpenSearch (first run downloads ~430 MB of official artifacts into the cache)"
$BIN/rescore-bridge opensearch start --port "$OS_PORT"
trap '$BIN/rescore-bridge opensearch stop --port "$OS_PORT" || true' EXIT

if [ -f "$SCIFACT" ]; then
  head -n "${DEMO_DOCS:-1000}" "$SCIFACT" > "$WORK/corpus.jsonl"
  QUERY=${DEMO_QUERY:-"vitamin D deficiency is associated with disease"}
else
  cat > "$WORK/corpus.jsonl" <<'JSONL'
{"_id": "1", "title": "Tides", "text": "Ocean tides are caused by the gravitational pull of the Moon and the Sun."}
{"_id": "2", "title": "Markets", "text": "Stock markets closed higher on Friday after strong earnings."}
{"_id": "3", "title": "Tidal range", "text": "The Bay of Fundy has the highest tides in the world."}
{"_id": "4", "title": "Moon", "text": "The Moon orbits the Earth about every 27 days."}
JSONL
  QUERY=${DEMO_QUERY:-"what causes ocean tides"}
fi

echo "-- ingest (BM25 fields; add an embedder for kNN: rescore-bridge ingest --help)"
$BIN/rescore-bridge ingest "$WORK/corpus.jsonl" --index demo --url "$OS_URL" --no-embeddings

echo "-- install the cross_encoder rescorer and point it at the bridge ($BRIDGE_URL)"
$BIN/rescore-bridge opensearch install-plugin --port "$OS_PORT" --bridge-url "$BRIDGE_URL"

echo "-- BM25 alone"
$BIN/rescore-bridge search --index demo --url "$OS_URL" --query "$QUERY" --size 5
echo "-- BM25 + cross_encoder rescore of the top 20"
$BIN/rescore-bridge search --index demo --url "$OS_URL" --query "$QUERY" --size 5 --rescore-window 20
