#!/usr/bin/env bash
# Cluster half of the demo: a local OpenSearch node, a judged corpus, BM25 first stage, cross_encoder rescore.
# Called by scripts/demo.sh with BRIDGE_URL (a running bridge), WORK and MODEL_NOTE set.
# The corpus: DEMO_CORPUS (a BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv) or the judged corpus
# the tests generate (tests/synthetic_corpus.py: 432 documents, 360 queries with graded judgments), written
# to $WORK/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OS_PORT=${DEMO_OPENSEARCH_PORT:-9210}
OS_URL="http://127.0.0.1:$OS_PORT"
WINDOW=${DEMO_WINDOW:-20}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

CORPUS=${DEMO_CORPUS:-$WORK/corpus}
if [ -z "${DEMO_CORPUS:-}" ]; then
  echo "-- generate the judged demo corpus"
  $BIN/python tests/synthetic_corpus.py "$CORPUS"
fi
QUERY=${DEMO_QUERY:-"how do T cells affect the way cells use glucose"}

echo "-- start OpenSearch on :$OS_PORT (first run downloads ~430 MB of official artifacts into the cache)"
$BIN/rescore-bridge opensearch start --port "$OS_PORT"
trap '$BIN/rescore-bridge opensearch stop --port "$OS_PORT" > /dev/null || true' EXIT

echo "-- ingest $CORPUS/corpus.jsonl (BM25 fields; add an embedder for kNN: rescore-bridge ingest --help)"
$BIN/rescore-bridge ingest "$CORPUS/corpus.jsonl" --index demo --url "$OS_URL" --no-embeddings

echo "-- install the cross_encoder rescorer and point it at the bridge ($BRIDGE_URL)"
$BIN/rescore-bridge opensearch install-plugin --port "$OS_PORT" --bridge-url "$BRIDGE_URL"

echo "-- BM25 top 5 vs BM25 + cross_encoder rescore of the top $WINDOW (same as rescore-bridge search --rescore-window)"
$BIN/python scripts/demo_compare.py --url "$OS_URL" --index demo --query "$QUERY" --window "$WINDOW" \
  --judgments "$CORPUS" --model-note "${MODEL_NOTE:-}"
