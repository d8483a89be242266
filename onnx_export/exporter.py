"""Export orchestration: staging folder -> variants -> fidelity gate -> manifest -> atomic rename.

Work happens in a hidden staging folder beside the target; only a gated, manifested folder is renamed
into place, so an interrupted or refused export never leaves something that loads as valid.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from . import contract, convert, llm_reranker
from .calibration import load_calibration
from .config import ExportConfig
from .errors import ExportError, FidelityGateError
from .fidelity import VariantFidelity, compare, judge, onnx_scores, torch_reference
from .loading import LoadedModel, load_model_and_tokenizer
from .manifest import write_manifest
from .max_length import choose_max_length, read_limits
from .source import ModelSource, resolve_source

Progress = Callable[[str], None]

_PRECISION = {"fp32": "fp32", "optimized": "fp32", "int8": "int8", "fp16": "fp16"}
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


def _settle_max_length(config: ExportConfig, source: ModelSource, say: Progress) -> tuple[ExportConfig, dict[str, Any]]:
    """Default the max length to what the model supports; refuse (exit 2) a request it cannot embed."""
    limits = read_limits(source.local_dir)
    chosen, why = choose_max_length(limits, config.max_length, source.reference)
    say(why)
    record = limits.to_manifest(chosen, "default" if config.max_length is None else "--max-length")
    return replace(config, max_length=chosen), record


def _build_variants(
    config: ExportConfig, model: Any, tokenizer: Any, staging: Path, say: Progress
) -> tuple[dict[str, str], dict[str, str]]:
    """(variant -> file, skipped variant -> why): an architecture may lack optimizer fusions or int8."""
    variants: dict[str, str] = {}
    skipped: dict[str, str] = {}
    say("exporting fp32 ONNX graph")
    variants["fp32"] = convert.export_fp32(model, tokenizer, config, staging)
    if config.optimization:
        say(f"optimizing graph ({config.optimization})")
        try:
            variants["optimized"] = convert.optimize(config, staging)
        except convert.VariantUnavailable as exc:
            skipped["optimized"] = str(exc)
            say(f"  optimized: skipped: {exc}")
    if config.quantization == "dynamic-int8":
        source = convert.int8_source_file(config, optimized_built="optimized" in variants)
        say(f"quantizing {source} to int8 ({config.quant_arch} preset, per-channel={config.quant_per_channel})")
        try:
            variants["int8"] = convert.quantize_int8(config, staging, source)
        except ExportError:
            raise
        except Exception as exc:  # the quantizer cannot handle this graph: recorded; fp32 variants stay
            skipped["int8"] = f"onnxruntime's quantizer failed on {source}: {str(exc).splitlines()[0][:200]}"
            say(f"  int8: skipped: {skipped['int8']}")
    if config.fp16:
        say("building fp16 graph for CUDA")
        try:
            variants["fp16"] = convert.optimize(config, staging, for_gpu_fp16=True)
        except convert.VariantUnavailable as exc:
            skipped["fp16"] = str(exc)
            say(f"  fp16: skipped: {exc}")
    return variants, skipped


def _gate(
    config: ExportConfig, loaded: LoadedModel, staging: Path, variants: dict[str, str], say: Progress
) -> tuple[dict[str, VariantFidelity], dict[str, Any]]:
    calibration = load_calibration(config.calibration_file)
    say(f"fidelity gate: scoring {calibration.pair_count} calibration pairs with the PyTorch model")
    if loaded.yes_no is not None:  # the causal LM itself, scored the published way, is the yardstick
        reference = llm_reranker.reference_logits(loaded.yes_no, loaded.tokenizer, calibration.groups, config.length)
    else:
        reference = torch_reference(loaded.model, loaded.tokenizer, calibration, config.task, config.length)
    tokenizer_contract = contract.tokenizer_entry(loaded)
    prompt = loaded.yes_no.template if loaded.yes_no is not None else None
    results: dict[str, VariantFidelity] = {}
    for name, file in variants.items():
        reduced = _PRECISION[name] != "fp32"
        try:
            scores = onnx_scores(
                staging / file,
                staging / "tokenizer.json",
                calibration,
                config.task,
                config.length,
                pad_id=tokenizer_contract["pad_token_id"],
                prompt=prompt,
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
        results[name] = judge(name, compare(reference, scores), config.thresholds, reduced)
        verdict = "pass" if results[name].passed else "FAIL: " + "; ".join(results[name].reasons)
        metrics = results[name].metrics
        say(
            f"  {name}: max|diff| {metrics['max_abs_logit_diff']:.2e}, spearman {metrics['spearman_mean']:.4f}, "
            f"top-10 {metrics['top10_agreement_mean']:.3f} -> {verdict}"
        )
    info = {"source": calibration.source, "queries": len(calibration.groups), "pairs": calibration.pair_count}
    return results, info


def _choose_default(
    config: ExportConfig, results: dict[str, VariantFidelity], skipped: dict[str, str], say: Progress
) -> str:
    wanted = "int8" if config.quantization != "none" else ("optimized" if config.optimization else "fp32")
    if wanted in skipped:  # not a refusal: this architecture has no such variant (recorded in the manifest)
        built = next(n for n in _SERVING_PREFERENCE[_SERVING_PREFERENCE.index(wanted) + 1 :] if n in results)
        say(f"{wanted} variant not built for this model ({skipped[wanted]}); {built} is the one to serve")
        wanted = built
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
    config, length_record = _settle_max_length(config, source, say)
    staging = _prepare_staging(config.out_dir, config.overwrite)
    try:
        say(f"loading {source.reference}")
        loaded = load_model_and_tokenizer(source, config)
        model = loaded.model
        if loaded.yes_no is not None:
            preset = loaded.yes_no.preset
            say(
                f"{', '.join(source.architectures)} is scored as an LLM reranker: "
                f"logit('{preset.yes}') - logit('{preset.no}') after the {preset.name} prompt"
            )
        variants, skipped = _build_variants(config, model, loaded.tokenizer, staging, say)
        if not (staging / "tokenizer.json").is_file():
            raise ExportError("the exported tokenizer has no tokenizer.json; the bridge needs a fast tokenizer")
        results, calibration_info = _gate(config, loaded, staging, variants, say)
        default = _choose_default(config, results, skipped, say)
        fusions = convert.fused_ops(staging / variants["optimized"]) if "optimized" in variants else {}
        for name, result in results.items():
            if not result.passed and result.status == "measured":
                (staging / variants[name]).unlink()
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
                loaded,
                skipped,
                length_record,
                fusions,
            ),
        )
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
    loaded: LoadedModel,
    skipped: dict[str, str],
    length_record: dict[str, Any],
    fusions: dict[str, int],
) -> dict[str, Any]:
    import onnx

    graph = onnx.load(str(staging / convert.FP32_FILE), load_external_data=False).graph
    inputs = [i.name for i in graph.input]
    body: dict[str, Any] = {
        "task": config.task,
        "source": provenance,
        "opset": config.opset,
        "max_length": config.max_length,
        "max_length_limits": length_record,
        "inputs": inputs,
        "uses_token_type_ids": "token_type_ids" in inputs,
        "output": {"name": graph.output[0].name},
        "tokenizer": contract.tokenizer_entry(loaded),
        "optimization": {
            "level": config.optimization,
            "cpu_graph": "onnxruntime basic pass + transformer fusions, without SkipLayerNormalization/BiasGelu",
            **contract.optimization_outcome(variants, skipped, fusions),
        },
        "quantization": contract.quantization_entry(config, variants, fusions),
        "default_variant": default,
        "skipped_variants": skipped,
        "variants": {
            name: {
                "file": file if (results[name].passed or results[name].status != "measured") else None,
                "precision": _PRECISION[name],
                "accepted": results[name].passed,
                "size_bytes": (staging / file).stat().st_size if (staging / file).exists() else None,
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
        body["head_initialized"] = loaded.head_initialized
        body["scoring"] = contract.scoring_entry(loaded)
    else:
        body["embedding_dim"] = int(model.config.hidden_size)
        body["pooling"] = "mean"
        body["normalize"] = True
    return body
