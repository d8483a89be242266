"""`Reranker`: the public, torch-free Python API over an exported artifact.

It is what the CLI's `score` command, the HTTP server and the fidelity gate all use, so the scores a
user sees in Python, on the shell and over HTTP come from one code path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .artifact import Artifact, load_artifact
from .errors import ArtifactError, InputError
from .scoring import Activation, Aggregation, activate, aggregate, relevance_logit
from .session import OnnxModel, Provider
from .tokenization import EncodedPair, EncodedRequest, PairTokenizer, pad_batch

# Padded tokens per inference batch. On CPU small batches win because activations stay in cache:
# MiniLM-L6 int8 (QAttention graph, the bridge's CPU session) on 2 EPYC cores ran 124/130/119/115/108/108
# pairs/s at 1/2/4/8/16/32 rows x 256 tokens (at 128 tokens, 4-8 rows was best). How much the width
# matters changes with the host's state (on some runs 2 and 32 rows were level), but small never lost.
# GPUs need wide batches to fill the device (not measured here).
CPU_MAX_BATCH_TOKENS = 512
CUDA_MAX_BATCH_TOKENS = 16_384
DEFAULT_MAX_BATCH_TOKENS = CPU_MAX_BATCH_TOKENS
DEFAULT_MAX_BATCH_SIZE = 64


def default_batch_tokens(provider: str) -> int:
    """The padded-token budget that suits the execution provider a session actually got."""
    return CUDA_MAX_BATCH_TOKENS if provider == "cuda" else CPU_MAX_BATCH_TOKENS


@dataclass(frozen=True)
class RankedDocument:
    index: int
    score: float
    document: str


@dataclass(frozen=True)
class DocumentScores:
    """Scores in input order plus what happened to each document's length."""

    scores: list[float]
    truncated: list[bool]
    chunks: list[int]


def plan_batches(
    pairs: Sequence[EncodedPair],
    max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
) -> list[list[int]]:
    """Group row indices into batches sorted by length, each within a padded-token budget.

    Sorting first means rows of similar length share a batch, so padding (wasted compute) stays small.
    """
    order = sorted(range(len(pairs)), key=lambda i: pairs[i].length)
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = pairs[index].length
        # rows are ascending, so the newest row sets the padded width of the whole batch
        if current and ((len(current) + 1) * width > max_batch_tokens or len(current) >= max_batch_size):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


BatchObserver = Callable[[int, int, float], None]


def infer_logits(
    model: OnnxModel,
    pad_id: int,
    pairs: Sequence[EncodedPair],
    max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
    observe: BatchObserver | None = None,
) -> np.ndarray:
    """Relevance logits for rows, in the given order, run in length-sorted token-budget batches.

    `observe(rows, padded_width, seconds)` is called after each batch (metrics, cost model).
    """
    logits = np.empty(len(pairs), dtype=np.float64)
    for batch in plan_batches(pairs, max_batch_tokens, max_batch_size):
        feed = pad_batch([pairs[i] for i in batch], pad_id)
        started = time.perf_counter()
        logits[batch] = relevance_logit(model.run(feed))
        if observe is not None:
            observe(len(batch), int(feed["input_ids"].shape[1]), time.perf_counter() - started)
    return logits


class Reranker:
    """Score or rank documents against a query with an exported cross-encoder artifact.

    >>> reranker = Reranker("artifacts/minilm")
    >>> reranker.rank("what is bm25", ["BM25 is a ranking function", "cats"], top_k=1)
    """

    def __init__(
        self,
        artifact_dir: Path | str,
        variant: str | None = None,
        provider: Provider = "cpu",
        intra_op_threads: int | None = None,
        activation: Activation | None = None,
        max_batch_tokens: int | None = None,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        chunk_stride: int = 32,
        verify_hashes: bool = True,
        disabled_optimizers: Sequence[str] | None = None,
    ) -> None:
        self.artifact: Artifact = load_artifact(artifact_dir, verify_hashes=verify_hashes)
        if self.artifact.task != "cross-encoder":
            raise ArtifactError(f"{artifact_dir} holds a '{self.artifact.task}' model, not a cross-encoder")
        self.variant = self.artifact.variant(variant)
        self.model = OnnxModel(
            self.artifact.variant_path(self.variant.name),
            provider,
            intra_op_threads,
            disabled_optimizers=disabled_optimizers,
        )
        self.tokenizer = PairTokenizer(
            self.artifact.tokenizer_file,
            self.artifact.max_length,
            chunk_stride,
            pad_id=self.artifact.pad_token_id,
            prompt=self.artifact.prompt,
        )
        self.activation: Activation = activation or self.artifact.manifest.get("activation", "sigmoid")
        self.max_batch_tokens = max_batch_tokens or default_batch_tokens(self.model.provider)
        self.max_batch_size = max_batch_size

    @property
    def max_length(self) -> int:
        return self.artifact.max_length

    def infer(self, pairs: Sequence[EncodedPair]) -> np.ndarray:
        """Raw relevance logits for rows, in the given order."""
        return infer_logits(self.model, self.tokenizer.pad_id, pairs, self.max_batch_tokens, self.max_batch_size)

    def encode(self, query: str, documents: Sequence[str], chunking: bool = False) -> EncodedRequest:
        _check_inputs(query, documents)
        return self.tokenizer.encode(query, list(documents), chunking=chunking)

    def score_detailed(
        self,
        query: str,
        documents: Sequence[str],
        chunking: bool = False,
        aggregation: Aggregation = "max",
        activation: Activation | None = None,
    ) -> DocumentScores:
        encoded = self.encode(query, documents, chunking)
        logits = self.infer(encoded.pairs)
        return collect_scores(encoded, logits, activation or self.activation, aggregation)

    def score(
        self,
        query: str,
        documents: Sequence[str],
        activation: Activation | None = None,
        chunking: bool = False,
        aggregation: Aggregation = "max",
    ) -> list[float]:
        """One score per document, in input order (sigmoid by default; `activation="none"` for logits)."""
        return self.score_detailed(query, documents, chunking, aggregation, activation).scores

    def rank(self, query: str, documents: Sequence[str], top_k: int | None = None) -> list[RankedDocument]:
        """Documents sorted by score, best first; ties keep input (first-stage) order."""
        scores = self.score(query, documents)
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        if top_k is not None:
            order = order[: max(top_k, 0)]
        return [RankedDocument(index=i, score=scores[i], document=documents[i]) for i in order]


def collect_scores(
    encoded: EncodedRequest, logits: np.ndarray, activation: Activation, aggregation: Aggregation
) -> DocumentScores:
    """Fold row logits back into per-document scores (aggregating chunks) in input order."""
    row_scores = activate(logits, activation)
    per_document: list[list[float]] = [[] for _ in encoded.chunks_per_document]
    for pair, value in zip(encoded.pairs, row_scores, strict=True):
        per_document[pair.document].append(float(value))
    return DocumentScores(
        scores=[aggregate(chunks, aggregation) for chunks in per_document],
        truncated=list(encoded.truncated),
        chunks=list(encoded.chunks_per_document),
    )


def _check_inputs(query: str, documents: Sequence[str]) -> None:
    if not isinstance(query, str):
        raise InputError(f"query must be a string, got {type(query).__name__}")
    if isinstance(documents, str):
        raise InputError("documents must be a list of strings, got a single string")
    for position, document in enumerate(documents):
        if not isinstance(document, str):
            raise InputError(f"document {position} must be a string, got {type(document).__name__}")
