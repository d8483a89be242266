"""Score a first-stage mode on judged queries (BEIR queries.jsonl + qrels tsv) with ir-measures."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ir_measures
from ir_measures import R, nDCG
from opensearchpy import OpenSearch

from search_cluster.ingest import EmbeddingModel
from search_cluster.search import search

DEFAULT_MEASURES = (nDCG @ 10, R @ 100)


@dataclass(frozen=True)
class Judged:
    queries: dict[str, str]  # only queries with at least one judgment
    qrels: list[Any]


@dataclass(frozen=True)
class ModeResult:
    scores: dict[str, float]
    latencies_ms: list[float]

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


def load_judged(queries_file: Path, qrels_file: Path) -> Judged:
    """BEIR queries (jsonl `_id`, `text`) and qrels (tsv with a header: query-id, corpus-id, score)."""
    qrels = []
    for number, line in enumerate(qrels_file.read_text().splitlines(), start=1):
        parts = line.split("\t")
        if number == 1 and not parts[-1].strip().lstrip("-").isdigit():
            continue  # header
        if len(parts) != 3:
            raise ValueError(f"{qrels_file}:{number}: expected 3 tab-separated columns")
        qrels.append(ir_measures.Qrel(parts[0], parts[1], int(parts[2])))
    judged = {q.query_id for q in qrels}
    queries = {}
    for number, line in enumerate(queries_file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{queries_file}:{number}: invalid JSON ({exc.msg})") from exc
        if str(obj.get("_id")) in judged:
            queries[str(obj["_id"])] = str(obj["text"])
    if not queries:
        raise ValueError(f"no query in {queries_file} has a judgment in {qrels_file}")
    return Judged(queries, qrels)


def evaluate_mode(
    client: OpenSearch,
    index: str,
    judged: Judged,
    mode: str,
    model: EmbeddingModel | None,
    depth: int = 100,
    measures: tuple[Any, ...] = DEFAULT_MEASURES,
    progress: Callable[[int], None] | None = None,
    **params: Any,
) -> ModeResult:
    """Run every judged query in `mode` to `depth` and aggregate `measures`."""
    run = []
    latencies = []
    for query_id, text in judged.queries.items():
        started = time.perf_counter()
        hits = search(client, index, text, mode=mode, size=depth, model=model, **params)
        latencies.append((time.perf_counter() - started) * 1000)
        run += [ir_measures.ScoredDoc(query_id, hit.doc_id, hit.score) for hit in hits]
        if progress:
            progress(1)
    aggregate = ir_measures.calc_aggregate(list(measures), judged.qrels, run)
    return ModeResult({str(m): float(aggregate[m]) for m in measures}, latencies)
