"""The whole `train` command in order: split, train, export + gate, evaluate; writes out/report.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from search_cluster.beir import Judgments, write_run

from .config import TrainConfig
from .evaluate import measure
from .export import export_trained, score_artifact, write_calibration
from .first_stage import FirstStage
from .loop import Trainer
from .pairs import split_queries

REPORT = "report.json"


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'system':<26} {'NDCG@10':>8} {'MRR@10':>8} {'pairs/s':>9}"]
    for row in rows:
        pps = f"{row['pairs_per_second']:9.1f}" if row.get("pairs_per_second") else f"{'-':>9}"
        lines.append(f"{row['system']:<26} {row['ndcg@10']:8.4f} {row['mrr@10']:8.4f} {pps}")
    return "\n".join(lines)


def run_pipeline(
    config: TrainConfig,
    judgments: Judgments,
    stage: FirstStage,
    eval_judgments: Judgments | None,
    eval_stage: FirstStage | None,
    resume: bool,
    export: bool,
    say: Callable[[str], None],
) -> dict[str, Any]:
    config.out_dir.mkdir(parents=True, exist_ok=True)
    judged_ids = sorted(q for q in judgments.queries if q in stage.run)
    train_ids, val_ids = split_queries(judged_ids, config.val_fraction, config.seed)
    val_run = {q: stage.run[q][: config.val_depth] for q in val_ids}
    first_stage_val = measure(val_run, judgments.qrels)
    say(f"first stage: {stage.source}; {len(train_ids)} training and {len(val_ids)} validation queries")
    say(f"validation, first stage alone (top {config.val_depth}): NDCG@10 {first_stage_val['ndcg@10']:.4f}")
    trainer = Trainer(config, judgments, stage, train_ids, val_ids, resume, say)
    layers_note = f", layers kept {trainer.kept_layers}" if trainer.kept_layers is not None else ""
    say(
        f"{trainer.groups_per_epoch} groups of 1+{config.negatives + config.random_negatives} per epoch, "
        f"{trainer.total_steps} steps, loss {config.loss}{layers_note}"
    )
    result = trainer.fit(first_stage_val)
    report: dict[str, Any] = {
        "config": config.to_json(),
        "kept_layers": result.kept_layers,
        "train_queries": len(train_ids),
        "validation_queries": len(val_ids),
        "first_stage_validation": first_stage_val,
        "steps": result.state.step,
        "stopped_early": result.state.stopped_early,
        "best_step": result.state.best_step,
        "validations": result.state.validations,
        "loss_first_last": [result.state.losses[:10], result.state.losses[-10:]],
        "train_seconds": round(result.seconds, 1),
        "model_dir": str(result.model_dir),
    }
    summary: dict[str, Any] = {"model": str(result.model_dir), "best_validation_ndcg@10": result.state.best_metric}
    if export:
        calibration = write_calibration(
            config.out_dir / "calibration.jsonl", judgments.queries, stage.run, stage.documents, val_ids
        )
        report["export"] = export_trained(
            result.model_dir, config.out_dir / "artifact", config.max_length, calibration, say, config.quant_exclude
        )
        summary["artifact"] = report["export"]["artifact"]
        summary["default_variant"] = report["export"]["default_variant"]
        if eval_judgments is not None and eval_stage is not None:
            eval_run = {q: eval_stage.run[q] for q in eval_judgments.queries if q in eval_stage.run}
            if len(eval_run) < len(eval_judgments.queries):
                say(f"evaluation: {len(eval_judgments.queries) - len(eval_run)} judged queries have no first-stage hit")
            rows = [{"system": "first stage alone", **measure(eval_run, eval_judgments.qrels)}]
            for score in score_artifact(
                config.out_dir / "artifact",
                config.eval_variants,
                eval_run,
                eval_judgments.queries,
                eval_stage.documents,
                eval_judgments.qrels,
                config.eval_depth,
                say,
            ):
                write_run(config.out_dir / f"eval-{score.variant}.trec", score.run, f"rerank-{score.variant}")
                rows.append(
                    {
                        "system": f"reranked top {config.eval_depth} ({score.variant})",
                        **score.metrics,
                        "pairs_per_second": score.pairs_per_second,
                        "pairs": score.pairs,
                    }
                )
            report["evaluation"] = rows
            summary["evaluation"] = rows
            say(_table(rows))
    report["summary"] = summary
    (config.out_dir / REPORT).write_text(json.dumps(report, indent=2) + "\n")
    return report
