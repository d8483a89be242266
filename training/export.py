"""Hand the trained HF folder to the exporter (export, quantize, fidelity gate) and score the artifact.

The gate's calibration pairs are drawn from the validation queries and their first-stage hits, so
int8 is judged on the domain it will serve rather than on generic sentences.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search_cluster.beir import Qrels, Run

from .evaluate import measure, rerank


@dataclass(frozen=True)
class VariantScore:
    variant: str
    metrics: dict[str, float]
    pairs_per_second: float
    pairs: int
    run: Run


def write_calibration(
    path: Path,
    queries: Mapping[str, str],
    run: Run,
    documents: Mapping[str, str],
    query_ids: Sequence[str],
    per_query: int = 20,
    max_queries: int = 16,
) -> Path:
    """The exporter's calibration format: one `{"query", "documents"}` object a line."""
    with path.open("w", encoding="utf-8") as handle:
        for qid in [q for q in query_ids if q in run][:max_queries]:
            docs = [documents[d] for d, _ in run[qid][:per_query]]
            handle.write(json.dumps({"query": queries[qid], "documents": docs}) + "\n")
    return path


def ffn_nodes(model_dir: Path) -> tuple[str, ...]:
    """ONNX names of a BERT model's feed-forward MatMuls: the int8-sensitive part of a fine-tuned MiniLM.

    Measured on the SciFact model: all int8 gave Spearman 0.964 against fp32 on domain pairs; keeping
    these 12 MatMuls in fp32 gave 0.989 (the attention projections stay int8).
    """
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") != "bert":
        return ()
    return tuple(
        f"/bert/encoder/layer.{i}/{part}/dense/MatMul"
        for i in range(int(config["num_hidden_layers"]))
        for part in ("intermediate", "output")
    )


def export_trained(
    model_dir: Path,
    artifact_dir: Path,
    max_length: int,
    calibration: Path | None,
    say: Callable[[str], None],
    quant_exclude: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Export with int8 quantization; a refused int8 falls back to fp32 (recorded, never hidden).

    With `quant_exclude=None`, an int8 variant refused by the gate is retried once with the
    feed-forward MatMuls kept in fp32 (`ffn_nodes`); an explicit tuple is used as given.
    """
    from onnx_export import ExportConfig, export_model

    def run(exclude: tuple[str, ...]) -> Any:
        config = ExportConfig(
            model=str(model_dir),
            out_dir=artifact_dir,
            task="cross-encoder",
            max_length=max_length,
            quantization="dynamic-int8",
            quant_exclude_nodes=exclude,
            allow_fallback=True,
            overwrite=True,
            calibration_file=calibration,
        )
        return export_model(config, progress=say)

    result = run(quant_exclude or ())
    retry = ffn_nodes(model_dir) if quant_exclude is None else ()
    if not result.fidelity["int8"].passed and retry:
        say(f"int8 refused ({'; '.join(result.fidelity['int8'].reasons)}): retrying with the FFN MatMuls in fp32")
        result = run(retry)
    return {
        "artifact": str(result.out_dir),
        "default_variant": result.default_variant,
        "int8_excluded_nodes": list(result.manifest.get("quantization", {}).get("excluded_nodes", [])),
        "fidelity": {name: f.to_manifest() for name, f in result.fidelity.items()},
        "seconds": round(result.seconds, 1),
    }


def score_artifact(
    artifact_dir: Path,
    variants: Sequence[str],
    run: Run,
    queries: Mapping[str, str],
    documents: Mapping[str, str],
    qrels: Qrels,
    depth: int,
    say: Callable[[str], None],
) -> list[VariantScore]:
    """Rerank `run` with each accepted variant through `plugin_bridge.Reranker` (the serving path)."""
    from plugin_bridge import Reranker
    from plugin_bridge.errors import ArtifactError

    scores = []
    for variant in variants:
        try:
            reranker = Reranker(artifact_dir, variant=variant)
        except ArtifactError as exc:
            say(f"{variant}: not evaluated ({exc})")
            continue

        def scorer(query: str, docs: list[str], reranker: Any = reranker) -> list[float]:
            return list(reranker.score(query, docs, activation="none"))

        result = rerank(run, queries, documents, scorer, depth, desc=f"eval {variant}")
        scores.append(
            VariantScore(variant, measure(result.run, qrels), result.pairs_per_second, result.pairs, result.run)
        )
    return scores
