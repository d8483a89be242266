"""The fidelity gate: score calibration pairs with the PyTorch original and an ONNX variant, compare.

The ONNX side goes through the serving code (`plugin_bridge` tokenizer + session), so the gate also
catches tokenizer drift between `transformers` and the Rust `tokenizers` path the bridge uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from plugin_bridge.prompt import PromptTemplate
from plugin_bridge.reranker import infer_logits
from plugin_bridge.scoring import relevance_logit
from plugin_bridge.session import OnnxModel
from plugin_bridge.tokenization import PairTokenizer, pad_batch

from .calibration import CalibrationSet
from .config import GateThresholds, Task

TOP_K = 10
_TORCH_BATCH = 32


@dataclass
class VariantFidelity:
    """What the gate measured for one variant, and its verdict."""

    variant: str
    reduced: bool
    metrics: dict[str, float] = field(default_factory=dict)
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    status: str = "measured"

    def to_manifest(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "passed": self.passed,
            "reasons": self.reasons,
            **{key: round(value, 6) for key, value in self.metrics.items()},
        }


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float64)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _cosine_groups(calibration: CalibrationSet, embed: Any) -> list[np.ndarray]:
    """Embedding models are judged on the query->document similarity each query would rank by."""
    texts = sorted({q for q, _ in calibration.groups} | {d for _, docs in calibration.groups for d in docs})
    vectors = dict(zip(texts, embed(texts), strict=True))
    return [np.array([float(vectors[q] @ vectors[d]) for d in docs]) for q, docs in calibration.groups]


def torch_reference(
    model: Any, hf_tokenizer: Any, calibration: CalibrationSet, task: Task, max_length: int
) -> list[np.ndarray]:
    """Scores from the original PyTorch model: the yardstick every variant is held to."""
    import torch

    model.eval()

    def embed(texts: list[str]) -> np.ndarray:
        chunks = []
        for start in range(0, len(texts), _TORCH_BATCH):
            batch = hf_tokenizer(
                texts[start : start + _TORCH_BATCH],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            with torch.no_grad():
                hidden = model(**batch).last_hidden_state.float().numpy()
            chunks.append(_mean_pool(hidden, batch["attention_mask"].numpy()))
        return np.concatenate(chunks)

    if task == "embedding":
        return _cosine_groups(calibration, embed)
    return [torch_pair_logits(model, hf_tokenizer, q, docs, max_length) for q, docs in calibration.groups]


def torch_pair_logits(
    model: Any, hf_tokenizer: Any, query: str, documents: list[str], max_length: int, batch_size: int = _TORCH_BATCH
) -> np.ndarray:
    """Relevance logits of a PyTorch cross-encoder, tokenized the way the bridge tokenizes (only_second).

    The caller sets eval mode; gradients are off here.
    """
    import torch

    logits = []
    for start in range(0, len(documents), batch_size):
        docs = documents[start : start + batch_size]
        batch = hf_tokenizer(
            [query] * len(docs),
            docs,
            truncation="only_second",
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )
        with torch.inference_mode():
            logits.append(relevance_logit(model(**batch).logits.float().numpy()))
    return np.concatenate(logits) if logits else np.empty(0)


def onnx_scores(
    onnx_path: Path,
    tokenizer_file: Path,
    calibration: CalibrationSet,
    task: Task,
    max_length: int,
    pad_id: int | None = None,
    prompt: PromptTemplate | None = None,
) -> list[np.ndarray]:
    """Scores from one exported graph through the serving runtime (pad id and prompt as the manifest says)."""
    model = OnnxModel(onnx_path, provider="cpu")
    tokenizer = PairTokenizer(tokenizer_file, max_length, pad_id=pad_id, prompt=prompt)

    def embed(texts: list[str]) -> np.ndarray:
        rows = tokenizer.encode_texts(texts)
        out = []
        for start in range(0, len(rows), _TORCH_BATCH):
            feed = pad_batch(rows[start : start + _TORCH_BATCH], tokenizer.pad_id)
            out.append(_mean_pool(model.run(feed).astype(np.float64), feed["attention_mask"]))
        return np.concatenate(out)

    if task == "embedding":
        return _cosine_groups(calibration, embed)
    return [infer_logits(model, tokenizer.pad_id, tokenizer.encode(q, docs).pairs) for q, docs in calibration.groups]


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return 1.0
    rho = spearmanr(a, b).statistic
    return 0.0 if rho is None or math.isnan(float(rho)) else float(rho)


def _top_k_agreement(a: np.ndarray, b: np.ndarray, k: int = TOP_K) -> float:
    k = min(k, len(a))
    top_a = set(np.argsort(-a, kind="stable")[:k].tolist())
    top_b = set(np.argsort(-b, kind="stable")[:k].tolist())
    return len(top_a & top_b) / k


def compare(reference: list[np.ndarray], candidate: list[np.ndarray]) -> dict[str, float]:
    spearman = [_spearman(r, c) for r, c in zip(reference, candidate, strict=True)]
    top = [_top_k_agreement(r, c) for r, c in zip(reference, candidate, strict=True)]
    return {
        "max_abs_logit_diff": max(float(np.max(np.abs(r - c))) for r, c in zip(reference, candidate, strict=True)),
        "spearman_mean": float(np.mean(spearman)),
        "spearman_min": float(np.min(spearman)),
        "top10_agreement_mean": float(np.mean(top)),
        "top10_agreement_min": float(np.min(top)),
    }


def judge(variant: str, metrics: dict[str, float], thresholds: GateThresholds, reduced: bool) -> VariantFidelity:
    max_diff, min_spearman, min_top = thresholds.for_variant(reduced)
    reasons = []
    if max_diff is not None and metrics["max_abs_logit_diff"] > max_diff:
        reasons.append(f"max |logit diff| {metrics['max_abs_logit_diff']:.3g} > {max_diff:g}")
    if metrics["spearman_mean"] < min_spearman:
        reasons.append(f"mean Spearman {metrics['spearman_mean']:.4f} < {min_spearman:g}")
    if metrics["top10_agreement_mean"] < min_top:
        reasons.append(f"mean top-10 agreement {metrics['top10_agreement_mean']:.3f} < {min_top:g}")
    return VariantFidelity(variant=variant, reduced=reduced, metrics=metrics, passed=not reasons, reasons=reasons)
