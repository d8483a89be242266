"""PyTorch -> ONNX graph variants, using optimum's exporter, optimizer and quantizer.

Each function writes one variant into the staging folder and returns its file name; none of them
judge quality (the fidelity gate does that), so a variant here is only a candidate.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .config import ExportConfig, Task
from .errors import ExportError

FP32_FILE = "model.onnx"
OPTIMIZED_FILE = "model_optimized.onnx"
INT8_FILE = "model_int8.onnx"
FP16_FILE = "model_fp16.onnx"

_OPTIMUM_TASK: dict[Task, str] = {"cross-encoder": "text-classification", "embedding": "feature-extraction"}
_LEVELS = {"O1": 1, "O2": 2, "O3": 2}
# Contrib ops onnxruntime's transformer optimizer fuses subgraphs into; their counts say what it managed.
_FUSED_OPS = (
    "Attention",
    "MultiHeadAttention",
    "GroupQueryAttention",
    "RotaryEmbedding",
    "EmbedLayerNormalization",
    "SkipLayerNormalization",
    "SimplifiedLayerNormalization",
    "SkipSimplifiedLayerNormalization",
    "Gelu",
    "FastGelu",
    "BiasGelu",
)


class VariantUnavailable(Exception):
    """A variant this architecture cannot have (e.g. no optimizer fusions for its model type): skipped, recorded."""


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """optimum and torch.onnx print pages of tracer warnings that say nothing actionable to our users."""
    logging.getLogger("optimum").setLevel(logging.ERROR)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    # onnxruntime's quantizer advises "pre-processing" through logging.warning, which would also install
    # a stderr handler on the root logger for the rest of the process; a NullHandler prevents both.
    root = logging.getLogger()
    root_level = root.level
    placeholder = logging.NullHandler() if not root.handlers else None
    if placeholder is not None:
        root.addHandler(placeholder)
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sink = io.StringIO()
            with contextlib.redirect_stdout(sink):
                yield
    finally:
        root.setLevel(root_level)
        if placeholder is not None:
            root.removeHandler(placeholder)


def export_fp32(model: Any, tokenizer: Any, config: ExportConfig, staging: Path) -> str:
    """Trace the PyTorch model to ONNX with dynamic batch and sequence axes; writes tokenizer files too."""
    from optimum.exporters.onnx import onnx_export_from_model

    try:
        with _quiet():
            onnx_export_from_model(
                model,
                output=staging,
                opset=config.opset,
                task=_OPTIMUM_TASK[config.task],
                do_validation=False,
                preprocessors=[tokenizer],
            )
    except (ValueError, KeyError, NotImplementedError) as exc:
        raise ExportError(f"optimum cannot export this model to ONNX: {exc}") from exc
    if not (staging / FP32_FILE).is_file():
        raise ExportError("ONNX export produced no model.onnx")
    return FP32_FILE


def optimize(config: ExportConfig, staging: Path, for_gpu_fp16: bool = False) -> str:
    """Fuse attention / layer-norm / GELU subgraphs with onnxruntime's transformer optimizer."""
    from optimum.onnxruntime import OptimizationConfig, ORTOptimizer

    level = config.optimization or "O2"
    optimization = OptimizationConfig(
        # onnxruntime's own extended rewrites (level 2) run again in every session at load time; baked in
        # offline they would fuse BiasGelu, which int8's source graph must not have (below). So the CPU graph
        # takes onnxruntime's basic pass plus the transformer fusions (attention, GELU, layer norm).
        optimization_level=_LEVELS[level] if for_gpu_fp16 else 1,
        enable_gelu_approximation=level == "O3",
        optimize_for_gpu=for_gpu_fp16,
        fp16=for_gpu_fp16,
        # The fp32 graph is the CPU graph (and int8's source). Two fusions lose there; the fp16 graph for
        # CUDA keeps both. onnxruntime's CPU SkipLayerNormalization kernel is slower than the Add +
        # LayerNormalization it replaces (see plugin_bridge.session.CPU_DISABLED_OPTIMIZERS; MiniLM-L6
        # fp32 went from 57-60 to 63-69 pairs/s without it). BiasGelu on [32, 256, 1536] took 5.7 ms
        # against 2.7 ms for Gelu, and unfused the bias joins the int8 MatMul instead (int8 +5% at 32
        # rows, level at 2). Where the bias went int8 the session cannot fuse it back; fp32 sessions do
        # fuse it back at load, which measured level for fp32 (60.2 vs 60.1 pairs/s), so it is allowed.
        disable_skip_layer_norm_fusion=not for_gpu_fp16,
        disable_bias_skip_layer_norm_fusion=not for_gpu_fp16,
        disable_bias_gelu_fusion=not for_gpu_fp16,
    )
    suffix = "fp16_tmp" if for_gpu_fp16 else "optimized_tmp"
    try:
        with _quiet():
            optimizer = ORTOptimizer.from_pretrained(staging, file_names=[FP32_FILE])
            optimizer.optimize(optimization_config=optimization, save_dir=staging, file_suffix=suffix)
    except (KeyError, NotImplementedError) as exc:  # optimum's word for "no fusions for this model type"
        raise VariantUnavailable(
            f"onnxruntime's transformer optimizer (through optimum) has no fusions for model type "
            f"'{_model_type(staging)}'"
        ) from exc
    produced = staging / f"model_{suffix}.onnx"
    target = FP16_FILE if for_gpu_fp16 else OPTIMIZED_FILE
    produced.replace(staging / target)
    return target


def _model_type(staging: Path) -> str:
    import json

    try:
        return str(json.loads((staging / "config.json").read_text(encoding="utf-8")).get("model_type", "?"))
    except (OSError, ValueError):
        return "?"


def int8_source_file(config: ExportConfig, optimized_built: bool = True) -> str:
    """The graph int8 is quantized from: the fused CPU graph where there is one, else the plain export.

    From the fused graph, each layer's Q/K/V projections and attention become one QAttention node (one
    int8 GEMM for Q, K and V; attention core in fp32) instead of three MatMuls, the attention core and a
    dozen reshapes: MiniLM-L6 at 256 tokens ran 12% more pairs/s that way on 2 EPYC cores.
    """
    if config.quant_source == "fused" and config.optimization and optimized_built:
        return OPTIMIZED_FILE
    return FP32_FILE


def fused_ops(path: Path) -> dict[str, int]:
    """How many of each fused contrib op a graph holds (attention fusion is what int8 speed hinges on)."""
    import onnx

    counts: dict[str, int] = {}
    for node in onnx.load(str(path), load_external_data=False).graph.node:
        if node.op_type in _FUSED_OPS:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def quantize_int8(config: ExportConfig, staging: Path, source_file: str) -> str:
    """Dynamic int8: weights quantized offline (per channel by default), activations at run time.

    Per-channel weights keep far more ranking quality than per-tensor on small cross-encoders; nodes can
    be left in fp32 (e.g. the feed-forward MatMuls) when the gate shows they are sensitive. optimum's
    preset for the CPU picks the types and operators; onnxruntime's quantizer runs it directly because
    only it can be told the output type of fused contrib ops (Attention, BiasGelu), which ONNX shape
    inference does not know. MatMuls of two activations (the attention core) stay fp32.
    """
    import onnx
    from onnxruntime.quantization import quantize_dynamic
    from optimum.onnxruntime import AutoQuantizationConfig

    source = onnx.load(str(staging / source_file), load_external_data=False)
    names = {node.name for node in source.graph.node}
    unknown = [name for name in config.quant_exclude_nodes if name not in names]
    if unknown:
        raise ExportError(
            f"--quant-exclude names no node of {source_file} (the graph int8 is quantized from): "
            f"{', '.join(unknown)}; fused Q/K/V projections are one Attention node there (see --int8-from)"
        )
    external = any(t.data_location == onnx.TensorProto.EXTERNAL for t in source.graph.initializer)
    preset = getattr(AutoQuantizationConfig, config.quant_arch)(is_static=False, per_channel=config.quant_per_channel)
    operators = [getattr(op, "value", op) for op in preset.operators_to_quantize]
    with _quiet():
        quantize_dynamic(
            staging / source_file,
            staging / INT8_FILE,
            use_external_data_format=external,
            op_types_to_quantize=operators,
            per_channel=preset.per_channel,
            reduce_range=preset.reduce_range,
            weight_type=preset.weights_dtype,
            nodes_to_exclude=list(config.quant_exclude_nodes),
            extra_options={
                "WeightSymmetric": preset.weights_symmetric,
                "ActivationSymmetric": preset.activations_symmetric,
                "MatMulConstBOnly": True,
                "DefaultTensorType": onnx.TensorProto.FLOAT,
            },
        )
    return INT8_FILE


def quantization_settings(config: ExportConfig, source: str | None = None) -> dict[str, Any]:
    """What the manifest records about int8 so a user can reproduce or question it."""
    source = source or int8_source_file(config)
    settings = {
        "mode": config.quantization,
        "arch_preset": config.quant_arch,
        "per_channel": config.quant_per_channel,
        "weights": "int8 (symmetric)",
        "activations": "uint8, dynamic range at run time",
        "excluded_nodes": list(config.quant_exclude_nodes),
        "activation_by_activation_matmuls": "fp32 (attention core)",
        "source_graph": source,
    }
    if source == OPTIMIZED_FILE:  # only the fused graph has QAttention nodes
        settings["attention_weights"] = "QAttention: onnxruntime quantizes them with reduce_range (7-bit)"
    return settings
