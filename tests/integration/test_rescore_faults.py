"""Faults on the search path, client -> OpenSearch -> plugin -> bridge, with real processes.

A node of its own (port 9277 + offset) with the plugin, a small synthetic index (tests never read
../shared), and three kinds of bridge: a real `rescore-bridge serve` process that is paused (SIGSTOP),
killed mid-request (SIGKILL) and restarted; a lying fake bridge (tests/fake_bridge.py) for answers the
real one never gives (garbage, a wrong number of scores, NaN, HTTP 500); and nothing at all. Each
search must still answer in first-stage order within the bridge timeout (OpenSearch's own `took`; see
SLACK_MS), or fail cleanly with `on_failure: fail`, and the plugin stats must count the failure's kind.
Short versions of bench/reliability.py's fault runs: seconds each.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from bridge_process import BridgeProcess, free_port
from fake_bridge import MODES, FakeBridge
from ports import shifted_port
from rescore_fuzz import fuzz_rescore_fields

from search_cluster.node import OpenSearchNode
from search_cluster.plugin_install import ENDPOINTS_SETTING, STATS_PATH, install_plugin

pytestmark = pytest.mark.integration

PORT = shifted_port(9277)
INDEX = "rescore-faults"
QUERY = "paris capital france"
WINDOW = 10
SIZE = 15
# The issue's bound is timeout + 50 ms on OpenSearch's own `took`; bench/reliability.py measures that on a
# quiet host. Here, on a shared 2-core CI host, 250 ms of scheduling delay are tolerated: a plugin that
# ignored its deadline (a paused bridge holds the socket forever) would still fail by seconds.
SLACK_MS = 250


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBridge]:
    with FakeBridge() as bridge:
        yield bridge


@pytest.fixture(scope="module")
def fault_node(tmp_path_factory: pytest.TempPathFactory, fake: FakeBridge) -> Iterator[OpenSearchNode]:
    node = OpenSearchNode(tmp_path_factory.mktemp("fault-node"), PORT, heap="512m")
    try:
        install_plugin(node, None, fake.url, start_timeout=240)
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
def http(fault_node: OpenSearchNode) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fault_node.url, timeout=60.0) as client:
        body = {
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {"properties": {"title": {"type": "text"}, "text": {"type": "text"}}},
        }
        client.delete(f"/{INDEX}")
        client.put(f"/{INDEX}", json=body).raise_for_status()
        lines = []
        for i in range(40):
            # distinct BM25 scores: the query words repeat a different number of times per document
            doc = {"title": f"document {i}", "text": " ".join(["paris capital"] * (1 + i % 7) + ["france"] * (i % 3))}
            lines += [json.dumps({"index": {"_index": INDEX, "_id": str(i)}}), json.dumps(doc)]
        response = client.post(
            "/_bulk?refresh=true", content="\n".join(lines) + "\n", headers={"Content-Type": "application/x-ndjson"}
        )
        assert response.status_code == 200 and not response.json()["errors"]
        yield client


def stats(http: httpx.Client) -> dict[str, Any]:
    body: dict[str, Any] = http.get(STATS_PATH).json()
    return body


@contextmanager
def endpoint(http: httpx.Client, url: str) -> Iterator[None]:
    before = http.get("/_cluster/settings").json()["persistent"].get("rescore_bridge", {}).get("endpoints")
    http.put("/_cluster/settings", json={"persistent": {ENDPOINTS_SETTING: [url]}}).raise_for_status()
    try:
        yield
    finally:
        http.put("/_cluster/settings", json={"persistent": {ENDPOINTS_SETTING: before}}).raise_for_status()


def first_stage(http: httpx.Client) -> list[tuple[str, float]]:
    body = {"size": SIZE, "query": {"match": {"text": QUERY}}}
    hits = http.post(f"/{INDEX}/_search", json=body).json()["hits"]["hits"]
    return [(h["_id"], h["_score"]) for h in hits]


def rescore_search(http: httpx.Client, timeout_ms: int, on_failure: str = "keep_first_stage") -> httpx.Response:
    body = {
        "size": SIZE,
        "query": {"match": {"text": QUERY}},
        "rescore": {
            "window_size": WINDOW,
            "cross_encoder": {
                "query_text": QUERY,
                "score_mode": "replace",
                "timeout_ms": timeout_ms,
                "on_failure": on_failure,
            },
        },
    }
    return http.post(f"/{INDEX}/_search", json=body)


def kept_first_stage(response: httpx.Response, first: list[tuple[str, float]], timeout_ms: int) -> None:
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["_shards"]["failed"] == 0, result["_shards"]
    assert [(h["_id"], h["_score"]) for h in result["hits"]["hits"]] == [(d, pytest.approx(s)) for d, s in first]
    assert result["took"] <= timeout_ms + SLACK_MS, f"took {result['took']} ms with a {timeout_ms} ms bridge timeout"


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """Changes of the plugin counters, failure reasons flattened into `reason:<name>`."""
    changes = {}
    for key, value in after["rescore"].items():
        if isinstance(value, dict):
            for reason, count in value.items():
                if count != before["rescore"][key][reason]:
                    changes[f"reason:{reason}"] = count - before["rescore"][key][reason]
        elif value != before["rescore"][key] and key != "bridge_time_ms_total":
            changes[key] = value - before["rescore"][key]
    return changes


LYING = [mode for mode, reason in MODES.items() if reason not in ("ok", "timeout")]


def test_the_fake_bridge_really_rescores_when_it_tells_the_truth(http: httpx.Client, fake: FakeBridge) -> None:
    """The control: in mode ok the window comes back reversed, so the fault tests below compare against
    an order that rescoring would have changed."""
    first = first_stage(http)
    fake.mode = "ok"
    with endpoint(http, fake.url):
        hits = rescore_search(http, 1000).json()["hits"]["hits"]
    assert [h["_id"] for h in hits[:WINDOW]] == [d for d, _ in first[:WINDOW]]  # fake scores n..1: same order
    assert [h["_score"] for h in hits[:WINDOW]] == [float(WINDOW - i) for i in range(WINDOW)]
    assert fake.seen[-1].path == "/v1/scores" and fake.seen[-1].documents == WINDOW


@pytest.mark.parametrize("mode", LYING)
def test_a_lying_bridge_keeps_first_stage_order_and_is_counted(http: httpx.Client, fake: FakeBridge, mode: str) -> None:
    first = first_stage(http)
    fake.mode = mode
    timeout_ms = 1000
    with endpoint(http, fake.url):
        before, calls = stats(http), len(fake.seen)
        response = rescore_search(http, timeout_ms)
        after = stats(http)
    kept_first_stage(response, first, timeout_ms)
    assert len(fake.seen) == calls + 1, "one bridge request per shard rescore: the JDK client must not retry a POST"
    assert delta(before, after) == {
        "shard_rescores": 1,
        "bridge_calls": 1,
        "bridge_failures": 1,
        f"reason:{MODES[mode]}": 1,
        "kept_first_stage": 1,
        "docs_sent": WINDOW,
    }


def test_infinite_scores_leave_the_hits_unscored(http: httpx.Client, fake: FakeBridge) -> None:
    """1e999 parses to Infinity: not a failure of the call, but no hit counts as rescored (rule 3)."""
    first = first_stage(http)
    fake.mode = "infinity"
    with endpoint(http, fake.url):
        before = stats(http)
        response = rescore_search(http, 1000)
        after = stats(http)
    kept_first_stage(response, first, 1000)
    unscored = {"shard_rescores": 1, "bridge_calls": 1, "docs_sent": WINDOW, "docs_unscored": WINDOW}
    assert delta(before, after) == unscored


@pytest.mark.parametrize("mode", ["garbage", "wrong_length", "nan", "http_500"])
def test_on_failure_fail_errors_cleanly(http: httpx.Client, fake: FakeBridge, mode: str) -> None:
    fake.mode = mode
    with endpoint(http, fake.url):
        before = stats(http)
        response = rescore_search(http, 1000, on_failure="fail")
        after = stats(http)
    assert response.status_code == 502, response.text
    assert "on_failure=fail" in json.dumps(response.json()["error"])
    assert delta(before, after)["failed_searches"] == 1


@pytest.fixture
def live_bridge(tiny_artifact: Path, tmp_path: Path) -> Iterator[BridgeProcess]:
    bridge = BridgeProcess([("default", tiny_artifact)], tmp_path, ["--cache-entries", "0"]).start()
    try:
        yield bridge
    finally:
        assert bridge.process is not None
        if bridge.process.poll() is None:
            bridge.process.send_signal(signal.SIGCONT)
        bridge.stop()


def rescored_by(response: httpx.Response, bridge: BridgeProcess, first: list[tuple[str, float]]) -> None:
    """The window carries the real bridge's scores, sorted: rescoring worked."""
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]["hits"]
    texts = {h["_id"]: h["_source"] for h in hits}
    window_ids = [d for d, _ in first[:WINDOW]]
    documents = [f"{texts[d]['title']}\n{texts[d]['text']}" for d in window_ids]
    scores = httpx.post(bridge.url + "/v1/scores", json={"query": QUERY, "documents": documents}).json()["scores"]
    want = sorted(scores, reverse=True)
    assert [h["_score"] for h in hits[:WINDOW]] == pytest.approx(want, rel=1e-4, abs=1e-4)


def test_a_paused_bridge_costs_the_timeout_then_rescoring_resumes(
    http: httpx.Client, live_bridge: BridgeProcess
) -> None:
    assert live_bridge.process is not None
    first = first_stage(http)
    timeout_ms = 300
    with endpoint(http, live_bridge.url):
        rescored_by(rescore_search(http, 2000), live_bridge, first)  # warm: connection pooled, model loaded
        live_bridge.process.send_signal(signal.SIGSTOP)
        try:
            before = stats(http)
            response = rescore_search(http, timeout_ms)
            after = stats(http)
        finally:
            live_bridge.process.send_signal(signal.SIGCONT)
        kept_first_stage(response, first, timeout_ms)
        assert response.json()["took"] >= timeout_ms - 5  # it did wait for the bridge, then gave up
        assert delta(before, after)["reason:timeout"] == 1
        rescored_by(rescore_search(http, 2000), live_bridge, first)


def test_a_bridge_killed_mid_request_then_restarted_resumes_without_a_node_restart(
    http: httpx.Client, fault_node: OpenSearchNode, tiny_artifact: Path, tmp_path: Path
) -> None:
    port = free_port()
    bridge = BridgeProcess([("default", tiny_artifact)], tmp_path, ["--cache-entries", "0"], port=port).start()
    assert bridge.process is not None
    node_pid = fault_node.status().pid
    first = first_stage(http)
    timeout_ms = 3000
    results: dict[str, Any] = {}
    with endpoint(http, bridge.url):
        rescored_by(rescore_search(http, timeout_ms), bridge, first)
        before = stats(http)
        bridge.process.send_signal(signal.SIGSTOP)  # holds the request in flight, so the kill lands mid-request

        def search() -> None:
            started = time.monotonic()
            results["response"] = rescore_search(http, timeout_ms)
            results["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=search)
        thread.start()
        time.sleep(0.5)
        bridge.process.send_signal(signal.SIGKILL)
        bridge.process.wait(timeout=30)
        thread.join(timeout=30)
        kept_first_stage(results["response"], first, timeout_ms)
        assert results["elapsed"] < timeout_ms / 1000, "a dead bridge must not cost the whole timeout"
        after = stats(http)
        assert delta(before, after)["reason:connect"] == 1
        # while it is down: connection refused, first-stage order at once
        kept_first_stage(rescore_search(http, timeout_ms), first, timeout_ms)
        restarted = BridgeProcess([("default", tiny_artifact)], tmp_path, ["--cache-entries", "0"], port=port).start()
        try:
            rescored_by(rescore_search(http, timeout_ms), restarted, first)
        finally:
            restarted.stop()
    assert fault_node.status().pid == node_pid


def test_rescore_fields_fuzzed_through_opensearch_are_400s_not_shard_failures(
    http: httpx.Client, fake: FakeBridge
) -> None:
    fake.mode = "ok"
    with endpoint(http, fake.url):
        before = stats(http)
        outcome = fuzz_rescore_fields(http, INDEX, QUERY, examples=60)
        after = stats(http)
    assert outcome["cases"] == 60
    assert outcome["problems"] == [], json.dumps(outcome["problems"][:3], indent=1)
    assert outcome["by_status"].get(400, 0) >= 10, outcome  # mostly hostile, so mostly refused
    assert after["rescore"]["bridge_failures"] == before["rescore"]["bridge_failures"]


# --- Waiting for the Java side of issue 17 -----------------------------------------------------------
# The contract (docs/rescore-plugin.md, "Authentication and TLS"): the plugin reads the secure setting
# rescore_bridge.api_key from the node keystore (reloadable with _nodes/reload_secure_settings) and sends
# `Authorization: Bearer <key>`; https:// endpoints are verified with the JDK trust store, or with the CA
# file named by the dynamic setting rescore_bridge.tls.ca_file (a path inside the node's config
# directory); a 401/403 counts under the failure reason `unauthorized`, a refused certificate under
# `tls`; the stats list both settings (the key only as "set"/"unset"). These tests skip, naming what
# is missing, until the plugin lists those settings in its stats.

API_KEY_SETTING = "rescore_bridge.api_key"
CA_FILE_SETTING = "rescore_bridge.tls.ca_file"


def require_plugin_setting(http: httpx.Client, name: str) -> None:
    if name not in stats(http)["settings"]:
        pytest.skip(f"waits for the Java side of issue 17: the plugin does not support [{name}] yet")


def searches_send_header(fake: FakeBridge, http: httpx.Client) -> str | None:
    fake.mode = "ok"
    with endpoint(http, fake.url):
        assert rescore_search(http, 1000).status_code == 200
    return fake.seen[-1].headers.get("Authorization")


def test_install_plugin_refuses_a_key_the_plugin_cannot_read(
    http: httpx.Client, fault_node: OpenSearchNode, fake: FakeBridge
) -> None:
    """Today's plugin has no keystore setting: installing with a key must say so and leave the keystore
    alone (an entry no plugin registers would stop the node from starting again)."""
    if API_KEY_SETTING in stats(http)["settings"]:
        pytest.skip("the plugin supports the key: test_the_plugin_sends_the_keystore_key_* covers it")
    from search_cluster.keystore import keystore_path
    from search_cluster.plugin_install import PluginInstallError

    keystore = keystore_path(fault_node)
    before = keystore.read_bytes() if keystore.is_file() else None
    with pytest.raises(PluginInstallError, match=r"does not read \[rescore_bridge.api_key\] from the keystore"):
        install_plugin(fault_node, None, fake.url, api_key="k" * 32)
    assert (keystore.read_bytes() if keystore.is_file() else None) == before


def test_the_plugin_sends_the_keystore_key_and_a_reload_rotates_it(
    http: httpx.Client, fault_node: OpenSearchNode, fake: FakeBridge, tiny_artifact: Path, tmp_path: Path
) -> None:
    require_plugin_setting(http, API_KEY_SETTING)
    import secrets

    from search_cluster.keystore import reload_secure_settings, remove_secure_setting, set_secure_setting

    key_a, key_b = secrets.token_hex(20), secrets.token_hex(20)
    node_pid = fault_node.status().pid
    keys = tmp_path / "keys"
    keys.write_text(key_b + "\n")
    bridge = BridgeProcess([("default", tiny_artifact)], tmp_path, ["--api-key-file", str(keys)], api_key=key_b)
    try:
        # through the supported path: install-plugin stores the key in the keystore and reloads
        install_plugin(fault_node, None, fake.url, api_key=key_a)
        assert searches_send_header(fake, http) == f"Bearer {key_a}"
        assert stats(http)["settings"][API_KEY_SETTING] == "set"
        for path in ("/_cluster/settings?include_defaults=true", "/_nodes/settings", STATS_PATH, "/_cluster/state"):
            assert key_a not in http.get(path).text, path
        bridge.start()
        first = first_stage(http)
        with endpoint(http, bridge.url):
            before = stats(http)
            kept_first_stage(rescore_search(http, 1000), first, 1000)  # the bridge only knows key B
            assert delta(before, stats(http))["reason:unauthorized"] == 1
            set_secure_setting(fault_node, API_KEY_SETTING, key_b)
            reload_secure_settings(fault_node.url)
            rescored_by(rescore_search(http, 2000), bridge, first)
        for log in fault_node.logs_dir.glob("*.log"):
            text = log.read_text(errors="replace")
            assert key_a not in text and key_b not in text, log
        assert fault_node.status().pid == node_pid
    finally:
        bridge.stop()
        remove_secure_setting(fault_node, API_KEY_SETTING)
        reload_secure_settings(fault_node.url)
    assert searches_send_header(fake, http) is None


def test_the_plugin_verifies_the_bridge_certificate(
    http: httpx.Client, fault_node: OpenSearchNode, tiny_artifact: Path, tmp_path: Path
) -> None:
    require_plugin_setting(http, CA_FILE_SETTING)
    import trustme

    ca, stranger = trustme.CA(), trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    (tmp_path / "bridge.pem").write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    issued.private_key_pem.write_to_path(str(tmp_path / "bridge.key"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    config = fault_node.home / "config" / "rescore-bridge"
    config.mkdir(exist_ok=True)
    ca.cert_pem.write_to_path(str(config / "test-ca.pem"))
    stranger.cert_pem.write_to_path(str(config / "stranger-ca.pem"))
    args = ["--tls-cert", str(tmp_path / "bridge.pem"), "--tls-key", str(tmp_path / "bridge.key")]
    bridge = BridgeProcess([("default", tiny_artifact)], tmp_path, args, ca_file=tmp_path / "ca.pem").start()

    def ca_file(value: str | None) -> httpx.Response:
        return http.put("/_cluster/settings", json={"persistent": {CA_FILE_SETTING: value}})

    try:
        first = first_stage(http)
        with endpoint(http, bridge.url):
            assert bridge.url.startswith("https://")
            before = stats(http)
            kept_first_stage(rescore_search(http, 1000), first, 1000)  # the JDK trust store lacks the test CA
            assert delta(before, stats(http))["reason:tls"] == 1
            assert ca_file("rescore-bridge/stranger-ca.pem").status_code == 200
            before = stats(http)
            kept_first_stage(rescore_search(http, 1000), first, 1000)
            assert delta(before, stats(http))["reason:tls"] == 1
            assert ca_file("rescore-bridge/test-ca.pem").status_code == 200
            assert stats(http)["settings"][CA_FILE_SETTING] == "rescore-bridge/test-ca.pem"
            rescored_by(rescore_search(http, 2000), bridge, first)
            outside = ca_file(str(tmp_path / "ca.pem"))
            assert outside.status_code == 400 and CA_FILE_SETTING in outside.text
            missing = ca_file("rescore-bridge/none.pem")
            assert missing.status_code == 400 and CA_FILE_SETTING in missing.text
    finally:
        ca_file(None)
        bridge.stop()
