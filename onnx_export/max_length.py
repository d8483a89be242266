"""How many tokens a pair may have: what the model can embed, what its tokenizer declares, what the user asks.

Read from config.json and tokenizer_config.json before anything is loaded, so a `--max-length` the
model cannot take is refused in one line instead of failing deep inside PyTorch with a tensor-size
mismatch (a BERT with 128 position embeddings fed 512 tokens).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ExportError

DEFAULT_MAX_LENGTH = 512

# Position ids of these models start after the padding index (RoBERTa's scheme), so a table of 514
# position embeddings with pad id 1 holds 512 positions.
_PADDING_OFFSET_POSITIONS = frozenset(
    {"roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "data2vec-text", "mpnet", "ibert", "roberta-prelayernorm"}
)
# transformers' "no limit" placeholder for tokenizers that declare none (int(1e30)); anything this large is no limit.
_UNBOUNDED = 1_000_000_000


@dataclass(frozen=True)
class LengthLimits:
    """What bounds the max length of one model: None where nothing does."""

    model: int | None
    model_reason: str
    tokenizer: int | None

    def to_manifest(self, chosen: int, origin: str) -> dict[str, Any]:
        return {"chosen": chosen, "origin": origin, "model": self.model, "tokenizer": self.tokenizer}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def model_limit(config: dict[str, Any]) -> tuple[int | None, str]:
    """The longest input the model's position embeddings can take, and a phrase saying why."""
    model_type = str(config.get("model_type", ""))
    positions = config.get("max_position_embeddings", config.get("n_positions"))
    if not isinstance(positions, int) or positions <= 0:
        return None, "no absolute position table"
    if model_type in ("deberta", "deberta-v2") and not config.get("position_biased_input", True):
        return None, "relative positions only"
    if model_type in _PADDING_OFFSET_POSITIONS:
        pad = config.get("pad_token_id")
        offset = (pad if isinstance(pad, int) else 1) + 1
        return positions - offset, f"{positions} position embeddings, of which the first {offset} are never used"
    return positions, f"{positions} position embeddings"


def tokenizer_limit(tokenizer_config: dict[str, Any]) -> int | None:
    value = tokenizer_config.get("model_max_length")
    if not isinstance(value, int | float) or value <= 0 or value >= _UNBOUNDED:
        return None
    return int(value)


def read_limits(model_dir: Path) -> LengthLimits:
    limit, reason = model_limit(_read_json(model_dir / "config.json"))
    return LengthLimits(
        model=limit, model_reason=reason, tokenizer=tokenizer_limit(_read_json(model_dir / "tokenizer_config.json"))
    )


def choose_max_length(limits: LengthLimits, requested: int | None, reference: str) -> tuple[int, str]:
    """(max length, one line saying where it came from); a request beyond the model's limit is an error.

    The tokenizer's `model_max_length` bounds the default but not an explicit request: it states what
    the model was trained on, not what it can compute, and users extend it knowingly.
    """
    if requested is not None:
        if limits.model is not None and requested > limits.model:
            raise ExportError(
                f"--max-length {requested} is more than {reference} supports: {limits.model} tokens "
                f"({limits.model_reason}); pass --max-length {limits.model} or less, or leave it out"
            )
        note = ""
        if limits.tokenizer is not None and requested > limits.tokenizer:
            note = f"; beyond the tokenizer's model_max_length {limits.tokenizer}, so longer than it was trained on"
        return requested, f"max length {requested} (--max-length{note})"
    bounds = [(DEFAULT_MAX_LENGTH, "the default")]
    if limits.model is not None:
        bounds.append((limits.model, f"the model's limit: {limits.model_reason}"))
    if limits.tokenizer is not None:
        bounds.append((limits.tokenizer, "the tokenizer's model_max_length"))
    chosen, why = min(bounds, key=lambda bound: bound[0])
    return chosen, f"max length {chosen} ({why}; --max-length sets it)"
