"""Read BEIR queries/qrels/corpus and TREC run files: the judged data that evaluation and training share.

Standard library only, so the training extra can use it without the cluster extra and vice versa.
Every reader fails with a `DataError` naming the file and line, so a CLI can print one clear line.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


class DataError(ValueError):
    """An input file is missing or malformed."""


Qrels = dict[str, dict[str, int]]  # query id -> doc id -> relevance grade
Run = dict[str, list[tuple[str, float]]]  # query id -> [(doc id, score)] best first


@dataclass(frozen=True)
class Judgments:
    queries: dict[str, str]  # query id -> text, only judged queries
    qrels: Qrels


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line.rstrip("\n")


def load_queries(path: Path) -> dict[str, str]:
    """BEIR queries.jsonl: one `{"_id", "text"}` object a line."""
    queries: dict[str, str] = {}
    for number, line in _lines(path):
        try:
            obj = json.loads(line)
            queries[str(obj["_id"])] = str(obj["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{number}: expected a JSON object with `_id` and `text` ({exc})") from exc
    if not queries:
        raise DataError(f"{path}: no queries")
    return queries


def load_qrels(path: Path) -> Qrels:
    """BEIR qrels tsv (`query-id corpus-id score`, header optional)."""
    qrels: Qrels = defaultdict(dict)
    for number, line in _lines(path):
        parts = line.split("\t")
        if len(parts) != 3:
            raise DataError(f"{path}:{number}: expected 3 tab-separated columns, got {len(parts)}")
        try:
            grade = int(parts[2])
        except ValueError:
            if number == 1:
                continue  # header
            raise DataError(f"{path}:{number}: relevance {parts[2]!r} is not an integer") from None
        qrels[parts[0]][parts[1]] = grade
    if not qrels:
        raise DataError(f"{path}: no judgments")
    return dict(qrels)


def load_judgments(queries_file: Path, qrels_file: Path, *, positive_only: bool = True) -> Judgments:
    """Judged queries with their qrels: those with a positive judgment (training), or with any (evaluation).

    A judged query missing from the queries file is an error, not a silent drop: it would change the metric.
    """
    queries = load_queries(queries_file)
    qrels = load_qrels(qrels_file)
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise DataError(f"{qrels_file}: {len(missing)} judged queries are not in {queries_file} (e.g. {missing[0]})")
    judged = {
        qid: queries[qid] for qid, docs in qrels.items() if not positive_only or any(g > 0 for g in docs.values())
    }
    if not judged:
        raise DataError(f"{qrels_file}: no positive judgment")
    return Judgments(judged, {qid: qrels[qid] for qid in judged})


def load_run(path: Path) -> Run:
    """TREC run: `qid Q0 docid rank score tag`; rows re-sorted by score (ties by rank) per query."""
    rows: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise DataError(f"{path}:{number}: expected 6 columns `qid Q0 docid rank score tag`, got {len(parts)}")
        try:
            rows[parts[0]].append((float(parts[4]), int(parts[3]), parts[2]))
        except ValueError:
            raise DataError(f"{path}:{number}: rank must be an integer and score a number") from None
    if not rows:
        raise DataError(f"{path}: empty run")
    return {qid: [(doc, score) for score, _, doc in sorted(r, key=lambda t: (-t[0], t[1]))] for qid, r in rows.items()}


def write_run(path: Path, run: Mapping[str, list[tuple[str, float]]], tag: str) -> None:
    """Write a TREC run file (best first), the format `load_run` and trec_eval read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for qid, hits in run.items():
            for rank, (doc, score) in enumerate(hits, start=1):
                handle.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")


def document_text(title: str, text: str) -> str:
    """What the cross-encoder reads for a document: title then body (the BEIR convention)."""
    return f"{title} {text}".strip()


def load_corpus(path: Path, wanted: set[str] | None = None) -> dict[str, str]:
    """BEIR corpus.jsonl as doc id -> text; with `wanted`, only those ids are kept (saves memory)."""
    corpus: dict[str, str] = {}
    for number, line in _lines(path):
        try:
            obj = json.loads(line)
            doc_id = str(obj["_id"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{number}: expected a JSON object with `_id` ({exc})") from exc
        if wanted is None or doc_id in wanted:
            corpus[doc_id] = document_text(str(obj.get("title") or ""), str(obj.get("text") or ""))
    if not corpus:
        raise DataError(f"{path}: no documents")
    return corpus
