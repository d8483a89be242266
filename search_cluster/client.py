"""One place that builds the opensearch-py client for a local node URL."""

from __future__ import annotations

from opensearchpy import OpenSearch

DEFAULT_URL = "http://127.0.0.1:9200"


def make_client(url: str = DEFAULT_URL, timeout: float = 120.0) -> OpenSearch:
    return OpenSearch(hosts=[url], timeout=timeout, http_compress=True)
