"""Score cache: bounded LRU of per-document logits, plus merging of identical in-flight work.

Reranking traffic repeats (popular queries, paging, retries after timeouts), and a cross-encoder pass
is the expensive part, so an exact (model, query, document, chunking) match skips the model entirely.
Logits are cached, not scores, so activation and aggregation choices never poison the cache.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentLogits:
    """Row logits of one document (one per chunk) and whether its text was cut."""

    chunk_logits: tuple[float, ...]
    truncated: bool


def cache_key(model_id: str, query: str, document: str, chunking: bool, max_chunks: int) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    for part in (model_id, "\x1f", query, "\x1f", document, "\x1f", f"{int(chunking)}:{max_chunks}"):
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.digest()


class ScoreCache:
    """LRU bounded by entry count (each entry is a few hundred bytes) with in-flight de-duplication."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, DocumentLogits] = OrderedDict()
        self._in_flight: dict[bytes, asyncio.Future[DocumentLogits | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> DocumentLogits | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: bytes, value: DocumentLogits) -> None:
        if self.max_entries <= 0:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def in_flight(self, key: bytes) -> asyncio.Future[DocumentLogits | None] | None:
        return self._in_flight.get(key)

    def claim(self, key: bytes) -> asyncio.Future[DocumentLogits | None]:
        """Mark `key` as being computed; later identical requests await this future instead."""
        future: asyncio.Future[DocumentLogits | None] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        return future

    def settle(self, key: bytes, value: DocumentLogits | None) -> None:
        """Publish a result (None = not computed, e.g. deadline) to waiters, caching real results."""
        future = self._in_flight.pop(key, None)
        if value is not None:
            self.put(key, value)
        if future is not None and not future.done():
            future.set_result(value)

    def fail(self, key: bytes, error: BaseException) -> None:
        future = self._in_flight.pop(key, None)
        if future is not None and not future.done():
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters may have gone away
