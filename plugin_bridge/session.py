"""ONNX Runtime session creation: execution provider choice and thread settings in one place."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import onnxruntime as ort

from .errors import ArtifactError

Provider = Literal["cpu", "cuda", "auto"]

_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"

# Graph rewrites the bridge turns off on CPU-only sessions. onnxruntime's CPU SkipLayerNormalization
# kernel is a scalar loop with a division per element, while the Add + LayerNormalization it replaces
# run vectorized MLAS code: on 2 EPYC cores a [2, 256, 384] tensor took 395 us fused vs 51 us unfused,
# and MiniLM-L6 int8 scored 10-17% more pairs/s without the fusion (identical scores up to 1e-7).
# CUDA's fused kernel is the fast path there, so sessions that may use CUDA keep every rewrite.
CPU_DISABLED_OPTIMIZERS: tuple[str, ...] = ("SkipLayerNormFusion",)


def resolve_providers(provider: Provider) -> list[str]:
    """CUDA only when asked for and present; asking for CUDA where it is missing is an error, not a fallback."""
    available = ort.get_available_providers()
    if provider == "cpu":
        return [_CPU]
    if provider == "cuda":
        if _CUDA not in available:
            raise ArtifactError(
                "CUDA was requested but this onnxruntime has no CUDAExecutionProvider "
                f"(available: {', '.join(available)}); install onnxruntime-gpu or use --provider cpu"
            )
        return [_CUDA, _CPU]
    return [_CUDA, _CPU] if _CUDA in available else [_CPU]


class OnnxModel:
    """One inference session plus the metadata callers need to feed it."""

    def __init__(
        self,
        path: Path,
        provider: Provider = "cpu",
        intra_op_threads: int | None = None,
        inter_op_threads: int | None = None,
        disabled_optimizers: Sequence[str] | None = None,
        optimized_model_path: Path | None = None,
    ) -> None:
        """`disabled_optimizers=None` picks the provider's default (see CPU_DISABLED_OPTIMIZERS);
        `optimized_model_path` writes the graph onnxruntime actually runs, for inspection."""
        providers = resolve_providers(provider)
        if disabled_optimizers is None:
            disabled_optimizers = CPU_DISABLED_OPTIMIZERS if providers == [_CPU] else ()
        self.disabled_optimizers = tuple(disabled_optimizers)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        threads = intra_op_threads if intra_op_threads is not None else int(os.environ.get("ORT_INTRA_OP_THREADS", 0))
        options.intra_op_num_threads = threads
        if inter_op_threads is not None:
            options.inter_op_num_threads = inter_op_threads
        if optimized_model_path is not None:
            options.optimized_model_filepath = str(optimized_model_path)
        try:
            self.session = ort.InferenceSession(
                str(path),
                sess_options=options,
                providers=providers,
                disabled_optimizers=list(self.disabled_optimizers),
            )
        except Exception as exc:
            raise ArtifactError(f"onnxruntime cannot load {path}: {exc}") from exc
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_name = self.session.get_outputs()[0].name
        self.providers = self.session.get_providers()

    @property
    def provider(self) -> str:
        return "cuda" if self.providers and self.providers[0] == _CUDA else "cpu"

    def run(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feed = {name: batch[name] for name in self.input_names}
        result = self.session.run([self.output_name], feed)[0]
        return np.asarray(result)
