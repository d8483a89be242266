"""Ingest against the real node: template, idempotent re-runs, bad lines, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch

from search_cluster.cli import ingest as ingest_command
from search_cluster.ingest import delete_index, ingest
from search_cluster.node import OpenSearchNode

from .conftest import JudgedCorpus

pytestmark = pytest.mark.integration


def _count(client: OpenSearch, index: str) -> int:
    return int(client.count(index=index)["count"])


def test_template_applies_to_the_index(os_client: OpenSearch, tmp_path: Path) -> None:
    index = "rescore-bridge-template-check"
    delete_index(os_client, index)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"_id": "a", "title": "Running dogs", "text": "Dogs were running."}) + "\n")
    ingest(os_client, corpus, index, model=None)
    template = os_client.indices.get_index_template(name=f"rescore-bridge-{index}")["index_templates"][0]
    assert template["index_template"]["index_patterns"] == [index]
    mapping = os_client.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert mapping["embedding"]["type"] == "knn_vector"
    assert mapping["embedding"]["dimension"] == 384
    assert mapping["embedding"]["method"]["engine"] == "lucene"
    assert mapping["embedding"]["method"]["space_type"] == "cosinesimil"
    assert mapping["title"]["analyzer"] == "english" and mapping["text"]["analyzer"] == "english"
    settings = os_client.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["knn"] == "true" and settings["number_of_replicas"] == "0"
    # The english analyzer stems: "run" finds "running" through the title+text field.
    hits = os_client.search(index=index, body={"query": {"match": {"body": "run dog"}}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["a"]
    delete_index(os_client, index)


def test_bm25_ingest_is_idempotent_and_resumable(os_client: OpenSearch, judged_corpus: JudgedCorpus) -> None:
    index = "rescore-bridge-idempotent"
    delete_index(os_client, index)
    n = len(judged_corpus.doc_ids)
    first = ingest(os_client, judged_corpus.corpus, index, model=None)
    assert (first.indexed, first.skipped, first.errors) == (n, 0, [])
    assert _count(os_client, index) == n
    again = ingest(os_client, judged_corpus.corpus, index, model=None)
    assert (again.indexed, again.skipped) == (0, n)
    assert _count(os_client, index) == n
    # Resume: documents lost since (an interrupted run) are indexed again, the rest skipped.
    lost = judged_corpus.doc_ids[:7]
    for doc_id in lost:
        os_client.delete(index=index, id=doc_id, refresh=True)
    resumed = ingest(os_client, judged_corpus.corpus, index, model=None)
    assert (resumed.indexed, resumed.skipped) == (len(lost), n - len(lost))
    assert _count(os_client, index) == n
    # A changed document is overwritten in place, not duplicated.
    lines = judged_corpus.corpus.read_text().splitlines()
    changed = json.loads(lines[0]) | {"title": "A changed title"}
    edited = judged_corpus.corpus.with_name("edited.jsonl")
    edited.write_text("\n".join([json.dumps(changed), *lines[1:]]) + "\n")
    update = ingest(os_client, edited, index, model=None)
    assert (update.indexed, update.skipped) == (1, n - 1)
    assert os_client.get(index=index, id=changed["_id"])["_source"]["title"] == "A changed title"
    assert _count(os_client, index) == n
    delete_index(os_client, index)


def _bad_corpus(tmp_path: Path) -> Path:
    good = [{"_id": f"d{i}", "title": f"Title {i}", "text": f"Body number {i} about proteins."} for i in range(5)]
    lines = [
        json.dumps(good[0]),
        json.dumps(good[1]),
        '{"_id": "broken", "title": "unterminated',  # line 3: invalid JSON
        json.dumps({"title": "no id", "text": "x"}),  # line 4: missing _id
        json.dumps(good[2]),
        "",  # blank lines are skipped silently
        json.dumps({"_id": "d9", "title": "t", "text": 42}),  # line 7: text not a string
        json.dumps(good[3]),
        json.dumps(good[0]),  # line 9: duplicate _id
        json.dumps(good[4]),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_lines_are_reported_and_the_rest_indexed(os_client: OpenSearch, tmp_path: Path) -> None:
    index = "rescore-bridge-bad-lines"
    delete_index(os_client, index)
    report = ingest(os_client, _bad_corpus(tmp_path), index, model=None, batch_size=2)
    assert [e.line for e in report.errors] == [3, 4, 7, 9]
    assert "invalid JSON" in report.errors[0].message
    assert "_id" in report.errors[1].message
    assert "duplicate" in report.errors[3].message
    assert report.indexed == 5
    assert _count(os_client, index) == 5
    delete_index(os_client, index)


def test_cli_ingest_names_bad_lines_and_fails(opensearch_node: OpenSearchNode, tmp_path: Path) -> None:
    index = "rescore-bridge-cli-bad-lines"
    args = [str(_bad_corpus(tmp_path)), "--index", index, "--url", opensearch_node.url, "--no-embeddings"]
    result = CliRunner().invoke(ingest_command, args)
    assert result.exit_code == 1
    assert "5 indexed" in result.output
    assert "bad.jsonl:line 3: invalid JSON" in result.output
    assert "4 lines were not indexed" in result.output
    assert "Traceback" not in result.output


def test_cli_ingest_unreachable_node_is_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"_id": "a", "text": "x"}) + "\n")
    result = CliRunner().invoke(
        ingest_command, [str(corpus), "--index", "x", "--url", "http://127.0.0.1:9", "--no-embeddings"]
    )
    assert result.exit_code == 1
    assert "cannot reach OpenSearch" in result.output
    assert "Traceback" not in result.output


def test_embedder_failure_stops_with_context_and_keeps_earlier_batches(os_client: OpenSearch, tmp_path: Path) -> None:
    import numpy as np

    from search_cluster.ingest import EmbeddingModel, IngestError

    def embed(texts: list[str]) -> np.ndarray:
        if any("poison" in t for t in texts):
            raise RuntimeError("model exploded")
        vectors = np.ones((len(texts), 4), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    model = EmbeddingModel(embed=embed, dim=4, name="test-embedder")
    docs = [{"_id": f"e{i}", "title": "", "text": "poison" if i == 5 else f"text {i}"} for i in range(8)]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs))
    index = "rescore-bridge-embed-failure"
    delete_index(os_client, index)
    with pytest.raises(IngestError, match=r"embedding lines 5-6 with test-embedder failed: model exploded"):
        ingest(os_client, corpus, index, model, batch_size=2)
    os_client.indices.refresh(index=index)
    assert _count(os_client, index) == 4  # the two batches before the failing one
    mapping = os_client.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert mapping["embedding"]["dimension"] == 4  # the template follows the embedder's dimension
    delete_index(os_client, index)


def test_cli_ingest_bad_embedder_is_one_line(opensearch_node: OpenSearchNode, tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"_id": "a", "text": "x"}) + "\n")
    artifact = tmp_path / "not-an-artifact"
    artifact.mkdir()
    (artifact / "manifest.json").write_text("{}")
    args = [str(corpus), "--index", "rescore-bridge-x", "--url", opensearch_node.url, "--embedder", str(artifact)]
    result = CliRunner().invoke(ingest_command, args)
    assert result.exit_code == 1
    assert "cannot load the embedding artifact" in result.output
    assert "Traceback" not in result.output
