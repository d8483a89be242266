"""OpenVINO variants of an export: fp32 and bf16 read the plain ONNX graph; int8 is an NNCF-quantized IR.

OpenVINO cannot read the onnxruntime int8 graph (`com.microsoft.QAttention` has no conversion rule), and
its own fusions do better from the plain export than from onnxruntime's fused graph, so every OpenVINO
variant starts from `model.onnx`. int8 is NNCF post-training quantization (static: activation ranges
come from the calibration pairs, the same pairs the fidelity gate scores), written as an IR with fp32
constants so nothing but the quantized weights loses precision. Every variant then goes through the
gate like the onnxruntime ones; bf16 is built only where the CPU runs bf16 natively, because the gate
must measure what will be served.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

from plugin_bridge.prompt import PromptTemplate
from plugin_bridge.tokenization import PairTokenizer, pad_batch

from .calibration import CalibrationSet
from .config import GateThresholds
from .convert import FP32_FILE, _quiet
from .errors import ExportError

OPENVINO_INT8_FILE = "model_openvino_int8.xml"
OPENVINO_VARIANTS = {"openvino_fp32": "fp32", "openvino_bf16": "bf16", "openvino_int8": "int8"}
# bf16 keeps 8 bits of mantissa: it must rank like fp32 (the bar), not merely like int8
BF16_MIN_SPEARMAN = 0.999
# activation statistics: enough pairs to cover every calibration query, few enough to stay quick
_INT8_CALIBRATION_PAIRS = 300


def engine_of(variant: str) -> str:
    return "openvino" if variant in OPENVINO_VARIANTS else "onnxruntime"


def quantization_settings() -> dict[str, object]:
    """What the manifest records about OpenVINO's int8, beside onnxruntime's `quantization`."""
    return {
        "mode": "nncf-static-int8",
        "tool": "nncf.quantize (post-training)",
        "model_type": "transformer",
        "preset": "mixed (symmetric int8 weights, asymmetric activations)",
        "activations": f"int8, ranges from {_INT8_CALIBRATION_PAIRS} calibration pairs",
        "source_graph": FP32_FILE,
        "ir": OPENVINO_INT8_FILE,
    }


def files_of(staging: Path, file: str) -> list[Path]:
    """A variant's files: an OpenVINO IR is the .xml graph plus its .bin weights."""
    path = staging / file
    return [path, path.with_suffix(".bin")] if path.suffix == ".xml" else [path]


def size_of(staging: Path, file: str) -> int | None:
    present = [path for path in files_of(staging, file) if path.exists()]
    return sum(path.stat().st_size for path in present) if present else None


def missing_packages() -> list[str]:
    """The OpenVINO export needs the runtime and NNCF; empty when both are installed."""
    return [name for name in ("openvino", "nncf") if importlib.util.find_spec(name) is None]


def thresholds_for(variant: str, thresholds: GateThresholds) -> GateThresholds:
    """bf16 is judged like a reduced variant on logits, but must keep fp32's ranking; others as configured."""
    if variant != "openvino_bf16":
        return thresholds
    return replace(thresholds, reduced_min_spearman=max(thresholds.reduced_min_spearman, BF16_MIN_SPEARMAN))


def calibration_feeds(
    calibration: CalibrationSet,
    tokenizer_file: Path,
    max_length: int,
    limit: int = _INT8_CALIBRATION_PAIRS,
    pad_id: int | None = None,
    prompt: PromptTemplate | None = None,
) -> list[dict[str, object]]:
    """One single-row feed per pair, spread evenly over all calibration pairs (every query contributes).

    Rows are tokenized exactly as the bridge will (pad id, and the prompt of an LLM reranker)."""
    tokenizer = PairTokenizer(tokenizer_file, max_length, pad_id=pad_id, prompt=prompt)
    rows = [pair for query, docs in calibration.groups for pair in tokenizer.encode(query, docs).pairs]
    step = max(1, len(rows) // limit)
    return [dict(pad_batch([row], tokenizer.pad_id)) for row in rows[::step][:limit]]


def quantize_int8(
    staging: Path,
    calibration: CalibrationSet,
    max_length: int,
    limit: int = _INT8_CALIBRATION_PAIRS,
    pad_id: int | None = None,
    prompt: PromptTemplate | None = None,
) -> str:
    """NNCF post-training int8 of the plain graph (transformer patterns: softmax/layer norm stay float)."""
    import nncf
    import openvino as ov

    feeds = calibration_feeds(calibration, staging / "tokenizer.json", max_length, limit, pad_id, prompt)
    try:
        with _quiet():
            model = ov.Core().read_model(str(staging / FP32_FILE))
            input_names = {port.get_any_name() for port in model.inputs}
            dataset = nncf.Dataset([{k: v for k, v in feed.items() if k in input_names} for feed in feeds])
            quantized = nncf.quantize(
                model,
                dataset,
                model_type=nncf.ModelType.TRANSFORMER,
                preset=nncf.QuantizationPreset.MIXED,
                subset_size=len(feeds),
            )
            ov.save_model(quantized, str(staging / OPENVINO_INT8_FILE), compress_to_fp16=False)
    except Exception as exc:
        raise ExportError(f"NNCF could not quantize the graph for OpenVINO: {str(exc).splitlines()[0][:300]}") from exc
    return OPENVINO_INT8_FILE


def build(
    staging: Path,
    calibration: CalibrationSet,
    max_length: int,
    pad_id: int | None,
    prompt: PromptTemplate | None,
    say: object,
) -> dict[str, str]:
    """The OpenVINO variants this machine can build and gate: name -> file (files may be shared)."""
    from plugin_bridge.openvino_engine import unsupported_reason

    variants = {"openvino_fp32": FP32_FILE}
    bf16_reason = unsupported_reason("bf16")
    if bf16_reason is None:
        variants["openvino_bf16"] = FP32_FILE
    elif callable(say):
        say(f"openvino_bf16 not built: {bf16_reason}")
    if callable(say):
        say(f"quantizing {FP32_FILE} to int8 for OpenVINO (NNCF, {_INT8_CALIBRATION_PAIRS} calibration pairs)")
    variants["openvino_int8"] = quantize_int8(staging, calibration, max_length, pad_id=pad_id, prompt=prompt)
    return variants
