"""Print a query's BM25 top hits beside the same search with the native cross_encoder rescore (the demo's
last step). With judgments (a BEIR folder), each hit is marked with its grade and each column gets nDCG,
so the reader can see whether the reranking helped instead of taking it on trust.

    .venv/bin/python scripts/demo_compare.py --url http://127.0.0.1:9210 --index demo --query "..." \
        --window 20 --judgments demo-work/corpus
"""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from search_cluster.beir import load_qrels, load_queries
from search_cluster.client import make_client
from search_cluster.search import Hit, build_query, cross_encoder_rescore, search

UNSCORED_BELOW = -500.0  # the plugin puts window hits the bridge did not score 1000 below the first stage

MARKS = {0: " ", 1: "+", 2: "★"}  # unjudged / not relevant, partly relevant, relevant


def ndcg(grades: list[int], ideal: list[int]) -> float:
    def dcg(values: list[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(values))

    best = dcg(sorted(ideal, reverse=True)[: len(grades)])
    return dcg(grades) / best if best else 0.0


def judged_grades(judgments: Path | None, query: str) -> dict[str, int] | None:
    """The qrels of the judged query whose text is `query`, or None when there is none."""
    if judgments is None:
        return None
    matching = [qid for qid, text in load_queries(judgments / "queries.jsonl").items() if text == query]
    qrels = load_qrels(judgments / "qrels" / "test.tsv")
    return qrels.get(matching[0], {}) if matching else None


def rescored(client: object, index: str, query: str, size: int, window: int, timeout_ms: int) -> list[Hit]:
    """`search(..., rescore_window=window)` with the demo's own bridge deadline (a cold bridge on a busy
    machine can miss the 1 s default, and the plugin then keeps first-stage order for what it missed)."""
    body, _ = build_query("bm25", query, size, None)
    body["rescore"] = cross_encoder_rescore(query, window, timeout_ms=timeout_ms)
    response = client.search(index=index, body=body)  # type: ignore[attr-defined]
    return [
        Hit(h["_id"], float(h["_score"]), h.get("_source", {}).get("title", ""), h.get("_source", {}).get("text", ""))
        for h in response["hits"]["hits"]
    ]


def cell(hit: Hit, grades: dict[str, int] | None, width: int) -> str:
    mark = f"{MARKS.get(grades.get(hit.doc_id, 0), '?')} " if grades is not None else ""
    title = hit.title or hit.text
    title = title if len(title) <= width else title[: width - 1] + "…"
    return f"{mark}{title}\n  [dim]{hit.doc_id} · {hit.score:.3f}[/dim]"


@click.command()
@click.option("--url", required=True)
@click.option("--index", required=True)
@click.option("--query", required=True)
@click.option("--window", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--size", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--judgments", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--timeout-ms", default=10_000, show_default=True, type=click.IntRange(1, 60_000))
@click.option("--model-note", default="", help="Which cross-encoder the bridge serves (printed above the table).")
def main(
    url: str, index: str, query: str, window: int, size: int, judgments: Path | None, timeout_ms: int, model_note: str
) -> None:
    client = make_client(url)
    first = search(client, index, query, mode="bm25", size=size)
    reranked = rescored(client, index, query, size, window, timeout_ms)
    grades = judged_grades(judgments, query)
    console = Console(width=120)
    table = Table(title=f"query: {query!r}", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column(f"BM25 (first stage) top {size}", ratio=1)
    table.add_column(f"BM25 + cross_encoder rescore of the top {window}", ratio=1)
    for rank in range(max(len(first), len(reranked))):
        left = cell(first[rank], grades, 50) if rank < len(first) else ""
        right = cell(reranked[rank], grades, 50) if rank < len(reranked) else ""
        table.add_row(str(rank + 1), left, right)
    if model_note:
        console.print(f"cross-encoder: {model_note}")
    console.print(table)
    missed = sum(hit.score < UNSCORED_BELOW for hit in reranked)
    if missed:
        console.print(f"{missed} of these were not scored within {timeout_ms} ms and keep their first-stage order")
    if grades is None:
        console.print("(the query has no judgments here, so relevance is not marked)")
        return
    ideal = list(grades.values())
    before = [grades.get(h.doc_id, 0) for h in first]
    after = [grades.get(h.doc_id, 0) for h in reranked]
    console.print(
        f"{MARKS[2]} relevant, {MARKS[1]} partly relevant (judgments in {judgments}); "
        f"nDCG@{size}: first stage {ndcg(before, ideal):.3f}, reranked {ndcg(after, ideal):.3f}"
    )


if __name__ == "__main__":
    main()
