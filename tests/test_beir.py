"""The shared BEIR/TREC readers: what evaluation counts as judged, and the errors it gives instead of guessing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search_cluster.beir import DataError, load_judgments

ir_measures = pytest.importorskip("ir_measures")
from search_cluster.evaluate import load_judged  # noqa: E402


def write(tmp_path: Path, queries: dict[str, str], qrels: str) -> tuple[Path, Path]:
    queries_file = tmp_path / "queries.jsonl"
    queries_file.write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in queries.items()))
    qrels_file = tmp_path / "qrels.tsv"
    qrels_file.write_text(qrels)
    return queries_file, qrels_file


def test_evaluation_keeps_queries_judged_zero_but_training_does_not(tmp_path: Path) -> None:
    files = write(
        tmp_path,
        {"q1": "alpha", "q2": "beta", "q3": "unjudged"},
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\td3\t0\n",
    )
    judged = load_judged(*files)
    assert judged.queries == {"q1": "alpha", "q2": "beta"}
    assert sorted((q.query_id, q.doc_id, q.relevance) for q in judged.qrels) == [
        ("q1", "d1", 1),
        ("q1", "d2", 0),
        ("q2", "d3", 0),
    ]
    training = load_judgments(*files)
    assert training.queries == {"q1": "alpha"}
    assert training.qrels == {"q1": {"d1": 1, "d2": 0}}


def test_a_judged_query_missing_from_the_queries_file_is_an_error(tmp_path: Path) -> None:
    files = write(tmp_path, {"q1": "alpha"}, "q1\td1\t1\nq9\td2\t1\n")
    with pytest.raises(DataError, match=r"1 judged queries are not in .*q9"):
        load_judged(*files)


@pytest.mark.parametrize(
    ("qrels", "message"),
    [
        ("q1\td1\n", "expected 3 tab-separated columns"),
        ("q1\td1\t1\nq1\td2\thigh\n", "relevance 'high' is not an integer"),
        ("", "no judgments"),
    ],
)
def test_malformed_qrels_name_file_and_line(tmp_path: Path, qrels: str, message: str) -> None:
    files = write(tmp_path, {"q1": "alpha"}, qrels)
    with pytest.raises(DataError, match=message):
        load_judged(*files)
