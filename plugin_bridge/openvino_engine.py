"""OpenVINO inference for an artifact variant, behind the same `run(batch) -> logits` contract as `OnnxModel`.

Why a second engine: OpenVINO's CPU plugin has kernels onnxruntime lacks on some CPUs. On an Intel Xeon
with AMX (bf16 tile units) it ran MiniLM-L6's fp32 ONNX graph in bf16 at 50-57 pairs/s against 36-41 for
onnxruntime on the project's int8 graph (2 cores, 256 tokens), with scores much closer to fp32. It is an
optional extra (`rescore-bridge[openvino]`); which engine serves is decided by measurement
(`plugin_bridge.variant_speed`), never by assumption.

The precision is always set explicitly: OpenVINO silently picks bf16 by default on CPUs that have it,
which would serve a variant the fidelity gate measured in fp32. A precision the CPU cannot run natively
(bf16 without AVX512-BF16/AMX) is refused, not emulated.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArtifactError

ENGINE = "openvino"
INSTALL_HINT = "pip install 'rescore-bridge[openvino]'"

# variant precision -> OpenVINO inference precision for everything that is not already int8
_INFERENCE_PRECISION = {"fp32": "f32", "int8": "f32", "bf16": "bf16"}
# variant precision -> what the CPU plugin must list in OPTIMIZATION_CAPABILITIES to run it natively
_NEEDED_CAPABILITY = {"fp32": "FP32", "int8": "INT8", "bf16": "BF16"}


def openvino_installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def _core() -> Any:
    try:
        import openvino as ov
    except ImportError as exc:
        raise ArtifactError(f"the OpenVINO engine is not installed: {INSTALL_HINT}") from exc
    return ov.Core()


def cpu_capabilities() -> frozenset[str]:
    """What OpenVINO's CPU plugin can run natively here (e.g. FP32, INT8, BF16, FP16); empty if not installed."""
    if not openvino_installed():
        return frozenset()
    return frozenset(str(c) for c in _core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"))


def unsupported_reason(precision: str) -> str | None:
    """Why this CPU cannot run an OpenVINO variant of `precision`, or None when it can."""
    if not openvino_installed():
        return f"OpenVINO is not installed ({INSTALL_HINT})"
    needed = _NEEDED_CAPABILITY.get(precision)
    if needed is None:
        return f"the OpenVINO engine serves fp32, bf16 and int8 variants, not {precision}"
    capabilities = cpu_capabilities()
    if needed not in capabilities:
        return (
            f"this CPU has no native {precision} in OpenVINO (capabilities: {', '.join(sorted(capabilities))}; "
            "bf16 needs AVX512-BF16 or AMX)"
        )
    return None


class OpenVinoModel:
    """One compiled OpenVINO model on the CPU; each calling thread gets its own infer request."""

    def __init__(self, path: Path, precision: str = "fp32", threads: int | None = None) -> None:
        """`path` is an ONNX graph (read directly) or an OpenVINO IR `.xml`; `threads` 0/None = all cores."""
        reason = unsupported_reason(precision)
        if reason is not None:
            raise ArtifactError(f"cannot serve {path.name} as {precision} with OpenVINO: {reason}")
        core = _core()
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": _INFERENCE_PRECISION[precision],
            # the bridge runs one batch at a time on one inference thread: one stream, all cores on it
            "PERFORMANCE_HINT": "LATENCY",
        }
        if threads:
            config["INFERENCE_NUM_THREADS"] = int(threads)
        try:
            self.compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
        except Exception as exc:
            raise ArtifactError(f"OpenVINO cannot load {path}: {str(exc).splitlines()[0][:300]}") from exc
        import openvino as ov

        granted = self.compiled.get_property("INFERENCE_PRECISION_HINT")
        if granted != getattr(ov.Type, _INFERENCE_PRECISION[precision]):
            raise ArtifactError(f"OpenVINO compiled {path.name} for {granted}, not {precision}, on this CPU")
        self.precision = precision
        self.input_names = [port.get_any_name() for port in self.compiled.inputs]
        self.output_name = self.compiled.outputs[0].get_any_name()
        self._requests = threading.local()

    @property
    def provider(self) -> str:
        return "cpu"

    def run(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self.compiled.create_infer_request()
        request.infer({name: batch[name] for name in self.input_names})
        # the output tensor is reused by the next call: copy it out
        return np.array(request.get_output_tensor(0).data, copy=True)
