"""Fixtures for the OpenSearch integration tests: a real node, a real client and a generated judged corpus.

The node is laid out fresh for each test session from the artifact cache ($RESCORE_BRIDGE_CACHE or
~/.cache/rescore-bridge): the first run on a machine downloads ~60 MB from Maven Central, later
runs reuse the verified files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensearchpy import OpenSearch
from ports import shifted_port
from synthetic_corpus import build as build_synthetic_corpus
from synthetic_corpus import write_beir

from search_cluster.client import make_client
from search_cluster.ingest import EmbeddingModel
from search_cluster.node import OpenSearchNode

OPENSEARCH_TEST_PORT = shifted_port(9250)


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """A started single-node OpenSearch (k-NN plugin) on port 9250 (+ offset), stopped at the end."""
    node = OpenSearchNode(tmp_path_factory.mktemp("opensearch-node"), OPENSEARCH_TEST_PORT, heap="1g")
    node.start(timeout=240)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def os_client(opensearch_node: OpenSearchNode) -> OpenSearch:
    return make_client(opensearch_node.url)


@dataclass(frozen=True)
class JudgedCorpus:
    corpus: Path  # BEIR corpus.jsonl
    queries: dict[str, str]  # judged queries, spread over the corpus' fields
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: grade}; every judged document is in the corpus
    doc_ids: list[str]  # in corpus order


@pytest.fixture(scope="session")
def judged_corpus(tmp_path_factory: pytest.TempPathFactory) -> JudgedCorpus:
    """The generated corpus (tests/synthetic_corpus.py: 432 documents over twelve fields) and 40 of its queries.

    Small enough to embed in well under a minute on two cores, large enough that a relevant
    document has to be found among hundreds of distractors, ten or so of them on the same subject
    or aspect. Written by the tests, so the suite needs nothing beside the clone.
    """
    data = build_synthetic_corpus()
    out = write_beir(data, tmp_path_factory.mktemp("judged-corpus"))
    query_ids = list(data.queries)[:40]
    return JudgedCorpus(
        corpus=out / "corpus.jsonl",
        queries={q: data.queries[q] for q in query_ids},
        qrels={q: data.qrels[q] for q in query_ids},
        doc_ids=[doc["_id"] for doc in data.documents],
    )


@pytest.fixture(scope="session")
def embedding_model() -> EmbeddingModel:
    """all-MiniLM-L6-v2 through the project's own ONNX export (exported once into the cache)."""
    from search_cluster.embedding import load_embedder

    return load_embedder()
