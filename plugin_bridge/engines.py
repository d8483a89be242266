"""Which runtime runs a variant: onnxruntime or OpenVINO, behind one small interface.

Everything above this (tokenizer, batching, deadlines, metrics, the fidelity gate) only calls
`run(batch)`, so a variant's engine is a detail of how it was exported, not of how it is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .artifact import Artifact, Variant
from .errors import ArtifactError
from .session import OnnxModel, Provider

ONNXRUNTIME = "onnxruntime"
OPENVINO = "openvino"
ENGINES = (ONNXRUNTIME, OPENVINO)


class InferenceModel(Protocol):
    """A loaded graph: named int64 inputs in, logits (or hidden states) out."""

    input_names: list[str]

    @property
    def provider(self) -> str: ...

    def run(self, batch: dict[str, np.ndarray]) -> np.ndarray: ...


def open_model(
    path: Path,
    engine: str = ONNXRUNTIME,
    precision: str = "fp32",
    provider: Provider = "cpu",
    intra_op_threads: int | None = None,
    disabled_optimizers: Sequence[str] | None = None,
) -> InferenceModel:
    """Load one graph file with the engine it was exported for."""
    if engine == ONNXRUNTIME:
        return OnnxModel(path, provider, intra_op_threads, disabled_optimizers=disabled_optimizers)
    if engine == OPENVINO:
        if provider == "cuda":
            raise ArtifactError(f"{path.name} is an OpenVINO (CPU) variant; --provider cuda serves onnxruntime's")
        from .openvino_engine import OpenVinoModel

        return OpenVinoModel(path, precision, intra_op_threads)
    raise ArtifactError(f"unknown engine '{engine}' for {path.name}; this version runs {', '.join(ENGINES)}")


def open_variant(
    artifact: Artifact,
    variant: Variant,
    provider: Provider = "cpu",
    intra_op_threads: int | None = None,
    disabled_optimizers: Sequence[str] | None = None,
) -> InferenceModel:
    return open_model(
        artifact.variant_path(variant.name),
        variant.engine,
        variant.precision,
        provider,
        intra_op_threads,
        disabled_optimizers,
    )
