"""One served model: Reranker + tokenizer pool + batcher + cache, behind one async `score` call."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..reranker import Reranker, infer_logits
from ..scoring import Activation, Aggregation, activate, aggregate
from ..tokenization import EncodedPair, EncodedRequest
from ..variant_speed import served_variant
from .batcher import DynamicBatcher
from .cache import DocumentLogits, ScoreCache, cache_key
from .metrics import BridgeMetrics
from .settings import BridgeSettings, ModelSpec

log = logging.getLogger("rescore_bridge.engine")

_TOKENIZE_SLICE = 32  # documents tokenized per step (keeps inference fed while the rest is tokenized)


@dataclass(frozen=True)
class ScoreOutcome:
    scores: list[float | None]
    truncated: list[int]
    chunked: list[int]
    unscored: list[int]
    cached: int


class ModelEngine:
    def __init__(self, spec: ModelSpec, settings: BridgeSettings, metrics: BridgeMetrics) -> None:
        self.name = spec.name
        self.settings = settings
        self.metrics = metrics
        self.choice = served_variant(
            spec.path,
            spec.variant,
            settings.provider,
            settings.intra_op_threads,
            settings.max_batch_tokens,
            settings.remeasure,
        )
        self.reranker = Reranker(
            spec.path,
            variant=self.choice.name,
            provider=settings.provider,
            intra_op_threads=settings.intra_op_threads,
            activation=settings.activation,
            max_batch_tokens=settings.max_batch_tokens,
            max_batch_size=settings.max_batch_size,
            chunk_stride=settings.chunk_stride,
        )
        self.digest = self.reranker.artifact.digest
        self.cache = ScoreCache(settings.cache_entries)
        self._inference_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"infer-{self.name}")
        self._tokenize_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"tok-{self.name}")
        self.batcher: DynamicBatcher | None = None
        self.ready = False

    def _infer(self, rows: list[EncodedPair], observe: object) -> np.ndarray:
        labels = {"model": self.name}

        def record(count: int, width: int, seconds: float) -> None:
            self.metrics.batch_size.labels(**labels).observe(count)
            self.metrics.batch_tokens.labels(**labels).observe(count * width)
            self.metrics.inference_seconds.labels(**labels).observe(seconds)
            self.metrics.pairs_scored.labels(**labels).inc(count)
            if callable(observe):
                observe(count, width, seconds)

        r = self.reranker
        return infer_logits(r.model, r.tokenizer.pad_id, rows, r.max_batch_tokens, r.max_batch_size, record)

    async def start(self) -> None:
        """Start batching and warm the session up, measuring the cost model deadlines rely on."""
        self.batcher = DynamicBatcher(
            self._infer,
            self._inference_pool,
            self.reranker.max_batch_tokens,
            self.settings.max_queue_pairs,
            on_queue_wait=self.metrics.queue_wait_seconds.labels(model=self.name).observe,
            on_queue_size=self.metrics.queue_pairs.labels(model=self.name).set,
        )
        self.batcher.start()
        warm_docs = ["warm up " * n for n in (4, 32, 120)] * 4
        loop = asyncio.get_running_loop()
        encoded = await loop.run_in_executor(self._tokenize_pool, self.reranker.encode, "warm up query", warm_docs)
        for _ in range(2):
            await loop.run_in_executor(self._inference_pool, self._infer, encoded.pairs, self.batcher.observe)
        self.ready = True

    async def close(self) -> None:
        if self.batcher is not None:
            await self.batcher.close()
        self._inference_pool.shutdown(wait=True)
        self._tokenize_pool.shutdown(wait=True)

    async def score(
        self,
        query: str,
        documents: list[str],
        chunking: bool = False,
        aggregation: Aggregation = "max",
        activation: Activation | None = None,
        deadline: float | None = None,
    ) -> ScoreOutcome:
        assert self.batcher is not None, "engine not started"
        max_chunks = self.settings.max_chunks_per_document
        keys = [cache_key(self.digest, query, doc, chunking, max_chunks) for doc in documents]
        results: list[DocumentLogits | None] = [None] * len(documents)
        waiting: dict[int, asyncio.Future[DocumentLogits | None]] = {}
        to_compute: list[int] = []
        claimed: set[bytes] = set()
        hits = 0
        for index, key in enumerate(keys):
            cached = self.cache.get(key)
            if cached is not None:
                results[index] = cached
                hits += 1
                continue
            pending = self.cache.in_flight(key)
            if pending is not None:
                waiting[index] = pending
                continue
            if key in claimed:  # the same document twice in one request
                continue
            claimed.add(key)
            self.cache.claim(key)
            to_compute.append(index)
        labels = {"model": self.name}
        self.metrics.cache_hits.labels(**labels).inc(hits)
        self.metrics.cache_misses.labels(**labels).inc(len(to_compute))
        self.metrics.merged_in_flight.labels(**labels).inc(len(waiting))
        try:
            await self._compute(query, documents, to_compute, keys, results, chunking, max_chunks, deadline)
        except BaseException as exc:
            for index in to_compute:
                self.cache.fail(keys[index], exc)
            raise
        for index, future in waiting.items():
            results[index] = await future
        computed = {keys[i]: results[i] for i in to_compute}
        for index, key in enumerate(keys):  # duplicates inside the request share the first one's result
            if results[index] is None and index not in waiting and key in computed:
                results[index] = computed[key]
        retry = [i for i, r in enumerate(results) if r is None and i in waiting]
        if retry and (deadline is None or time.monotonic() < deadline):
            # an identical in-flight request stopped at its own deadline: compute these ourselves
            for index in retry:
                self.cache.claim(keys[index])
            await self._compute(query, documents, retry, keys, results, chunking, max_chunks, deadline)
        return self._outcome(results, activation, aggregation, hits)

    async def _compute(
        self,
        query: str,
        documents: list[str],
        indices: list[int],
        keys: list[bytes],
        results: list[DocumentLogits | None],
        chunking: bool,
        max_chunks: int,
        deadline: float | None,
    ) -> None:
        """Tokenize and queue documents slice by slice, in input order.

        Slicing overlaps tokenization with inference, and under a deadline it stops tokenizing
        documents that could no longer be scored in time, so the budget goes to the head of the list.
        """
        if not indices:
            return
        assert self.batcher is not None
        self.batcher.admit(len(indices))
        loop = asyncio.get_running_loop()
        queued: list[tuple[list[int], EncodedRequest, asyncio.Future[np.ndarray]]] = []
        submitted = 0
        for start in range(0, len(indices), _TOKENIZE_SLICE):
            if deadline is not None and time.monotonic() >= deadline:
                break
            part = indices[start : start + _TOKENIZE_SLICE]
            began = time.perf_counter()
            encoded = await loop.run_in_executor(
                self._tokenize_pool,
                lambda part=part: self.reranker.tokenizer.encode(  # type: ignore[misc]
                    query, [documents[i] for i in part], chunking=chunking, max_chunks=max_chunks
                ),
            )
            self.metrics.tokenize_seconds.labels(model=self.name).observe(time.perf_counter() - began)
            queued.append((part, encoded, self.batcher.submit(encoded.pairs, deadline)))
            submitted += len(part)
        for part, encoded, future in queued:
            self._collect(part, encoded, await future, keys, results)
        for index in indices[submitted:]:
            self.metrics.unscored.labels(model=self.name).inc()
            self.cache.settle(keys[index], None)

    def _collect(
        self,
        part: list[int],
        encoded: EncodedRequest,
        logits: np.ndarray,
        keys: list[bytes],
        results: list[DocumentLogits | None],
    ) -> None:
        per_doc: list[list[float]] = [[] for _ in part]
        unscored = [False] * len(part)
        for pair, value in zip(encoded.pairs, logits, strict=True):
            if np.isnan(value):
                unscored[pair.document] = True
            per_doc[pair.document].append(float(value))
        for local, index in enumerate(part):
            if unscored[local]:
                self.metrics.unscored.labels(model=self.name).inc()
                self.cache.settle(keys[index], None)
                continue
            value = DocumentLogits(tuple(per_doc[local]), encoded.truncated[local])
            results[index] = value
            self.cache.settle(keys[index], value)

    def _outcome(
        self, results: list[DocumentLogits | None], activation: Activation | None, aggregation: Aggregation, hits: int
    ) -> ScoreOutcome:
        act = activation or self.reranker.activation
        scores: list[float | None] = []
        truncated, chunked, unscored = [], [], []
        for index, result in enumerate(results):
            if result is None:
                scores.append(None)
                unscored.append(index)
                continue
            chunk_scores = activate(np.asarray(result.chunk_logits), act).tolist()
            scores.append(aggregate(chunk_scores, aggregation))
            if result.truncated:
                truncated.append(index)
            if len(result.chunk_logits) > 1:
                chunked.append(index)
        return ScoreOutcome(scores=scores, truncated=truncated, chunked=chunked, unscored=unscored, cached=hits)
