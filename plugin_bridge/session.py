"""ONNX Runtime session creation: execution provider choice and thread settings in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np
import onnxruntime as ort

from .errors import ArtifactError

Provider = Literal["cpu", "cuda", "auto"]

_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"


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
    ) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        threads = intra_op_threads if intra_op_threads is not None else int(os.environ.get("ORT_INTRA_OP_THREADS", 0))
        options.intra_op_num_threads = threads
        if inter_op_threads is not None:
            options.inter_op_num_threads = inter_op_threads
        try:
            self.session = ort.InferenceSession(str(path), sess_options=options, providers=resolve_providers(provider))
        except ArtifactError:
            raise
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
