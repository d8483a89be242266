"""First-stage retrieval quality on SciFact test queries: BM25 (the baseline), kNN and hybrid.

Indexes the full SciFact corpus (idempotent: a re-run only checks hashes) into a real local node,
runs every test query in each mode with size 100 and scores NDCG@10 and Recall@100 with ir-measures.
The bool hybrid's kNN k and boost are chosen on the *train* queries (a small grid, by NDCG@10 +
Recall@100), then reported on test.
The neural-search hybrid (min-max normalization) is added when the node has the plugin (--with-ml).

    .venv/bin/python bench/first_stage.py            # starts its own node on port 9270, stops it after
    .venv/bin/python bench/first_stage.py --url http://127.0.0.1:9200   # use a running node
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import click
import numpy as np
from _common import require_scifact
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from search_cluster.client import make_client
from search_cluster.corpus import count_lines
from search_cluster.embedding import load_embedder
from search_cluster.evaluate import Judged, ModeResult, evaluate_mode, load_judged
from search_cluster.ingest import EmbeddingModel, ingest
from search_cluster.node import OpenSearchNode, default_install_root
from search_cluster.search import has_plugin

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "scifact"
RESULTS = ROOT / "bench" / "results" / "first_stage.json"
# (kNN candidates k, kNN boost) for the bool hybrid; chosen by NDCG@10 + Recall@100 on the train queries.
HYBRID_GRID = [(k, boost) for k in (50, 100) for boost in (10.0, 30.0, 50.0, 100.0)]


def read_queries(split: str) -> Judged:
    return load_judged(SCIFACT / "queries.jsonl", SCIFACT / "qrels" / f"{split}.tsv")


class CachedModel:
    """Embeds each query once for all modes (so latency figures below exclude embedding time)."""

    def __init__(self, model: EmbeddingModel) -> None:
        self.model = model
        self.cache: dict[str, np.ndarray] = {}

    def as_model(self) -> EmbeddingModel:
        def embed(texts: list[str]) -> np.ndarray:
            missing = [t for t in texts if t not in self.cache]
            if missing:
                for text, vector in zip(missing, self.model.embed(missing), strict=True):
                    self.cache[text] = vector
            return np.stack([self.cache[t] for t in texts])

        return EmbeddingModel(embed=embed, dim=self.model.dim, name=self.model.name)


def run_mode(client: Any, index: str, judged: Judged, mode: str, model: EmbeddingModel, **params: Any) -> ModeResult:
    for text in judged.queries.values():
        model.embed([text])  # embed outside the timed search calls
    return evaluate_mode(client, index, judged, mode, model, **params)


@click.command()
@click.option("--url", default=None, help="A running node; default: start one on --port and stop it after.")
@click.option("--port", default=9270, show_default=True)
@click.option("--with-ml", is_flag=True, help="Start the node with neural-search to add the normalization hybrid.")
@click.option("--index", default="rescore-bridge-scifact", show_default=True)
@click.option("--embedder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
def main(url: str | None, port: int, with_ml: bool, index: str, embedder: Path | None) -> None:
    require_scifact()
    console = Console()
    node = None
    if url is None:
        node = OpenSearchNode(default_install_root("2.19.1", port), port, with_ml=with_ml, progress=console.print)
        node.start(timeout=300)
        url = node.url
    try:
        client = make_client(url, timeout=300)
        model = CachedModel(load_embedder(embedder, progress=console.print)).as_model()
        started = time.perf_counter()
        with tqdm(total=count_lines(SCIFACT / "corpus.jsonl"), unit="doc", desc="ingest") as bar:
            report = ingest(client, SCIFACT / "corpus.jsonl", index, model, progress=bar.update)
        ingest_s = time.perf_counter() - started
        console.print(f"ingest: {report.indexed} indexed, {report.skipped} up to date in {ingest_s:.1f}s")

        train = read_queries("train")
        grid: dict[tuple[int, float], dict[str, float]] = {}
        for k, boost in HYBRID_GRID:
            grid[(k, boost)] = run_mode(client, index, train, "hybrid", model, k=k, knn_boost=boost).scores
        # The first stage feeds a reranker: its top-10 order and its top-100 recall both matter.
        best_k, best_boost = max(grid, key=lambda key: grid[key]["nDCG@10"] + grid[key]["R@100"])
        for (k, boost), scores in grid.items():
            console.print(f"train hybrid k={k} boost={boost:g}: {scores}")
        console.print(f"chosen on train: k={best_k}, knn_boost={best_boost:g}")

        test = read_queries("test")
        modes: list[tuple[str, str, dict[str, Any]]] = [
            ("bm25", "bm25", {}),
            ("knn", "knn", {}),
            (f"hybrid (bool, k={best_k}, knn_boost={best_boost:g})", "hybrid", {"k": best_k, "knn_boost": best_boost}),
        ]
        if has_plugin(client, "opensearch-neural-search"):
            modes.append(("neural-hybrid (min-max, mean)", "neural-hybrid", {}))
        rows: list[dict[str, Any]] = []
        for label, mode, params in modes:
            result = run_mode(client, index, test, mode, model, **params)
            rows.append(
                {
                    "mode": label,
                    "ndcg@10": round(result.scores["nDCG@10"], 4),
                    "recall@100": round(result.scores["R@100"], 4),
                    "latency_ms_p50": round(result.p50_ms, 2),
                    "latency_ms_mean": round(statistics.fmean(result.latencies_ms), 2),
                }
            )
        table = Table(title=f"SciFact test ({len(test.queries)} queries), first stage on OpenSearch")
        for column in ("mode", "NDCG@10", "Recall@100", "p50 ms", "mean ms"):
            table.add_column(column, justify="left" if column == "mode" else "right")
        for row in rows:
            table.add_row(
                row["mode"],
                f"{row['ndcg@10']:.4f}",
                f"{row['recall@100']:.4f}",
                f"{row['latency_ms_p50']:.1f}",
                f"{row['latency_ms_mean']:.1f}",
            )
        console.print(table)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {
                    "dataset": "scifact/test",
                    "queries": len(test.queries),
                    "documents": report.indexed + report.skipped,
                    "embedder": model.name,
                    "opensearch": client.info()["version"]["number"],
                    "ingest_seconds": round(ingest_s, 1),
                    "ingest_indexed": report.indexed,
                    "ingest_skipped_up_to_date": report.skipped,
                    "hybrid_grid_train": [
                        {"k": k, "knn_boost": boost, **{m: round(v, 4) for m, v in scores.items()}}
                        for (k, boost), scores in grid.items()
                    ],
                    "results": rows,
                    "note": "latencies are search round trips from Python, query embedding excluded",
                },
                indent=2,
            )
            + "\n"
        )
        console.print(f"wrote {RESULTS}")
    finally:
        if node is not None:
            node.stop()


if __name__ == "__main__":
    main()
