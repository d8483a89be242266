"""Export Hugging Face cross-encoders (and bi-encoders) to gated, quantized ONNX artifacts."""

from .config import ExportConfig, GateThresholds
from .errors import ExportError, FidelityGateError
from .exporter import ExportResult, export_model

__all__ = ["ExportConfig", "ExportError", "ExportResult", "FidelityGateError", "GateThresholds", "export_model"]
