"""Fixtures for the OpenSearch integration tests: real nodes, a real client and SciFact data.

One node per OpenSearch release in TEST_RELEASES, each started once per test session and shared by
every module: k-NN (where served) and the rescore-bridge plugin installed; the default release's node
also carries the ML plugins (ml-commons, neural-search), so the plain-node, ingest, search, ML and
rescorer tests all run on it. Nodes are laid out fresh for each session from the artifact cache
($RESCORE_BRIDGE_CACHE or ~/.cache/rescore-bridge): the first run on a machine downloads the release
zips from Maven Central (about 0.6 GB for 3.6.0 with the ML plugins), later runs reuse the verified files.
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
from search_cluster.plugin_install import install_plugin
from search_cluster.versions import DEFAULT_VERSION, distribution

# The rescorer's release matrix: one 2.19.x and one 3.x (the default, where the whole stack runs).
TEST_RELEASES = ("2.19.1", DEFAULT_VERSION)
OPENSEARCH_TEST_PORT = shifted_port(9250)  # the default release's node
_RELEASE_PORTS = {DEFAULT_VERSION: OPENSEARCH_TEST_PORT, "2.19.1": shifted_port(9275)}
REPO_ROOT = Path(__file__).resolve().parents[2]
SCIFACT_DIR = REPO_ROOT.parent / "shared" / "data" / "scifact"


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
