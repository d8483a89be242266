"""Build a tiny random-weight BERT cross-encoder (own vocabulary) so tests never need a hub download."""

from __future__ import annotations

import re
from pathlib import Path

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_BASE_WORDS = [
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "is",
    "are",
    "was",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "and",
    "or",
    "not",
    "what",
    "how",
    "why",
    "which",
    "who",
    "does",
    "do",
    "bm25",
    "search",
    "rank",
    "ranking",
    "document",
    "documents",
    "query",
    "relevance",
    "score",
    "model",
    "vector",
    "index",
    "cat",
    "cats",
    "dog",
    "paris",
    "france",
    "capital",
    "tower",
    "python",
    "code",
    "list",
    "sky",
    "blue",
    "ocean",
    "tide",
    "moon",
    "sun",
    "vitamin",
    "bone",
    "sleep",
    "coffee",
]


def _vocabulary(extra_text: str) -> list[str]:
    words = set(_BASE_WORDS) | set(re.findall(r"[a-z]+", extra_text.lower()))
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(d) for d in range(10)]
    pieces = [f"##{ch}" for ch in letters + digits]
    punctuation = list(".,;:!?'\"()-[]{}/%&+=<>*#@$")
    ordered = _SPECIAL + sorted(words)[:3000] + letters + digits + pieces + punctuation
    return list(dict.fromkeys(ordered))  # duplicates would leave holes in the id space


def build_tiny_cross_encoder(
    folder: Path,
    seed: int = 0,
    extra_text: str = "",
    num_labels: int = 1,
    base_encoder: bool = False,
    max_position_embeddings: int = 512,
) -> Path:
    """Save a 2-layer, 32-wide BERT sequence classifier (or a bare encoder) plus a fast tokenizer."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = _vocabulary(extra_text)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)
    tokenizer.model_max_length = 512
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
        num_labels=num_labels,
    )
    torch.manual_seed(seed)
    model = BertModel(config) if base_encoder else BertForSequenceClassification(config)
    if not base_encoder:
        # random heads give near-constant logits; widen them so rankings are well defined
        with torch.no_grad():
            model.classifier.weight.mul_(20.0)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
