"""Fixtures for the OpenSearch integration tests: real nodes, a real client and a generated judged corpus.

One node per OpenSearch release in TEST_RELEASES, each started once per test session and shared by
every module: k-NN (where served) and the rescore-bridge plugin installed; the default release's node
also carries the ML plugins (ml-commons, neural-search), so the plain-node, ingest, search, ML and
rescorer tests all run on it. Nodes are laid out fresh for each session from the artifact cache
($RESCORE_BRIDGE_CACHE or ~/.cache/rescore-bridge): the first run on a machine downloads the release
zips from Maven Central (about 0.6 GB for 3.6.0 with the ML plugins), later runs reuse the verified files.
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
from search_cluster.plugin_install import install_plugin
from search_cluster.versions import DEFAULT_VERSION, distribution

# The rescorer's release matrix: one 2.19.x and one 3.x (the default, where the whole stack runs).
TEST_RELEASES = ("2.19.1", DEFAULT_VERSION)
OPENSEARCH_TEST_PORT = shifted_port(9250)  # the default release's node
_RELEASE_PORTS = {DEFAULT_VERSION: OPENSEARCH_TEST_PORT, "2.19.1": shifted_port(9275)}


class ReleaseNodes:
    """Starts each release's node on first use and keeps it for the whole session (1g heap each)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._nodes: dict[str, OpenSearchNode] = {}

    def get(self, release: str) -> OpenSearchNode:
        if release not in self._nodes:
            root = self._tmp.mktemp(f"opensearch-{release}")
            with_ml = release == DEFAULT_VERSION and bool(distribution(release).ml_plugins)
            node = OpenSearchNode(root, _RELEASE_PORTS[release], with_ml=with_ml, version=release)
            self._nodes[release] = node  # registered first, so a failed start is still stopped
            install_plugin(node, None, None)  # Maven build for the release, laid out, not yet started
            node.start(timeout=300)
        return self._nodes[release]

    def stop_all(self) -> None:
        for node in self._nodes.values():
            node.stop()


@pytest.fixture(scope="session")
def release_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReleaseNodes]:
    nodes = ReleaseNodes(tmp_path_factory)
    try:
        yield nodes
    finally:
        nodes.stop_all()


@pytest.fixture(scope="session")
def opensearch_node(release_nodes: ReleaseNodes) -> OpenSearchNode:
    """The default release's node (k-NN, ML plugins, rescore-bridge) on port 9250 (+ offset)."""
    return release_nodes.get(DEFAULT_VERSION)


@pytest.fixture(scope="session", params=TEST_RELEASES)
def release_node(request: pytest.FixtureRequest, release_nodes: ReleaseNodes) -> OpenSearchNode:
    """Each release of the matrix in turn: tests that use this run once per release."""
    return release_nodes.get(str(request.param))


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
