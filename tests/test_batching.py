"""Token-budget batch planning and the provider-aware default budget (no server needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from plugin_bridge.reranker import (
    CPU_MAX_BATCH_TOKENS,
    CUDA_MAX_BATCH_TOKENS,
    Reranker,
    default_batch_tokens,
    plan_batches,
)
from plugin_bridge.tokenization import EncodedPair


def _pair(length: int, document: int = 0) -> EncodedPair:
    return EncodedPair(
        input_ids=np.ones(length, dtype=np.int64), type_ids=np.zeros(length, dtype=np.int64), document=document, chunk=0
    )


def test_budget_bounds_padded_tokens_and_sorts_by_length() -> None:
    lengths = [256, 40, 256, 38, 256, 41, 255]
    pairs = [_pair(n, i) for i, n in enumerate(lengths)]
    batches = plan_batches(pairs, max_batch_tokens=512, max_batch_size=64)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        width = max(lengths[i] for i in batch)
        assert len(batch) * width <= 512 or len(batch) == 1
    # the short rows share a batch instead of being padded to 256
    assert {1, 3, 5} <= set(batches[0])
    assert max(lengths[i] for i in batches[0]) == 41


def test_cpu_default_budget_is_small_and_explicit_budget_wins(tiny_artifact: Path) -> None:
    assert default_batch_tokens("cpu") == CPU_MAX_BATCH_TOKENS == 512
    assert default_batch_tokens("cuda") == CUDA_MAX_BATCH_TOKENS > CPU_MAX_BATCH_TOKENS
    assert Reranker(tiny_artifact).max_batch_tokens == CPU_MAX_BATCH_TOKENS
    assert Reranker(tiny_artifact, max_batch_tokens=2048).max_batch_tokens == 2048
