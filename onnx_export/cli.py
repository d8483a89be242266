"""`rescore-bridge export`: the command-line face of `export_model`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from rescore_cli.errors import CliError

from .config import QUANT_ARCHES, ExportConfig, GateThresholds, detect_quant_arch
from .errors import ExportError, FidelityGateError

_console = Console(stderr=True)


class GateRefused(CliError):
    """The export ran but the variant to serve failed the fidelity gate: exit 1, apart from bad input (2)."""

    exit_code = 1


@click.command()
@click.argument("model")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Artifact folder to create.")
@click.option("--task", type=click.Choice(["cross-encoder", "embedding"]), default="cross-encoder", show_default=True)
@click.option(
    "--max-length",
    type=int,
    default=None,
    help="Max tokens of query+document. Default: 512, or less where the model or its tokenizer supports less; "
    "more than the model's position embeddings allow is refused.",
)
@click.option("--opset", type=int, default=18, show_default=True)
@click.option(
    "--optimization",
    type=click.Choice(["O1", "O2", "O3", "none"]),
    default="O2",
    show_default=True,
    help="onnxruntime transformer graph optimization: O1 and O2 give the same CPU graph (O2's extra rewrites "
    "run at load), O3 adds GELU approximation (to int8 too); the level matters for the --fp16 graph.",
)
@click.option("--quantization", type=click.Choice(["none", "dynamic-int8"]), default="dynamic-int8", show_default=True)
@click.option(
    "--quant-arch", type=click.Choice(QUANT_ARCHES), default=None, help="int8 preset; default: detected from this CPU."
)
@click.option("--per-channel/--per-tensor", default=True, show_default=True, help="int8 weight granularity.")
@click.option(
    "--quant-exclude", multiple=True, help="Node of the int8 source graph (see --int8-from) to keep fp32 (repeatable)."
)
@click.option(
    "--int8-from",
    type=click.Choice(["fused", "plain"]),
    default="fused",
    show_default=True,
    help="Quantize the optimized graph (QAttention; faster on CPU) or the plain export; both keep the "
    "attention core fp32 (without --optimization: plain).",
)
@click.option("--fp16", is_flag=True, help="Also build an fp16 graph for the CUDA provider.")
@click.option(
    "--allow-new-head",
    is_flag=True,
    help="Accept a base encoder and give it an untrained 1-logit head (speed tests, fine-tuning).",
)
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    default=None,
    help="jsonl of {query, documents} for the fidelity gate; default: a built-in generic set.",
)
@click.option("--max-logit-diff", type=float, default=GateThresholds.max_logit_diff, show_default=True)
@click.option("--min-spearman", type=float, default=GateThresholds.min_spearman, show_default=True)
@click.option("--min-top10", type=float, default=GateThresholds.min_top10, show_default=True)
@click.option("--int8-min-spearman", type=float, default=GateThresholds.reduced_min_spearman, show_default=True)
@click.option("--int8-min-top10", type=float, default=GateThresholds.reduced_min_top10, show_default=True)
@click.option("--allow-fallback", is_flag=True, help="Serve the best passing variant if the requested one fails.")
@click.option("--overwrite", is_flag=True, help="Replace an existing artifact folder.")
@click.option("--revision", default=None, help="Hub revision (for hub ids).")
@click.option(
    "--instruction",
    default=None,
    help="LLM rerankers (e.g. Qwen3-Reranker): the task instruction inside their prompt; default: the model's own.",
)
def export(
    model: str,
    out_dir: Path,
    task: str,
    max_length: int | None,
    opset: int,
    optimization: str,
    quantization: str,
    quant_arch: str | None,
    per_channel: bool,
    quant_exclude: tuple[str, ...],
    int8_from: str,
    fp16: bool,
    allow_new_head: bool,
    calibration: Path | None,
    max_logit_diff: float,
    min_spearman: float,
    min_top10: float,
    int8_min_spearman: float,
    int8_min_top10: float,
    allow_fallback: bool,
    overwrite: bool,
    revision: str | None,
    instruction: str | None,
) -> None:
    """Export MODEL (a local folder or hub id) to a gated ONNX artifact in --out."""
    from .exporter import export_model

    try:
        config = ExportConfig(
            model=model,
            out_dir=out_dir,
            task=task,  # type: ignore[arg-type]
            max_length=max_length,
            opset=opset,
            optimization=None if optimization == "none" else optimization,  # type: ignore[arg-type]
            quantization=quantization,  # type: ignore[arg-type]
            quant_arch=quant_arch or detect_quant_arch(),  # type: ignore[arg-type]
            quant_per_channel=per_channel,
            quant_exclude_nodes=quant_exclude,
            quant_source=int8_from,  # type: ignore[arg-type]
            fp16=fp16,
            allow_new_head=allow_new_head,
            allow_fallback=allow_fallback,
            overwrite=overwrite,
            calibration_file=calibration,
            revision=revision,
            instruction=instruction,
            thresholds=GateThresholds(
                max_logit_diff=max_logit_diff,
                min_spearman=min_spearman,
                min_top10=min_top10,
                reduced_min_spearman=int8_min_spearman,
                reduced_min_top10=int8_min_top10,
            ),
        )
        result = export_model(config, progress=lambda message: _console.print(message, highlight=False))
    except FidelityGateError as exc:
        raise GateRefused(str(exc)) from exc
    except (ExportError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    _console.print(f"done in {result.seconds:.1f}s")
