"""The node built from Maven Central artifacts: modules, plugins, lifecycle and CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch
from ports import shifted_port

from search_cluster.cli import opensearch
from search_cluster.node import OpenSearchNode

CLI_PORT = shifted_port(9253)

pytestmark = pytest.mark.integration


def test_node_is_healthy_with_the_needed_modules_and_knn(opensearch_node: OpenSearchNode) -> None:
    status = opensearch_node.status()
    assert status.running and status.health in ("green", "yellow")
    assert status.version == opensearch_node.version
    assert "opensearch-knn" in status.plugins
    nodes = httpx.get(f"{opensearch_node.url}/_nodes/plugins", timeout=10).json()["nodes"]
    modules = {m["name"] for node in nodes.values() for m in node["modules"]}
    assert {"lang-painless", "analysis-common", "search-pipeline-common", "transport-netty4"} <= modules


def test_painless_and_search_pipeline_modules_work(opensearch_node: OpenSearchNode, os_client: OpenSearch) -> None:
    index = "node-modules-check"
    os_client.indices.create(index=index, body={"settings": {"number_of_replicas": 0}})
    try:
        for i in range(3):
            os_client.index(index=index, id=str(i), body={"n": i}, refresh=True)
        scripted = os_client.search(
            index=index,
            body={
                "query": {
                    "script_score": {
                        "query": {"match_all": {}},
                        "script": {"source": "doc['n'].value * 2.0 + 1"},
                    }
                }
            },
        )
        assert [h["_score"] for h in scripted["hits"]["hits"]] == [5.0, 3.0, 1.0]
        # truncate_hits comes from search-pipeline-common.
        os_client.transport.perform_request(
            "PUT",
            "/_search/pipeline/truncate-check",
            body={"response_processors": [{"truncate_hits": {"target_size": 1}}]},
        )
        truncated = os_client.search(
            index=index, body={"query": {"match_all": {}}}, params={"search_pipeline": "truncate-check"}
        )
        assert len(truncated["hits"]["hits"]) == 1
    finally:
        os_client.indices.delete(index=index)


def test_stop_only_touches_its_own_node(opensearch_node: OpenSearchNode, tmp_path: Path) -> None:
    other = OpenSearchNode(tmp_path / "other", opensearch_node.port)
    # A pid file naming the running node's pid is not enough: the process must run from other's home.
    other.install_root.mkdir(parents=True)
    other.pid_file.write_text(f"{opensearch_node.status().pid}\n")
    assert other.stop() is False
    assert opensearch_node.status().running


def test_start_refuses_a_port_served_by_another_process(opensearch_node: OpenSearchNode, tmp_path: Path) -> None:
    other = OpenSearchNode(tmp_path / "other", opensearch_node.port)
    with pytest.raises(RuntimeError, match="already served by another process"):
        other.start(timeout=5)


def test_cli_status_reports_the_running_node(opensearch_node: OpenSearchNode) -> None:
    args = ["--port", str(opensearch_node.port), "--home", str(opensearch_node.install_root)]
    result = CliRunner().invoke(opensearch, ["status", *args])
    assert result.exit_code == 0, result.output
    assert "health green" in result.output or "health yellow" in result.output
    assert "opensearch-knn" in result.output


def test_cli_status_of_a_stopped_node(tmp_path: Path) -> None:
    result = CliRunner().invoke(opensearch, ["status", "--port", str(shifted_port(9259)), "--home", str(tmp_path)])
    assert result.exit_code == 3
    assert "not running" in result.output


def test_install_plugin_into_a_stopped_then_a_running_node(tmp_path: Path) -> None:
    from search_cluster.artifacts import fetch
    from search_cluster.versions import distribution

    scheduler = next(a for a in distribution("2.19.1").ml_plugins if a.artifact == "opensearch-job-scheduler")
    plugin_zip = fetch(scheduler)
    node = OpenSearchNode(tmp_path / "node", shifted_port(9252), heap="512m")
    try:
        assert node.install_plugin(plugin_zip) == "opensearch-job-scheduler"
        assert not node.status().running  # a stopped node stays stopped
        node.start(timeout=240)
        assert "opensearch-job-scheduler" in node.status().plugins
        first_pid = node.status().pid
        node.install_plugin(plugin_zip)  # replacing it restarts the running node
        status = node.status()
        assert status.running and status.pid != first_pid
        assert {"opensearch-job-scheduler", "opensearch-knn"} <= set(status.plugins)
        # Another handle on the same install root (as the CLI makes) keeps the added plugin.
        same_root = OpenSearchNode(node.install_root, node.port, with_ml=None)
        same_root.ensure_installed()
        assert (node.home / "plugins" / "opensearch-job-scheduler").is_dir()
        assert same_root.status().pid == status.pid
    finally:
        node.stop()
    assert not node.status().running


def test_cli_start_status_stop(tmp_path: Path) -> None:
    args = ["--port", str(CLI_PORT), "--home", str(tmp_path / "cli-node")]
    runner = CliRunner()
    started = runner.invoke(opensearch, ["start", *args, "--heap", "512m"])
    try:
        assert started.exit_code == 0, started.output
        assert f"green at http://127.0.0.1:{CLI_PORT}" in started.output or "yellow at" in started.output
        assert httpx.get(f"http://127.0.0.1:{CLI_PORT}", timeout=5).json()["version"]["number"] == "2.19.1"
        assert runner.invoke(opensearch, ["status", *args]).exit_code == 0
    finally:
        stopped = runner.invoke(opensearch, ["stop", *args])
    assert stopped.exit_code == 0 and "stopped the node" in stopped.output
    assert runner.invoke(opensearch, ["status", *args]).exit_code == 3
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{CLI_PORT}", timeout=2)
