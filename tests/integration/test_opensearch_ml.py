"""`--with-ml`: job-scheduler, ml-commons and neural-search load, and the normalization pipeline runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_cluster.client import make_client
from search_cluster.ingest import EmbeddingModel, ingest
from search_cluster.node import OpenSearchNode
from search_cluster.search import search

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ml_node(opensearch_node: OpenSearchNode) -> OpenSearchNode:
    """The session's default-release node, which is laid out with the ML plugins (conftest)."""
    assert opensearch_node.with_ml
    return opensearch_node


def test_ml_plugins_are_loaded(ml_node: OpenSearchNode) -> None:
    status = ml_node.status()
    assert status.health in ("green", "yellow")
    assert {"opensearch-job-scheduler", "opensearch-ml", "opensearch-neural-search", "opensearch-knn"} <= set(
        status.plugins
    )
    stats = make_client(ml_node.url).transport.perform_request("GET", "/_plugins/_ml/stats")
    assert "nodes" in stats


def test_neural_hybrid_query_with_normalization_pipeline(
    ml_node: OpenSearchNode, embedding_model: EmbeddingModel, tmp_path: Path
) -> None:
    client = make_client(ml_node.url)
    docs = [
        ("a", "Vitamin D and bone density", "Vitamin D supplementation increases bone mineral density."),
        ("b", "Statins and cholesterol", "Statins lower LDL cholesterol in adults."),
        ("c", "Sleep and memory", "Sleep consolidates declarative memory."),
        ("d", "Exercise and mood", "Aerobic exercise reduces symptoms of depression."),
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs))
    assert ingest(client, corpus, "rescore-bridge-ml-check", embedding_model).indexed == len(docs)
    hits = search(
        client,
        "rescore-bridge-ml-check",
        "does cholesterol drop with statins",
        mode="neural-hybrid",
        size=4,
        model=embedding_model,
    )
    assert hits[0].doc_id == "b"
    # Min-max normalised and mean-combined: every score lies in [0, 1] and the best is 1 (top of both lists).
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].score == pytest.approx(1.0)
    pipeline = client.transport.perform_request("GET", "/_search/pipeline/rescore-bridge-hybrid")
    assert "rescore-bridge-hybrid" in pipeline
