"""Load the PyTorch model and tokenizer to export, with clear errors for the wrong kind of model."""

from __future__ import annotations

from typing import Any

from .config import ExportConfig
from .errors import ExportError
from .source import ModelSource, is_sequence_classifier


def load_model_and_tokenizer(source: ModelSource, config: ExportConfig) -> tuple[Any, Any, bool]:
    """Returns (model, tokenizer, head_initialized)."""
    import transformers
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    transformers.logging.set_verbosity_error()
    head_initialized = False
    try:
        if config.task == "embedding":
            model = AutoModel.from_pretrained(source.local_dir)
        elif is_sequence_classifier(source):
            model = AutoModelForSequenceClassification.from_pretrained(source.local_dir)
        elif config.allow_new_head:
            model = AutoModelForSequenceClassification.from_pretrained(source.local_dir, num_labels=1)
            head_initialized = True
        else:
            arch = ", ".join(source.architectures) or source.model_type
            raise ExportError(
                f"{source.reference} is a {arch}, not a sequence-classification cross-encoder; pass "
                "--allow-new-head to export it with an untrained scoring head (for speed tests or fine-tuning)"
            )
        tokenizer = AutoTokenizer.from_pretrained(source.local_dir, use_fast=True)
    except ExportError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ExportError(f"cannot load {source.reference} with transformers: {str(exc).splitlines()[0]}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ExportError(f"{source.reference} has no fast (Rust) tokenizer, which the bridge needs")
    if config.task == "cross-encoder":
        labels = int(getattr(model.config, "num_labels", 1))
        if labels not in (1, 2):
            raise ExportError(
                f"{source.reference} has a {labels}-class head; a cross-encoder scores with 1 (or 2) outputs"
            )
    return model, tokenizer, head_initialized
