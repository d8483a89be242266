"""Prometheus metrics of the bridge, on a private registry so tests and embedders never collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
_TOKEN_BUCKETS = (128, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)


class BridgeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.request_seconds = Histogram(
            "rescore_bridge_request_seconds", "Request latency", ["endpoint"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.queue_wait_seconds = Histogram(
            "rescore_bridge_queue_wait_seconds",
            "Wait before inference starts",
            ["model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.tokenize_seconds = Histogram(
            "rescore_bridge_tokenize_seconds",
            "Tokenization time per request",
            ["model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.inference_seconds = Histogram(
            "rescore_bridge_inference_seconds", "Model time per batch", ["model"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.batch_size = Histogram(
            "rescore_bridge_batch_size", "Pairs per inference batch", ["model"], buckets=_SIZE_BUCKETS, registry=r
        )
        self.batch_tokens = Histogram(
            "rescore_bridge_batch_tokens",
            "Padded tokens per inference batch",
            ["model"],
            buckets=_TOKEN_BUCKETS,
            registry=r,
        )
        self.pairs_scored = Counter("rescore_bridge_pairs_scored", "Query/document pairs scored", ["model"], registry=r)
        self.errors = Counter("rescore_bridge_errors", "Errors by kind", ["kind"], registry=r)
        self.in_flight = Gauge("rescore_bridge_in_flight_requests", "Requests being handled", registry=r)
        self.queue_pairs = Gauge("rescore_bridge_queue_pairs", "Pairs waiting for inference", ["model"], registry=r)
        self.cache_hits = Counter("rescore_bridge_cache_hits", "Score cache hits", ["model"], registry=r)
        self.cache_misses = Counter("rescore_bridge_cache_misses", "Score cache misses", ["model"], registry=r)
        self.merged_in_flight = Counter(
            "rescore_bridge_cache_merged",
            "Documents merged with an identical in-flight computation",
            ["model"],
            registry=r,
        )
        self.unscored = Counter(
            "rescore_bridge_deadline_unscored", "Pairs left unscored by a deadline", ["model"], registry=r
        )
