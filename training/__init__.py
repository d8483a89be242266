"""Fine-tune a cross-encoder on your own judgments with hard negatives from your first stage.

Torch lives only here (and in `onnx_export`): the serving package never imports it. The trained model
is saved as a plain Hugging Face `AutoModelForSequenceClassification` folder so the exporter can
export, quantize and gate it like any hub cross-encoder.
"""

from .config import TrainConfig

__all__ = ["TrainConfig"]
