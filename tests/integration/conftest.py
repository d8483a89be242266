"""Fixtures for the OpenSearch integration tests: a real node, a real client and SciFact data.

The node is laid out fresh for each test session from the artifact cache ($RESCORE_BRIDGE_CACHE or
~/.cache/rescore-bridge): the first run on a machine downloads ~60 MB from Maven Central, later
runs reuse the verified files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensearchpy import OpenSearch
from ports import shifted_port

from search_cluster.client import make_client
from search_cluster.ingest import EmbeddingModel
from search_cluster.node import OpenSearchNode

OPENSEARCH_TEST_PORT = shifted_port(9250)
REPO_ROOT = Path(__file__).resolve().parents[2]
SCIFACT_DIR = REPO_ROOT.parent / "shared" / "data" / "scifact"


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
class SciFactSubset:
    corpus: Path
    queries: dict[str, str]  # test queries whose relevant documents are all in the subset
    qrels: dict[str, dict[str, int]]
    doc_ids: list[str]


@pytest.fixture(scope="session")
def scifact_dir() -> Path:
    if not (SCIFACT_DIR / "corpus.jsonl").is_file():
        pytest.fail(f"SciFact data not found at {SCIFACT_DIR} (expected ../shared/data/scifact)")
    return SCIFACT_DIR


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in path.read_text().splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        qrels.setdefault(query_id, {})[doc_id] = int(score)
    return qrels


@pytest.fixture(scope="session")
def scifact_subset(scifact_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SciFactSubset:
    """The first 40 test queries, their relevant documents, and the first 400 corpus documents.

    Small enough to embed in well under a minute on two cores, large enough that a relevant
    document has to be found among hundreds of distractors.
    """
    qrels_all = read_qrels(scifact_dir / "qrels" / "test.tsv")
    query_ids = list(qrels_all)[:40]
    qrels = {q: qrels_all[q] for q in query_ids}
    wanted = {doc for judged in qrels.values() for doc in judged}
    lines = (scifact_dir / "corpus.jsonl").read_text().splitlines()
    chosen = [line for i, line in enumerate(lines) if i < 400 or json.loads(line)["_id"] in wanted]
    corpus = tmp_path_factory.mktemp("scifact") / "corpus.jsonl"
    corpus.write_text("\n".join(chosen) + "\n")
    texts = {}
    for line in (scifact_dir / "queries.jsonl").read_text().splitlines():
        obj = json.loads(line)
        texts[obj["_id"]] = obj["text"]
    return SciFactSubset(
        corpus=corpus,
        queries={q: texts[q] for q in query_ids},
        qrels=qrels,
        doc_ids=[json.loads(line)["_id"] for line in chosen],
    )


@pytest.fixture(scope="session")
def embedding_model() -> EmbeddingModel:
    """all-MiniLM-L6-v2 through the project's own ONNX export (exported once into the cache)."""
    from search_cluster.embedding import load_embedder

    return load_embedder()
