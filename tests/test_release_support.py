"""Releases whose plugins Maven Central does not serve: the node says so, and so does kNN search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from opensearchpy.exceptions import RequestError

from search_cluster.node import NodeError, OpenSearchNode
from search_cluster.search import SearchError, search
from search_cluster.versions import DEFAULT_VERSION, distribution


def test_the_default_release_has_the_whole_stack() -> None:
    default = distribution(DEFAULT_VERSION)
    assert default.knn_plugin is not None and len(default.ml_plugins) == 3
    assert default.knn_note() == "" and default.ml_note() == ""
    assert default.modules == ()  # 3.x: every module is inside the integ-test-zip
    assert {m.name for m in distribution("2.19.1").modules} == {
        "lang-painless",
        "analysis-common",
        "search-pipeline-common",
    }


def test_a_release_without_knn_names_the_missing_coordinates() -> None:
    dist = distribution("3.8.0")
    assert dist.knn_plugin is None and dist.ml_plugins == ()
    assert dist.knn_note() == (
        "OpenSearch 3.8.0 has no k-NN plugin here: org.opensearch.plugin:opensearch-knn:3.8.0.0@zip "
        "is not served by Maven Central"
    )
    assert "org.opensearch.plugin:opensearch-ml-plugin:3.8.0.0@zip" in dist.ml_note()
    assert "org.opensearch.plugin:opensearch-knn:3.8.0.0@zip" in dist.not_served


def test_with_ml_on_a_release_without_ml_plugins_fails_before_laying_out(tmp_path: Path) -> None:
    node = OpenSearchNode(tmp_path / "node", 1, with_ml=True, version="3.8.0")
    with pytest.raises(NodeError, match=r"--with-ml: OpenSearch 3\.8\.0: ml-commons/neural-search are not served"):
        node.ensure_installed()
    assert not node.home.exists()


class _NodeWithoutKnn:
    """What opensearch-py sees from a 3.8.0 node that has no k-NN plugin: the knn query is unknown."""

    class _Cat:
        def plugins(self, format: str) -> list[dict[str, str]]:
            return [{"component": "rescore-bridge"}]

    cat = _Cat()

    def info(self) -> dict[str, Any]:
        return {"version": {"number": "3.8.0"}}

    def search(self, **_kwargs: Any) -> dict[str, Any]:
        raise RequestError(400, "parsing_exception", {"error": {"reason": "unknown query [knn]"}})


class _Embedder:
    def embed(self, texts: list[str]) -> Any:
        import numpy as np

        return np.ones((len(texts), 4), dtype=np.float32)


@pytest.mark.parametrize("mode", ["knn", "hybrid"])
def test_knn_search_on_a_node_without_knn_says_why_in_one_line(mode: str) -> None:
    with pytest.raises(SearchError) as error:
        search(_NodeWithoutKnn(), "docs", "q", mode=mode, model=_Embedder())  # type: ignore[arg-type]
    message = str(error.value)
    assert message.startswith(f"mode {mode} needs the k-NN plugin: OpenSearch 3.8.0 has no k-NN plugin here")
    assert "use --mode bm25" in message and DEFAULT_VERSION in message and "\n" not in message


def test_a_release_without_a_node_zip_names_the_missing_coordinate() -> None:
    from click.testing import CliRunner

    from search_cluster.cli import opensearch

    result = CliRunner().invoke(opensearch, ["start", "--version", "3.9.0", "--port", "1"])
    assert result.exit_code == 2
    assert "org.opensearch.distribution.integ-test-zip:opensearch:3.9.0@zip is not served" in result.output
    assert "Traceback" not in result.output


def test_the_bm25_only_template_for_a_node_without_knn_has_no_vector_parts() -> None:
    from search_cluster.templates import index_template

    full = index_template("docs", 384)
    assert full["template"]["settings"]["index"]["knn"] is True
    assert full["template"]["mappings"]["properties"]["embedding"]["dimension"] == 384
    bm25_only = index_template("docs", 384, knn=False)
    assert "knn" not in bm25_only["template"]["settings"]["index"]
    assert set(full["template"]["mappings"]["properties"]) - set(bm25_only["template"]["mappings"]["properties"]) == {
        "embedding"
    }
