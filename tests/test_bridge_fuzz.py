"""Hostile input: every bridge operation fuzzed from its own OpenAPI; zero 5xx, and the process lives."""

from __future__ import annotations

import httpx
import pytest
from api_fuzz import fuzz_bridge
from bridge_process import BridgeProcess

pytestmark = pytest.mark.integration


def test_openapi_fuzz_finds_no_server_error(bridge_server: BridgeProcess) -> None:
    report = fuzz_bridge(bridge_server.url, examples=8)
    assert {"POST /v1/scores", "POST /v1/rerank", "POST /v2/rerank", "POST /rerank"} <= set(report.operations)
    assert report.cases >= 8 * len(report.operations), report.as_dict()
    assert report.server_errors == [] and report.transport_errors == [], report.as_dict()
    # the negative half really was hostile: most of it was refused with a 4xx
    assert sum(n for status, n in report.by_status.items() if 400 <= status < 500) >= report.cases // 4
    assert bridge_server.process is not None and bridge_server.process.poll() is None
    ok = httpx.post(bridge_server.url + "/v1/scores", json={"query": "paris", "documents": ["paris france"]})
    assert ok.status_code == 200
