"""Typed export settings, so the CLI, the Python API and the manifest agree on one vocabulary."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Task = Literal["cross-encoder", "embedding"]
Quantization = Literal["none", "dynamic-int8"]
QuantArch = Literal["avx2", "avx512", "avx512_vnni", "arm64"]
OptimizationLevel = Literal["O1", "O2", "O3"]
QuantSource = Literal["fused", "plain"]

QUANT_ARCHES: tuple[QuantArch, ...] = ("avx2", "avx512", "avx512_vnni", "arm64")


def detect_quant_arch() -> QuantArch:
    """Pick the int8 preset from this CPU: a preset for a newer ISA than the host runs slower or wrong."""
    machine = platform.machine().lower()
    if machine in ("aarch64", "arm64"):
        return "arm64"
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return "avx2"
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags and "avx512bw" in flags:
        return "avx512"
    return "avx2"


@dataclass(frozen=True)
class GateThresholds:
    """Minimum fidelity per variant class.

    Exact variants (fp32, graph-optimized fp32) must reproduce the original logits; reduced-precision
    variants (int8, fp16) may shift logits, so they are judged on ranking only by default.
    """

    max_logit_diff: float = 1e-3
    min_spearman: float = 0.999
    min_top10: float = 0.99
    reduced_max_logit_diff: float | None = None
    reduced_min_spearman: float = 0.98
    reduced_min_top10: float = 0.9

    def for_variant(self, reduced: bool) -> tuple[float | None, float, float]:
        if reduced:
            return self.reduced_max_logit_diff, self.reduced_min_spearman, self.reduced_min_top10
        return self.max_logit_diff, self.min_spearman, self.min_top10


@dataclass(frozen=True)
class ExportConfig:
    """Everything one export needs; defaults are the ones a user gets from the bare CLI."""

    model: str
    out_dir: Path
    task: Task = "cross-encoder"
    # None: 512, or less where the model or its tokenizer supports less (see onnx_export.max_length)
    max_length: int | None = None
    opset: int = 18
    optimization: OptimizationLevel | None = "O2"
    quantization: Quantization = "dynamic-int8"
    quant_arch: QuantArch = field(default_factory=detect_quant_arch)
    quant_per_channel: bool = True
    quant_exclude_nodes: tuple[str, ...] = ()
    quant_source: QuantSource = "fused"
    fp16: bool = False
    allow_new_head: bool = False
    allow_fallback: bool = False
    overwrite: bool = False
    calibration_file: Path | None = None
    thresholds: GateThresholds = field(default_factory=GateThresholds)
    revision: str | None = None
    # LLM rerankers only: the task instruction in their prompt (default: the preset's own)
    instruction: str | None = None

    @property
    def length(self) -> int:
        """The max length once `export_model` has settled it (from the model when not given)."""
        if self.max_length is None:
            raise ValueError("max_length is settled by export_model before it is used")
        return self.max_length

    def __post_init__(self) -> None:
        if self.max_length is not None and self.max_length < 8:
            raise ValueError(f"max_length must be at least 8, got {self.max_length}")
        if self.opset < 14:
            raise ValueError(f"opset must be 14 or newer (attention export needs it), got {self.opset}")
