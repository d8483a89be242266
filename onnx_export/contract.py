"""What the manifest tells the bridge about feeding the graph: tokenizer, padding, prompt and scoring.

Kept apart from the exporter so the input contract of every architecture (BERT's token_type_ids,
XLM-R's pad id 1, an LLM reranker's prompt and yes/no head) is written in one place.
"""

from __future__ import annotations

from typing import Any

from . import convert
from .config import ExportConfig
from .loading import LoadedModel


def tokenizer_entry(loaded: LoadedModel) -> dict[str, Any]:
    """The manifest's `tokenizer` section: file, truncation, the pad id the graph expects, any prompt."""
    entry: dict[str, Any] = {
        "file": "tokenizer.json",
        "library": "tokenizers",
        "truncation": "only_second",
        "padding_side": "right",
        "pad_token_id": _pad_id(loaded),
    }
    if loaded.yes_no is not None:
        entry["prompt"] = loaded.yes_no.template.to_manifest()
    return entry


def scoring_entry(loaded: LoadedModel) -> dict[str, Any]:
    """How the graph's output became a relevance logit (a head, or an LLM's yes/no logits)."""
    if loaded.yes_no is not None:
        return loaded.yes_no.to_manifest()
    labels = int(getattr(loaded.model.config, "num_labels", 1))
    return {
        "kind": "sequence-classification",
        "logit": "the single output" if labels == 1 else "logit[1] - logit[0] (log-odds of the relevant class)",
    }


def _pad_id(loaded: LoadedModel) -> int | None:
    if loaded.yes_no is not None:
        return loaded.yes_no.pad_id
    pad = getattr(loaded.tokenizer, "pad_token_id", None)
    return int(pad) if isinstance(pad, int) else None


def optimization_outcome(variants: dict[str, str], skipped: dict[str, str], fusions: dict[str, int]) -> dict[str, Any]:
    """Whether the optimizer ran for this architecture, and which fusions it found (none = plain graph)."""
    if "optimized" in skipped:
        return {"status": "skipped", "reason": skipped["optimized"]}
    if "optimized" not in variants:
        return {"status": "not requested"}
    return {"status": "applied", "fused_ops": fusions}


def quantization_entry(config: ExportConfig, variants: dict[str, str], fusions: dict[str, int]) -> dict[str, Any]:
    """int8 settings with the graph it really came from (plain where the optimizer had nothing for the model)."""
    if config.quantization == "none":
        return {"mode": "none"}
    source = convert.int8_source_file(config, optimized_built="optimized" in variants)
    settings = convert.quantization_settings(config, source)
    if source == convert.OPTIMIZED_FILE and not fusions.get("Attention"):
        settings.pop("attention_weights", None)  # no fused attention, so no QAttention nodes either
    return settings
