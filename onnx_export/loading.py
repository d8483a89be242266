"""Load the PyTorch model and tokenizer to export, with clear errors for the wrong kind of model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import ExportConfig
from .errors import ExportError
from .llm_reranker import YesNoReranker, as_sequence_classifier, preset_for, supported_model_types
from .source import ModelSource, is_causal_lm, is_sequence_classifier


@dataclass(frozen=True)
class LoadedModel:
    """The model to trace, its tokenizer, and how it scores (classifier head, or an LLM's yes/no)."""

    model: Any
    tokenizer: Any
    head_initialized: bool
    yes_no: YesNoReranker | None = None


def load_model_and_tokenizer(source: ModelSource, config: ExportConfig) -> LoadedModel:
    import transformers
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    transformers.logging.set_verbosity_error()
    head_initialized = False
    llm_preset = None
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.local_dir, use_fast=True)
        if config.task == "embedding":
            model = AutoModel.from_pretrained(source.local_dir)
        elif is_sequence_classifier(source):
            model = AutoModelForSequenceClassification.from_pretrained(source.local_dir)
        elif is_causal_lm(source) and preset_for(source.model_type) is not None:
            llm_preset = preset_for(source.model_type)
            model = AutoModelForCausalLM.from_pretrained(source.local_dir)
        elif config.allow_new_head:
            model = AutoModelForSequenceClassification.from_pretrained(source.local_dir, num_labels=1)
            head_initialized = True
        else:
            arch = ", ".join(source.architectures) or source.model_type
            llm_hint = (
                f"; causal LMs are exported as yes/no rerankers for model types {', '.join(supported_model_types())}"
                if is_causal_lm(source)
                else ""
            )
            raise ExportError(
                f"{source.reference} is a {arch}, not a sequence-classification cross-encoder; pass "
                "--allow-new-head to export it with an untrained scoring head (for speed tests or fine-tuning)"
                + llm_hint
            )
    except ExportError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ExportError(f"cannot load {source.reference} with transformers: {str(exc).splitlines()[0]}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ExportError(f"{source.reference} has no fast (Rust) tokenizer, which the bridge needs")
    yes_no = None
    if llm_preset is not None:
        model, yes_no = as_sequence_classifier(model, tokenizer, llm_preset, config.instruction)
    if config.task == "cross-encoder":
        labels = int(getattr(model.config, "num_labels", 1))
        if labels not in (1, 2):
            raise ExportError(
                f"{source.reference} has a {labels}-class head; a cross-encoder scores with 1 (or 2) outputs"
            )
    return LoadedModel(model=model, tokenizer=tokenizer, head_initialized=head_initialized, yes_no=yes_no)
