"""Score a first-stage mode on judged queries (BEIR queries.jsonl + qrels tsv) with ir-measures."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ir_measures
from ir_measures import R, nDCG
from opensearchpy import OpenSearch

from search_cluster.beir import load_judgments
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
    """Every query with a judgment (graded 0 too, as trec_eval counts it) and its qrels, for ir-measures."""
    judgments = load_judgments(queries_file, qrels_file, positive_only=False)
    qrels = [
        ir_measures.Qrel(query_id, doc_id, grade)
        for query_id, docs in judgments.qrels.items()
        for doc_id, grade in docs.items()
    ]
    return Judged(judgments.queries, qrels)


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
