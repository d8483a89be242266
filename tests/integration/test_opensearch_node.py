"""The node built from Maven Central artifacts: modules, plugins, lifecycle and CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from ports import shifted_port

from search_cluster.cli import opensearch
from search_cluster.client import make_client
from search_cluster.node import OpenSearchNode
from search_cluster.versions import DEFAULT_VERSION, distribution

CLI_PORT = shifted_port(9253)
# The lifecycle test lays out and starts a node of its own twice: on the release that is quickest to
# lay out and start (the 3.x zip is 160 MB and its node takes about twice as long to start).
LIFECYCLE_RELEASE = "2.19.1"

pytestmark = pytest.mark.integration


def test_node_is_healthy_with_the_needed_modules_and_knn(release_node: OpenSearchNode) -> None:
    status = release_node.status()
    assert status.running and status.health in ("green", "yellow")
    assert status.version == release_node.version
    assert {"opensearch-knn", "rescore-bridge"} <= set(status.plugins)
    nodes = httpx.get(f"{release_node.url}/_nodes/plugins,jvm", timeout=10).json()["nodes"]
    (info,) = nodes.values()
    modules = {m["name"] for m in info["modules"]}
    assert {"lang-painless", "analysis-common", "search-pipeline-common", "transport-netty4"} <= modules
    # The JDK was picked for the release: 2.x needs the security manager (Java 17-23), 3.x Java 21+.
    java = int(info["jvm"]["version"].split(".")[0])
    assert release_node.dist.java.fits(java) and release_node.jdk.feature == java


def test_painless_and_search_pipeline_modules_work(release_node: OpenSearchNode) -> None:
    os_client = make_client(release_node.url)
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


def test_lifecycle_install_into_stopped_then_running_node_and_cli_start_status_stop(tmp_path: Path) -> None:
    """One extra node (512m): a plugin installed into a stopped node leaves it stopped; the CLI starts
    it with the plugin; replacing the plugin restarts the running node; another handle on the same
    install root keeps the plugin; the CLI stops it."""
    from search_cluster.artifacts import fetch

    release = LIFECYCLE_RELEASE
    scheduler = next(a for a in distribution(release).ml_plugins if a.artifact == "opensearch-job-scheduler")
    plugin_zip = fetch(scheduler)
    home = tmp_path / "cli-node"
    args = ["--port", str(CLI_PORT), "--home", str(home), "--version", release]
    runner = CliRunner()
    node = OpenSearchNode(home, CLI_PORT, heap="512m", version=release)
    try:
        assert node.install_plugin(plugin_zip) == "opensearch-job-scheduler"
        assert not node.status().running  # a stopped node stays stopped
        started = runner.invoke(opensearch, ["start", *args, "--heap", "512m"])
        assert started.exit_code == 0, started.output
        assert f"green at http://127.0.0.1:{CLI_PORT}" in started.output or "yellow at" in started.output
        root = httpx.get(f"http://127.0.0.1:{CLI_PORT}", timeout=5).json()
        assert root["version"]["number"] == release
        assert runner.invoke(opensearch, ["status", *args]).exit_code == 0
        first_pid = node.status().pid
        assert {"opensearch-job-scheduler", "opensearch-knn"} <= set(node.status().plugins)
        node.install_plugin(plugin_zip)  # replacing it restarts the running node
        status = node.status()
        assert status.running and status.pid != first_pid
        assert {"opensearch-job-scheduler", "opensearch-knn"} <= set(status.plugins)
        # Another handle on the same install root (as the CLI makes) keeps the added plugin.
        same_root = OpenSearchNode(node.install_root, node.port, with_ml=None, version=release)
        same_root.ensure_installed()
        assert (node.home / "plugins" / "opensearch-job-scheduler").is_dir()
        assert same_root.status().pid == status.pid
    finally:
        stopped = runner.invoke(opensearch, ["stop", *args])
    assert stopped.exit_code == 0 and "stopped the node" in stopped.output
    assert runner.invoke(opensearch, ["status", *args]).exit_code == 3
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{CLI_PORT}", timeout=2)


def test_start_of_a_release_without_a_fitting_java_names_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No JDK fits: a one-line error naming the Java the release needs and where it looked, nothing laid out."""
    from search_cluster import jdk

    monkeypatch.setattr(jdk, "INSTALL_FOLDERS", (str(tmp_path / "no-jvm"),))
    monkeypatch.setattr(jdk.shutil, "which", lambda _name: None)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nothing"))
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    home = tmp_path / "node"
    result = CliRunner().invoke(opensearch, ["start", "--port", str(CLI_PORT), "--home", str(home)])
    assert result.exit_code == 1
    assert f"OpenSearch {DEFAULT_VERSION} needs Java 21 or newer" in result.output
    assert "$JAVA_HOME=" in result.output and "set OPENSEARCH_JAVA_HOME" in result.output
    assert "Traceback" not in result.output and not (home / "home").exists()
