"""Bulk-index a BEIR corpus with BM25 fields and bi-encoder embeddings.

Idempotent and resumable: the corpus `_id` is the document id, and each document stores a hash of
its content and of the embedding model, so a re-run skips (without embedding again) what is already
indexed unchanged and overwrites what changed. Bad lines are collected and reported with their line
numbers after everything else was indexed.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from search_cluster.corpus import Document, LineError, count_lines, read_corpus
from search_cluster.templates import index_template

EmbedFn = Callable[[list[str]], np.ndarray]


class IngestError(RuntimeError):
    """Ingest had to stop (the embedder failed); what was indexed before stays indexed."""


@dataclass(frozen=True)
class EmbeddingModel:
    """A text → unit-vector function with its dimension and a name that identifies the model."""

    embed: EmbedFn
    dim: int
    name: str


@dataclass
class IngestReport:
    indexed: int = 0
    skipped: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def document_text(title: str, text: str) -> str:
    """What the bi-encoder sees: title and body, as in the BEIR dense baselines."""
    return f"{title} {text}".strip()


def content_hash(doc: Document, model_name: str | None) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for part in (doc.title, doc.text, model_name or "no-embedding"):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def ensure_index(client: OpenSearch, index: str, dim: int, embeddings: bool = True) -> None:
    """Put the template bound to `index` and create the index; check an existing one's dimension.

    On a node without the k-NN plugin a BM25-only index (no vector field) is created, and asking for
    embeddings there is a one-line error.
    """
    if client.indices.exists(index=index):
        mapping = client.indices.get_mapping(index=index)[index]["mappings"]
        have = mapping.get("properties", {}).get("embedding", {}).get("dimension")
        if have is not None and int(have) != dim:
            raise ValueError(f"index {index!r} has embedding dimension {have}, the embedder gives {dim}")
        return
    knn = any(row.get("component") == "opensearch-knn" for row in client.cat.plugins(format="json"))
    if embeddings and not knn:
        raise ValueError(f"index {index!r}: embeddings need the k-NN plugin, missing on this node: use --no-embeddings")
    client.indices.put_index_template(name=f"rescore-bridge-{index}", body=index_template(index, dim, knn=knn))
    client.indices.create(index=index)
    client.cluster.health(index=index, wait_for_status="yellow")


def _batches(items: Iterable[Document | LineError], size: int, report: IngestReport) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for item in items:
        if isinstance(item, LineError):
            report.errors.append(item)
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stored_hashes(client: OpenSearch, index: str, ids: list[str]) -> dict[str, str]:
    response = client.mget(index=index, body={"ids": ids}, params={"_source_includes": "content_sha1"})
    return {doc["_id"]: doc["_source"].get("content_sha1", "") for doc in response["docs"] if doc.get("found")}


def ingest(
    client: OpenSearch,
    corpus: Path,
    index: str,
    model: EmbeddingModel | None,
    batch_size: int = 64,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    refresh: bool = True,
) -> IngestReport:
    """Index `corpus` into `index` (created from the template if missing); `model=None` is BM25 only."""
    report = IngestReport()
    dim = model.dim if model else 384
    ensure_index(client, index, dim, embeddings=model is not None)
    model_name = model.name if model else None
    seen: dict[str, int] = {}
    for batch in _batches(read_corpus(corpus), batch_size, report):
        fresh: list[Document] = []
        for doc in batch:
            if doc.doc_id in seen:
                report.errors.append(
                    LineError(doc.line, f"duplicate _id {doc.doc_id!r} (first on line {seen[doc.doc_id]})")
                )
            else:
                seen[doc.doc_id] = doc.line
                fresh.append(doc)
        hashes = {doc.doc_id: content_hash(doc, model_name) for doc in fresh}
        stored = {} if force else _stored_hashes(client, index, list(hashes))
        todo = [doc for doc in fresh if stored.get(doc.doc_id) != hashes[doc.doc_id]]
        report.skipped += len(fresh) - len(todo)
        if todo:
            vectors = _embed(model, todo) if model else None
            _bulk_index(client, index, todo, vectors, hashes, report)
        if progress:
            progress(len(batch))
    if refresh:
        client.indices.refresh(index=index)
    report.errors.sort(key=lambda error: error.line)
    return report


def _embed(model: EmbeddingModel, docs: list[Document]) -> np.ndarray:
    try:
        vectors = model.embed([document_text(d.title, d.text) for d in docs])
    except Exception as exc:  # the embedder's failures are not ours to classify; stop with context
        raise IngestError(
            f"embedding lines {docs[0].line}-{docs[-1].line} with {model.name} failed: {exc} "
            "(documents before them are indexed; re-run to resume)"
        ) from exc
    if vectors.shape != (len(docs), model.dim):
        raise IngestError(f"embedder returned shape {vectors.shape}, expected {(len(docs), model.dim)}")
    return vectors


def _bulk_index(
    client: OpenSearch,
    index: str,
    docs: list[Document],
    vectors: np.ndarray | None,
    hashes: dict[str, str],
    report: IngestReport,
) -> None:
    body: list[dict[str, Any]] = []
    for i, doc in enumerate(docs):
        source: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "text": doc.text,
            "content_sha1": hashes[doc.doc_id],
        }
        if vectors is not None:
            source["embedding"] = vectors[i].astype(float).tolist()
        body += [{"index": {"_index": index, "_id": doc.doc_id}}, source]
    response = client.bulk(body=body)
    for doc, item in zip(docs, response["items"], strict=True):
        result = item["index"]
        if "error" in result:
            reason = result["error"].get("reason", result["error"])
            report.errors.append(LineError(doc.line, f"rejected by OpenSearch: {reason}"))
        else:
            report.indexed += 1


def total_lines(corpus: Path) -> int:
    return count_lines(corpus)


def delete_index(client: OpenSearch, index: str) -> None:
    """Drop the index and its template (tests and re-builds)."""
    with contextlib.suppress(NotFoundError):
        client.indices.delete(index=index)
    with contextlib.suppress(NotFoundError):
        client.indices.delete_index_template(name=f"rescore-bridge-{index}")
