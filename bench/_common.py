"""Shared helpers for benchmarks: pair generation, timing, tables and JSON results."""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"
SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "scifact"


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "processor": platform.processor(),
    }


def require_scifact() -> Path:
    """SciFact (BEIR layout) beside the repository, or stop with one line saying where to put it.

    Benchmarks only: the test suite never reads it (it generates its own judged corpus).
    """
    missing = [name for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv") if not (SCIFACT / name).is_file()]
    if missing:
        raise SystemExit(
            f"SciFact not found: put the BEIR scifact folder (corpus.jsonl, queries.jsonl, qrels/*.tsv) at {SCIFACT}"
        )
    return SCIFACT


def scifact_pairs(count: int, words: int = 200, seed: int = 0) -> tuple[list[str], list[str]]:
    """Real text: SciFact claims with abstracts cut/padded to about `words` words."""
    rng = random.Random(seed)
    require_scifact()
    docs = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open()]
    queries = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()]
    texts = []
    for doc in rng.sample(docs, count):
        tokens = (doc["title"] + " " + doc["text"]).split()
        while len(tokens) < words:
            tokens += tokens
        texts.append(" ".join(tokens[:words]))
    return [rng.choice(queries) for _ in range(count)], texts


def timed(fn: Callable[[], object], repeats: int = 3, warmup: int = 1) -> float:
    """Median wall time of `fn` (seconds) after warm-up runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column != columns[0] else "left")
    for row in rows:
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    Console(width=200).print(table)


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2) + "\n")
    return path
