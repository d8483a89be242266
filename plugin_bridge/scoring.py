"""Logits -> relevance scores, and chunk scores -> one document score."""

from __future__ import annotations

from typing import Literal

import numpy as np

Activation = Literal["sigmoid", "none"]
Aggregation = Literal["max", "mean", "first"]

ACTIVATIONS: tuple[Activation, ...] = ("sigmoid", "none")
AGGREGATIONS: tuple[Aggregation, ...] = ("max", "mean", "first")


def relevance_logit(logits: np.ndarray) -> np.ndarray:
    """One logit per row: a 1-label head as is; a 2-label head as log-odds of the 'relevant' class."""
    if logits.ndim == 1:
        return logits.astype(np.float64)
    if logits.shape[1] == 1:
        return logits[:, 0].astype(np.float64)
    if logits.shape[1] == 2:
        return (logits[:, 1] - logits[:, 0]).astype(np.float64)
    raise ValueError(f"a cross-encoder head has 1 or 2 outputs, this one has {logits.shape[1]}")


def activate(logits: np.ndarray, activation: Activation) -> np.ndarray:
    if activation == "none":
        return logits
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-logits))
    raise ValueError(f"unknown activation '{activation}'; use one of {', '.join(ACTIVATIONS)}")


def aggregate(chunk_scores: list[float], mode: Aggregation) -> float:
    """Combine a document's chunk scores: `max` finds the best passage, `mean` rewards sustained relevance."""
    if not chunk_scores:
        raise ValueError("a document has no scored chunk")
    if mode == "max":
        return max(chunk_scores)
    if mode == "mean":
        return float(sum(chunk_scores) / len(chunk_scores))
    if mode == "first":
        return chunk_scores[0]
    raise ValueError(f"unknown aggregation '{mode}'; use one of {', '.join(AGGREGATIONS)}")
