"""First-stage search: BM25, kNN, bool hybrid, and the neural-search hybrid query with normalization."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from search_cluster.ingest import EmbeddingModel
from search_cluster.templates import QueryTemplate, load_json
from search_cluster.versions import DISTRIBUTIONS

Mode = Literal["bm25", "knn", "hybrid", "neural-hybrid"]
MODES: tuple[str, ...] = ("bm25", "knn", "hybrid", "neural-hybrid")
_TEMPLATE = {"bm25": "bm25", "knn": "knn", "hybrid": "hybrid", "neural-hybrid": "neural_hybrid"}
HYBRID_PIPELINE_FILE = "pipelines/hybrid_normalization.json"
RESCORE_FILE = "rescore_cross_encoder.json"


class SearchError(RuntimeError):
    """A search could not be run as asked (bad mode for this node, missing embedder...)."""


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float
    title: str
    text: str


def has_plugin(client: OpenSearch, component: str) -> bool:
    rows = client.cat.plugins(format="json")
    return any(row.get("component") == component for row in rows)


def _no_knn(client: OpenSearch, mode: str) -> str:
    """Why kNN search cannot run on this node: a release whose k-NN zip Maven Central does not serve."""
    version = str(client.info()["version"]["number"])
    dist = DISTRIBUTIONS.get(version)
    why = dist.knn_note() if dist is not None and dist.knn_note() else f"OpenSearch {version} has no k-NN plugin"
    with_knn = ", ".join(v for v, d in sorted(DISTRIBUTIONS.items()) if d.knn_plugin is not None)
    return f"mode {mode} needs the k-NN plugin: {why}; use --mode bm25, or a node on a release with k-NN ({with_knn})"


def ensure_hybrid_pipeline(client: OpenSearch, name: str) -> None:
    """Put the normalization search pipeline; only possible where neural-search is installed."""
    if not has_plugin(client, "opensearch-neural-search"):
        raise SearchError("mode neural-hybrid needs the neural-search plugin: start the node with --with-ml")
    client.transport.perform_request("PUT", f"/_search/pipeline/{name}", body=load_json(HYBRID_PIPELINE_FILE))


def build_query(
    mode: str, query: str, size: int, model: EmbeddingModel | None, **params: Any
) -> tuple[dict[str, Any], str | None]:
    """The rendered request body for `mode`, and the search pipeline it must run with (if any)."""
    if mode not in _TEMPLATE:
        raise SearchError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    template = QueryTemplate.load(_TEMPLATE[mode])
    values: dict[str, Any] = {"query": query, "size": size, **params}
    if mode != "bm25":
        if model is None:
            raise SearchError(f"mode {mode} needs an embedding model")
        values["vector"] = model.embed([query])[0].astype(float).tolist()
        if mode == "knn":
            # kNN returns at most k hits: never fewer candidates than asked for.
            values.setdefault("k", max(size, int(template.params.get("k", size))))
    return template.render(**values), template.pipeline


def cross_encoder_rescore(
    query: str, window_size: int, timeout_ms: int = 1000, on_failure: str = "keep_first_stage"
) -> dict[str, Any]:
    """The native `cross_encoder` rescore clause (plugin rescore-bridge) from mappings/, for any first stage."""
    data = load_json(RESCORE_FILE)
    template = QueryTemplate(RESCORE_FILE, {"rescore": data["body"]["rescore"]}, dict(data.get("params", {})))
    rendered = template.render(query=query, window_size=window_size, timeout_ms=timeout_ms, on_failure=on_failure)
    return dict(rendered["rescore"])


def search(
    client: OpenSearch,
    index: str,
    query: str,
    mode: str = "bm25",
    size: int = 10,
    model: EmbeddingModel | None = None,
    rescore_window: int | None = None,
    **params: Any,
) -> list[Hit]:
    body, pipeline = build_query(mode, query, size, model, **params)
    if rescore_window:
        body["rescore"] = cross_encoder_rescore(query, rescore_window)
    request_params: dict[str, Any] = {}
    if pipeline:
        ensure_hybrid_pipeline(client, pipeline)
        request_params["search_pipeline"] = pipeline
    try:
        response = client.search(index=index, body=body, params=request_params)
    except RequestError as exc:
        if mode in ("knn", "hybrid") and not has_plugin(client, "opensearch-knn"):
            raise SearchError(_no_knn(client, mode)) from exc
        raise
    return [
        Hit(
            doc_id=hit["_id"],
            score=float(hit["_score"]),
            title=hit.get("_source", {}).get("title", ""),
            text=hit.get("_source", {}).get("text", ""),
        )
        for hit in response["hits"]["hits"]
    ]
