"""Rerank a first-stage run with any scorer and measure it with ir-measures (NDCG@10, MRR@10).

The same code judges the torch model during validation and the exported ONNX artifact afterwards,
so the numbers in the training report and in the benchmark are comparable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import ir_measures
from ir_measures import RR, nDCG
from tqdm.auto import tqdm

from search_cluster.beir import Qrels, Run

Scorer = Callable[[str, list[str]], Sequence[float]]
MEASURES = {"ndcg@10": nDCG @ 10, "mrr@10": RR @ 10}


@dataclass(frozen=True)
class RerankResult:
    run: Run
    pairs: int
    seconds: float

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / self.seconds if self.seconds > 0 else 0.0


def measure(run: Run, qrels: Qrels) -> dict[str, float]:
    """NDCG@10 and MRR@10 averaged over the queries of `run` that have judgments (callers report any missing)."""
    judged = {qid: docs for qid, docs in qrels.items() if qid in run}
    if not judged:
        raise ValueError("no query of the run has a judgment")
    qrels_rows = [ir_measures.Qrel(q, d, g) for q, docs in judged.items() for d, g in docs.items()]
    run_rows: list[ir_measures.ScoredDoc] = []
    for qid in judged:
        hits = run[qid]
        # ir-measures ranks by score; rank-derived scores keep our order even where scores tie
        run_rows += [ir_measures.ScoredDoc(qid, doc, float(len(hits) - i)) for i, (doc, _) in enumerate(hits)]
    scores = ir_measures.calc_aggregate(list(MEASURES.values()), qrels_rows, run_rows)
    return {name: float(scores.get(m, 0.0)) for name, m in MEASURES.items()}


def rerank(
    run: Run,
    queries: Mapping[str, str],
    documents: Mapping[str, str],
    scorer: Scorer,
    depth: int,
    query_ids: Iterable[str] | None = None,
    desc: str = "rerank",
) -> RerankResult:
    """Rescore the top `depth` hits of each query; hits below `depth` keep their first-stage order after them."""
    ids = [q for q in (query_ids if query_ids is not None else run) if q in run]
    out: Run = {}
    pairs = 0
    seconds = 0.0
    for qid in tqdm(ids, desc=desc, unit="q", leave=False):
        head, tail = run[qid][:depth], run[qid][depth:]
        started = time.perf_counter()
        scores = scorer(queries[qid], [documents[doc] for doc, _ in head])
        seconds += time.perf_counter() - started
        pairs += len(head)
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        out[qid] = [(head[i][0], float(scores[i])) for i in order] + tail
    return RerankResult(out, pairs, seconds)
