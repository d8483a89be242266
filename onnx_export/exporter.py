"""Export orchestration: staging folder -> variants -> fidelity gate -> manifest -> atomic rename.

Work happens in a hidden staging folder beside the target; only a gated, manifested folder is renamed
into place, so an interrupted or refused export never leaves something that loads as valid.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import convert, openvino_variants
from .calibration import load_calibration
from .config import ExportConfig
from .engine_choice import measure_and_choose
from .errors import ExportError, FidelityGateError
from .fidelity import VariantFidelity, compare, judge, onnx_scores, torch_reference
from .loading import load_model_and_tokenizer
from .manifest import write_manifest
from .source import resolve_source

Progress = Callable[[str], None]

_PRECISION = {"fp32": "fp32", "optimized": "fp32", "int8": "int8", "fp16": "fp16"} | openvino_variants.OPENVINO_VARIANTS
_SERVING_PREFERENCE = ("int8", "optimized", "fp32")


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    default_variant: str
    fidelity: dict[str, VariantFidelity]
    manifest: dict[str, Any]
    seconds: float


def _prepare_staging(out_dir: Path, overwrite: bool) -> Path:
    out_dir = out_dir.expanduser().absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"output path {out_dir} exists and is a file")
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise ExportError(f"output folder {out_dir} is not empty; pass --overwrite to replace it")
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f".{out_dir.name}.partial-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as exc:
        raise ExportError(f"cannot write to {parent}: {exc.strerror or exc}") from exc
    return staging


def _publish(staging: Path, out_dir: Path) -> None:
    """Swap the finished folder into place; the old one (if overwriting) is removed only afterwards."""
    out_dir = out_dir.expanduser().absolute()
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        out_dir.rename(old)
    staging.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _build_variants(config: ExportConfig, model: Any, tokenizer: Any, staging: Path, say: Progress) -> dict[str, str]:
    variants: dict[str, str] = {}
    say("exporting fp32 ONNX graph")
    variants["fp32"] = convert.export_fp32(model, tokenizer, config, staging)
    if config.optimization:
        say(f"optimizing graph ({config.optimization})")
        variants["optimized"] = convert.optimize(config, staging)
    if config.quantization == "dynamic-int8":
        source = convert.int8_source_file(config)
        say(f"quantizing {source} to int8 ({config.quant_arch} preset, per-channel={config.quant_per_channel})")
        variants["int8"] = convert.quantize_int8(config, staging, source)
    if config.fp16:
        say("building fp16 graph for CUDA")
        variants["fp16"] = convert.optimize(config, staging, for_gpu_fp16=True)
    if "openvino" in config.engines:
        calibration = load_calibration(config.calibration_file)
        variants.update(openvino_variants.build(staging, calibration, config.max_length, say))
    return variants


def _gate(
    config: ExportConfig, model: Any, tokenizer: Any, staging: Path, variants: dict[str, str], say: Progress
) -> tuple[dict[str, VariantFidelity], dict[str, Any]]:
    calibration = load_calibration(config.calibration_file)
    say(f"fidelity gate: scoring {calibration.pair_count} calibration pairs with the PyTorch model")
    reference = torch_reference(model, tokenizer, calibration, config.task, config.max_length)
    results: dict[str, VariantFidelity] = {}
    for name, file in variants.items():
        reduced = _PRECISION[name] != "fp32"
        try:
            scores = onnx_scores(
                staging / file,
                staging / "tokenizer.json",
                calibration,
                config.task,
                config.max_length,
                engine=openvino_variants.engine_of(name),
                precision=_PRECISION[name],
            )
        except Exception as exc:  # fp16 graphs often have no CPU kernels: unverified, never silently accepted
            results[name] = VariantFidelity(
                variant=name,
                reduced=reduced,
                status="unverified",
                reasons=[f"could not run on CPU here: {str(exc).splitlines()[0][:200]}"],
            )
            say(f"  {name}: not verified on this machine")
            continue
        thresholds = openvino_variants.thresholds_for(name, config.thresholds)
        results[name] = judge(name, compare(reference, scores), thresholds, reduced)
        verdict = "pass" if results[name].passed else "FAIL: " + "; ".join(results[name].reasons)
        metrics = results[name].metrics
        say(
            f"  {name}: max|diff| {metrics['max_abs_logit_diff']:.2e}, spearman {metrics['spearman_mean']:.4f}, "
            f"top-10 {metrics['top10_agreement_mean']:.3f} -> {verdict}"
        )
    info = {"source": calibration.source, "queries": len(calibration.groups), "pairs": calibration.pair_count}
    return results, info


def _choose_default(config: ExportConfig, results: dict[str, VariantFidelity], say: Progress) -> str:
    wanted = "int8" if config.quantization != "none" else ("optimized" if config.optimization else "fp32")
    if results[wanted].passed:
        return wanted
    refused = "; ".join(results[wanted].reasons)
    fallback = next((n for n in _SERVING_PREFERENCE if n in results and results[n].passed), None)
    if config.allow_fallback and fallback is not None:
        say(f"WARNING: {wanted} variant refused ({refused}); serving {fallback} instead (--allow-fallback)")
        return fallback
    raise FidelityGateError(
        f"fidelity gate refused the {wanted} variant: {refused}"
        + (f" (the {fallback} variant passed: use --allow-fallback to serve it)" if fallback else "")
    )


def export_model(config: ExportConfig, progress: Progress | None = None) -> ExportResult:
    """Export, optimize, quantize and gate `config.model` into `config.out_dir`."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    source = resolve_source(config.model, config.task, config.revision)
    staging = _prepare_staging(config.out_dir, config.overwrite)
    try:
        say(f"loading {source.reference}")
        model, tokenizer, head_initialized = load_model_and_tokenizer(source, config)
        variants = _build_variants(config, model, tokenizer, staging, say)
        if not (staging / "tokenizer.json").is_file():
            raise ExportError("the exported tokenizer has no tokenizer.json; the bridge needs a fast tokenizer")
        results, calibration_info = _gate(config, model, tokenizer, staging, variants, say)
        default = _choose_default(config, results, say)
        kept = {file for name, file in variants.items() if results[name].passed or results[name].status != "measured"}
        for name, result in results.items():
            if not result.passed and result.status == "measured" and variants[name] not in kept:
                for path in openvino_variants.files_of(staging, variants[name]):
                    path.unlink(missing_ok=True)
        manifest = write_manifest(
            staging,
            _manifest_body(
                config,
                source.provenance(),
                model,
                staging,
                variants,
                results,
                default,
                calibration_info,
                head_initialized,
            ),
        )
        if config.measure_engines:
            default = measure_and_choose(staging, say)
            manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
        _publish(staging, config.out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    say(f"artifact written to {config.out_dir} (default variant: {default})")
    return ExportResult(
        out_dir=config.out_dir,
        default_variant=default,
        fidelity=results,
        manifest=manifest,
        seconds=time.perf_counter() - started,
    )


def _manifest_body(
    config: ExportConfig,
    provenance: dict[str, Any],
    model: Any,
    staging: Path,
    variants: dict[str, str],
    results: dict[str, VariantFidelity],
    default: str,
    calibration_info: dict[str, Any],
    head_initialized: bool,
) -> dict[str, Any]:
    import onnx

    graph = onnx.load(str(staging / convert.FP32_FILE), load_external_data=False).graph
    inputs = [i.name for i in graph.input]
    body: dict[str, Any] = {
        "task": config.task,
        "source": provenance,
        "opset": config.opset,
        "max_length": config.max_length,
        "inputs": inputs,
        "uses_token_type_ids": "token_type_ids" in inputs,
        "output": {"name": graph.output[0].name},
        "tokenizer": {"file": "tokenizer.json", "library": "tokenizers", "truncation": "only_second"},
        "optimization": {
            "level": config.optimization,
            "cpu_graph": "onnxruntime basic pass + transformer fusions, without SkipLayerNormalization/BiasGelu",
        },
        "quantization": convert.quantization_settings(config) if config.quantization != "none" else {"mode": "none"},
        **({"openvino_quantization": openvino_variants.quantization_settings()} if "openvino_int8" in variants else {}),
        "default_variant": default,
        "variants": {
            name: {
                "file": file if (results[name].passed or results[name].status != "measured") else None,
                "engine": openvino_variants.engine_of(name),
                "precision": _PRECISION[name],
                "accepted": results[name].passed,
                "size_bytes": openvino_variants.size_of(staging, file),
                "fidelity": results[name].to_manifest(),
            }
            for name, file in variants.items()
        },
        "fidelity_thresholds": asdict(config.thresholds),
        "calibration": calibration_info,
    }
    if config.task == "cross-encoder":
        body["output"]["num_labels"] = int(model.config.num_labels)
        body["activation"] = "sigmoid"
        body["head_initialized"] = head_initialized
    else:
        body["embedding_dim"] = int(model.config.hidden_size)
        body["pooling"] = "mean"
        body["normalize"] = True
    return body
