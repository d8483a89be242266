"""The generated judged corpus the integration tests and the demo use: stable, well-formed, judged as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from synthetic_corpus import FIELDS, GRADE_FOCUSED, GRADE_OVERVIEW, build, write_beir

from search_cluster.beir import load_judgments
from search_cluster.corpus import Document, read_corpus


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path: Path) -> None:
    first = write_beir(build(), tmp_path / "a")
    again = write_beir(build(), tmp_path / "b")
    other = write_beir(build(seed=1), tmp_path / "c")
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    assert (first / "corpus.jsonl").read_bytes() != (other / "corpus.jsonl").read_bytes()


def test_every_query_has_one_focused_and_one_overview_document() -> None:
    data = build()
    per_field = len(FIELDS[0].subjects) * len(FIELDS[0].aspects)
    assert len(data.queries) == len(FIELDS) * per_field
    assert len(data.documents) == len(FIELDS) * (per_field + len(FIELDS[0].subjects))
    ids = [doc["_id"] for doc in data.documents]
    assert len(set(ids)) == len(ids)
    assert len({doc["title"] for doc in data.documents}) == len(ids)  # a title names one document
    judged_once = [d for judged in data.qrels.values() for d, g in judged.items() if g == GRADE_FOCUSED]
    assert len(judged_once) == len(set(judged_once)) == len(data.queries)  # each focused doc answers one query
    for query_id, judged in data.qrels.items():
        assert sorted(judged.values()) == [GRADE_OVERVIEW, GRADE_FOCUSED], query_id
        assert set(judged) <= set(ids)
    assert all(len(doc["text"].split()) >= 40 for doc in data.documents)
    assert not any("{" in doc["title"] + doc["text"] for doc in data.documents)  # every slot filled


def test_the_focused_document_is_about_the_query_subject() -> None:
    """The judgments follow the text: the grade-2 document names the subject the query asks about."""
    data = build()
    texts = {doc["_id"]: (doc["title"] + " " + doc["text"]).lower() for doc in data.documents}
    subjects = [s.name.lower() for field in FIELDS for s in field.subjects]
    for query_id, text in data.queries.items():
        subject = max((s for s in subjects if s in text.lower()), key=len)
        focused = next(d for d, g in data.qrels[query_id].items() if g == GRADE_FOCUSED)
        assert subject in texts[focused], (query_id, text)


def test_the_files_read_back_through_the_project_readers(tmp_path: Path) -> None:
    out = tmp_path / "beir"
    result = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "synthetic_corpus.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "432 documents, 360 judged queries" in result.stdout
    docs = list(read_corpus(out / "corpus.jsonl"))
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 432
    judgments = load_judgments(out / "queries.jsonl", out / "qrels" / "test.tsv")
    assert len(judgments.queries) == 360
    first = json.loads((out / "corpus.jsonl").read_text().splitlines()[0])
    assert set(first) == {"_id", "title", "text"}
