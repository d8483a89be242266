"""OpenSearch and plugin integration tests (real processes over HTTP)."""
