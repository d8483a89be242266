"""BM25, kNN and hybrid first-stage search on the generated judged corpus, indexed with real embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch

from search_cluster.cli import search as search_command
from search_cluster.client import make_client
from search_cluster.ingest import EmbeddingModel, delete_index, ingest
from search_cluster.node import OpenSearchNode
from search_cluster.search import SearchError, search

from .conftest import JudgedCorpus, ReleaseNodes

pytestmark = pytest.mark.integration

INDEX = "rescore-bridge-judged-corpus"


@pytest.fixture(scope="module")
def judged_index(os_client: OpenSearch, judged_corpus: JudgedCorpus, embedding_model: EmbeddingModel) -> str:
    delete_index(os_client, INDEX)
    report = ingest(os_client, judged_corpus.corpus, INDEX, embedding_model)
    assert report.errors == [] and report.indexed == len(judged_corpus.doc_ids)
    return INDEX


def test_documents_carry_unit_embeddings(os_client: OpenSearch, judged_index: str, judged_corpus: JudgedCorpus) -> None:
    source = os_client.get(index=judged_index, id=judged_corpus.doc_ids[0])["_source"]
    vector = source["embedding"]
    assert len(vector) == 384
    assert abs(sum(x * x for x in vector) - 1.0) < 1e-3


def _recall_at(client: OpenSearch, subset: JudgedCorpus, model: EmbeddingModel, mode: str, k: int) -> float:
    found = 0
    total = 0
    for query_id, text in subset.queries.items():
        hits = {h.doc_id for h in search(client, INDEX, text, mode=mode, size=k, model=model)}
        relevant = set(subset.qrels[query_id])
        found += len(hits & relevant)
        total += len(relevant)
    return found / total


@pytest.mark.parametrize("mode", ["bm25", "knn", "hybrid"])
def test_modes_find_judged_relevant_documents(
    os_client: OpenSearch,
    judged_index: str,
    judged_corpus: JudgedCorpus,
    embedding_model: EmbeddingModel,
    mode: str,
) -> None:
    # 432 documents, 40 judged queries: a working first stage finds most judged documents in its top 10
    # (a broken one, e.g. random vectors or a wrong field, finds almost none).
    recall = _recall_at(os_client, judged_corpus, embedding_model, mode, k=10)
    assert recall >= 0.6, f"{mode} recall@10 = {recall:.2f}"


@pytest.mark.parametrize("mode", ["bm25", "knn", "hybrid"])
def test_a_document_title_finds_that_document_first(
    os_client: OpenSearch,
    judged_index: str,
    judged_corpus: JudgedCorpus,
    embedding_model: EmbeddingModel,
    mode: str,
) -> None:
    lines = judged_corpus.corpus.read_text().splitlines()
    misses = []
    for line in lines[:400:40]:
        doc = json.loads(line)
        hits = search(os_client, INDEX, doc["title"], mode=mode, size=3, model=embedding_model)
        if hits[0].doc_id != doc["_id"]:
            misses.append(doc["_id"])
    assert len(misses) <= 1, f"{mode}: title search missed {misses}"


def test_hybrid_scores_sum_both_clauses(
    os_client: OpenSearch, judged_index: str, judged_corpus: JudgedCorpus, embedding_model: EmbeddingModel
) -> None:
    text = next(iter(judged_corpus.queries.values()))
    # Every BM25 match, not a top 50: a hybrid hit can be a weak BM25 match lifted by its kNN score.
    bm25 = {h.doc_id: h.score for h in search(os_client, INDEX, text, mode="bm25", size=1000)}
    knn = {h.doc_id: h.score for h in search(os_client, INDEX, text, mode="knn", size=50, model=embedding_model, k=50)}
    hybrid = search(os_client, INDEX, text, mode="hybrid", size=5, model=embedding_model, k=50, knn_boost=30.0)
    for hit in hybrid:
        expected = bm25.get(hit.doc_id, 0.0) + 30.0 * knn.get(hit.doc_id, 0.0)
        assert hit.score == pytest.approx(expected, rel=1e-3)


def test_knn_without_a_model_is_refused(os_client: OpenSearch, judged_index: str) -> None:
    with pytest.raises(SearchError, match="needs an embedding model"):
        search(os_client, INDEX, "anything", mode="knn")


def test_neural_hybrid_needs_the_plugin(release_nodes: ReleaseNodes, embedding_model: EmbeddingModel) -> None:
    without_ml = release_nodes.get("2.19.1")  # the default release's node carries the ML plugins
    assert not without_ml.with_ml
    with pytest.raises(SearchError, match="--with-ml"):
        search(make_client(without_ml.url), INDEX, "anything", mode="neural-hybrid", model=embedding_model)


def test_cli_search_prints_a_table(
    opensearch_node: OpenSearchNode, judged_index: str, judged_corpus: JudgedCorpus
) -> None:
    doc = json.loads(judged_corpus.corpus.read_text().splitlines()[0])
    args = [
        "--index",
        judged_index,
        "--query",
        doc["title"],
        "--mode",
        "bm25",
        "--size",
        "3",
        "--url",
        opensearch_node.url,
    ]
    result = CliRunner().invoke(search_command, args)
    assert result.exit_code == 0, result.output
    assert doc["_id"] in result.output
    assert "score" in result.output


def test_cli_search_missing_index_is_one_line(opensearch_node: OpenSearchNode) -> None:
    args = ["--index", "no-such-index", "--query", "x", "--url", opensearch_node.url]
    result = CliRunner().invoke(search_command, args)
    assert result.exit_code == 1
    assert "404" in result.output and "Traceback" not in result.output


def test_cli_evaluate_scores_modes(
    opensearch_node: OpenSearchNode, judged_index: str, judged_corpus: JudgedCorpus, tmp_path: Path
) -> None:
    from search_cluster.cli import evaluate as evaluate_command

    queries = tmp_path / "queries.jsonl"
    queries.write_text("".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in judged_corpus.queries.items()))
    qrels = tmp_path / "qrels.tsv"
    rows = [f"{q}\t{d}\t{s}" for q, judged in judged_corpus.qrels.items() for d, s in judged.items()]
    qrels.write_text("query-id\tcorpus-id\tscore\n" + "\n".join(rows) + "\n")
    args = ["--index", judged_index, "--queries", str(queries), "--qrels", str(qrels), "--url", opensearch_node.url]
    result = CliRunner().invoke(evaluate_command, [*args, "--mode", "bm25"])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.output and "R@100" in result.output
    # The subset holds every judged document of these queries, so BM25 Recall@100 is high.
    row = next(line for line in result.output.splitlines() if "bm25" in line)
    recall = float(row.split("│")[3])
    assert recall > 0.8
