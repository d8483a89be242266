"""The native `cross_encoder` rescorer on real OpenSearch nodes of every release in the test matrix
(conftest.TEST_RELEASES: one 2.19.x, one 3.x), calling a real bridge process.

Each release's session node got the plugin through `search_cluster.plugin_install` (Maven build for
that release with a fitting JDK, install); this module points it at the bridge, indexes the generated
judged corpus, and every expectation is computed independently: the bridge's own `/v1/scores` answer
for the same texts, and BM25 scores from a plain search without rescore. Every test runs once per release.
"""

from __future__ import annotations

import json
import socket
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from search_cluster.cli import opensearch
from search_cluster.node import OpenSearchNode
from search_cluster.plugin_build import descriptor
from search_cluster.plugin_install import (
    ENDPOINTS_SETTING,
    STATS_PATH,
    PluginInstallError,
    configure_bridge,
    install_plugin,
    install_plugin_command,
)
from search_cluster.templates import QueryTemplate, index_template, load_json

from .conftest import JudgedCorpus

pytestmark = pytest.mark.integration

INDEX = "rescore-plugin-test"
N_DOCS = 300
UNSCORED_OFFSET = 1000.0  # WindowCombiner.UNSCORED_OFFSET
SEPARATOR = "\n"  # DocumentText.SEPARATOR
MAX_CHARS = 4000


@pytest.fixture(scope="module")
def rescore_node(release_node: OpenSearchNode, bridge_server: Any) -> OpenSearchNode:
    """The release's session node (plugin installed by conftest), pointed at the test bridge."""
    configure_bridge(release_node.url, bridge_server.url)
    return release_node


@pytest.fixture(scope="module")
def http(rescore_node: OpenSearchNode) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rescore_node.url, timeout=60.0) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(judged_corpus: JudgedCorpus) -> dict[str, dict[str, str]]:
    docs: dict[str, dict[str, str]] = {}
    with judged_corpus.corpus.open() as handle:
        for line in handle:
            obj = json.loads(line)
            docs[obj["_id"]] = {"title": obj["title"], "text": obj["text"]}
            if len(docs) == N_DOCS:
                break
    return docs


@pytest.fixture(scope="module")
def indexed(http: httpx.Client, corpus: dict[str, dict[str, str]]) -> str:
    body = {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0},
        "mappings": {"properties": {"title": {"type": "text"}, "text": {"type": "text"}}},
    }
    http.delete(f"/{INDEX}")
    assert http.put(f"/{INDEX}", json=body).status_code == 200
    bulk(http, INDEX, corpus.items())
    return INDEX


def bulk(http: httpx.Client, index: str, docs: Iterable[tuple[str, dict[str, str]]]) -> None:
    lines = []
    for doc_id, doc in docs:
        lines.append(json.dumps({"index": {"_index": index, "_id": doc_id}}))
        lines.append(json.dumps(doc))
    ndjson = "\n".join(lines) + "\n"
    response = http.post("/_bulk?refresh=true", content=ndjson, headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 200 and not response.json()["errors"], response.text[:500]


QUERIES = [
    "aspirin reduces the risk of cancer",
    "cell division is regulated by protein kinases",
    "vitamin D deficiency is associated with disease",
]


def doc_text(doc: dict[str, str], max_chars: int = MAX_CHARS) -> str:
    """The bridge input the plugin builds from `_source` (fields title, text)."""
    parts = [doc[f].strip() for f in ("title", "text") if doc.get(f, "").strip()]
    return SEPARATOR.join(parts)[:max_chars]


def bridge_scores(bridge_url: str, query: str, texts: list[str]) -> list[float]:
    response = httpx.post(f"{bridge_url}/v1/scores", json={"query": query, "documents": texts}, timeout=60.0)
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    assert None not in scores
    return [float(s) for s in scores]


def search(http: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(f"/{INDEX}/_search", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["_shards"]["failed"] == 0, result["_shards"]
    return result


def bm25(http: httpx.Client, query: str, size: int) -> list[tuple[str, float]]:
    body = {"size": size, "query": {"multi_match": {"query": query, "fields": ["title", "text"]}}}
    return [(h["_id"], h["_score"]) for h in search(http, body)["hits"]["hits"]]


def rescored(http: httpx.Client, query: str, size: int, window: int, **params: Any) -> list[dict[str, Any]]:
    body = {
        "size": size,
        "query": {"multi_match": {"query": query, "fields": ["title", "text"]}},
        "rescore": {"window_size": window, "cross_encoder": {"query_text": query, **params}},
    }
    hits: list[dict[str, Any]] = search(http, body)["hits"]["hits"]
    return hits


def stats(http: httpx.Client) -> dict[str, Any]:
    response = http.get(STATS_PATH)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["rescore"]
    return result


@contextmanager
def endpoint(http: httpx.Client, url: str) -> Iterator[None]:
    """Point the plugin at `url` for the block, then back at what was set before."""
    before = http.get("/_cluster/settings").json()["persistent"].get("rescore_bridge", {}).get("endpoints")
    http.put("/_cluster/settings", json={"persistent": {ENDPOINTS_SETTING: [url]}}).raise_for_status()
    try:
        yield
    finally:
        http.put("/_cluster/settings", json={"persistent": {ENDPOINTS_SETTING: before}}).raise_for_status()


def dead_url() -> str:
    """A loopback URL where nothing listens: a stopped bridge."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


MODES: dict[str, Callable[[float, float], float]] = {
    "total": lambda a, b: a + b,
    "multiply": lambda a, b: a * b,
    "avg": lambda a, b: (a + b) / 2,
    "max": max,
    "min": min,
    "replace": lambda a, b: b,
}


def expected_order(
    first: list[tuple[str, float]], ce: list[float], window: int, qw: float, rqw: float, mode: str
) -> list[tuple[str, float]]:
    """The documented rule, computed here from BM25 and the bridge's own scores."""
    combined = [(doc, MODES[mode](score * qw, ce[i] * rqw), i) for i, (doc, score) in enumerate(first[:window])]
    combined.sort(key=lambda item: (-item[1], item[2]))
    rest = [(doc, score - UNSCORED_OFFSET) for doc, score in first[window:]]
    return [(doc, score) for doc, score, _ in combined] + rest


def assert_same_ranking(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    """Same documents with the same scores at the same positions; ids may only swap within float ties."""
    assert [score for _, score in got] == pytest.approx([score for _, score in want], rel=1e-4, abs=1e-4)
    wanted = dict(want)
    assert {doc for doc, _ in got} == set(wanted)
    for doc, score in got:
        assert score == pytest.approx(wanted[doc], rel=1e-4, abs=1e-4), doc


def test_plugin_is_installed_and_configured(http: httpx.Client, bridge_server: Any) -> None:
    plugins = {row["component"] for row in http.get("/_cat/plugins?format=json").json()}
    assert "rescore-bridge" in plugins
    body = http.get(STATS_PATH).json()
    assert body["settings"][ENDPOINTS_SETTING] == [bridge_server.url.rstrip("/")]


@pytest.mark.parametrize("query", QUERIES)
def test_replace_returns_the_bridge_order_inside_the_window(
    http: httpx.Client, indexed: str, corpus: dict[str, dict[str, str]], bridge_server: Any, query: str
) -> None:
    window, size = 10, 20
    first = bm25(http, query, size)
    assert len(first) == size
    ce = bridge_scores(bridge_server.url, query, [doc_text(corpus[d]) for d, _ in first[:window]])
    want = expected_order(first, ce, window, 1.0, 1.0, "replace")
    hits = rescored(http, query, size, window, score_mode="replace")
    assert_same_ranking([(h["_id"], h["_score"]) for h in hits], want)
    # The window's order really changed something, or this test would not prove much.
    assert [h["_id"] for h in hits[:window]] != [d for d, _ in first[:window]] or len(set(ce)) == 1


def test_window_size_limits_what_is_sent_and_keeps_the_rest_below(
    http: httpx.Client, indexed: str, corpus: dict[str, dict[str, str]], bridge_server: Any
) -> None:
    query, window, size = QUERIES[0], 5, 15
    first = bm25(http, query, size)
    before = stats(http)
    hits = rescored(http, query, size, window, score_mode="replace")
    after = stats(http)
    assert after["docs_sent"] - before["docs_sent"] == window
    assert after["bridge_calls"] - before["bridge_calls"] == 1
    assert {h["_id"] for h in hits[:window]} == {d for d, _ in first[:window]}
    assert [(h["_id"], h["_score"]) for h in hits[window:]] == [
        (d, pytest.approx(s - UNSCORED_OFFSET, abs=1e-3)) for d, s in first[window:]
    ]
    assert min(h["_score"] for h in hits[:window]) > max(h["_score"] for h in hits[window:])


@pytest.mark.parametrize("mode", sorted(MODES))
def test_weights_and_score_modes_combine_as_documented(
    http: httpx.Client, indexed: str, corpus: dict[str, dict[str, str]], bridge_server: Any, mode: str
) -> None:
    query, window, size, qw, rqw = QUERIES[1], 8, 12, 0.7, 1.3
    first = bm25(http, query, size)
    ce = bridge_scores(bridge_server.url, query, [doc_text(corpus[d]) for d, _ in first[:window]])
    want = expected_order(first, ce, window, qw, rqw, mode)
    hits = rescored(http, query, size, window, score_mode=mode, query_weight=qw, rescore_query_weight=rqw)
    assert_same_ranking([(h["_id"], h["_score"]) for h in hits], want)


def test_default_weights_are_the_query_rescorer_ones(
    http: httpx.Client, indexed: str, corpus: dict[str, dict[str, str]], bridge_server: Any
) -> None:
    query, window = QUERIES[2], 6
    first = bm25(http, query, window)
    ce = bridge_scores(bridge_server.url, query, [doc_text(corpus[d]) for d, _ in first])
    hits = rescored(http, query, window, window)
    want = expected_order(first, ce, window, 1.0, 1.0, "total")
    assert [h["_score"] for h in hits] == pytest.approx([s for _, s in want], rel=1e-4, abs=1e-4)


def test_explain_shows_the_cross_encoder_score_and_the_combination(
    http: httpx.Client, indexed: str, corpus: dict[str, dict[str, str]], bridge_server: Any
) -> None:
    query, window, size = QUERIES[0], 4, 6
    first = bm25(http, query, size)
    ce = dict(
        zip(
            [d for d, _ in first[:window]],
            bridge_scores(bridge_server.url, query, [doc_text(corpus[d]) for d, _ in first[:window]]),
            strict=True,
        )
    )
    body = {
        "size": size,
        "explain": True,
        "query": {"multi_match": {"query": query, "fields": ["title", "text"]}},
        "rescore": {
            "window_size": window,
            "cross_encoder": {"query_text": query, "query_weight": 0.5, "rescore_query_weight": 2.0},
        },
    }
    hits = search(http, body)["hits"]["hits"]
    top = hits[0]
    explanation = top["_explanation"]
    assert explanation["value"] == pytest.approx(top["_score"], rel=1e-5)
    assert "cross_encoder rescore, score_mode [total]" in explanation["description"]
    primary, secondary = explanation["details"]
    assert [d["description"] for d in primary["details"]][-1] == "query_weight"
    ce_detail = secondary["details"][0]
    assert "cross-encoder score" in ce_detail["description"]
    assert ce_detail["value"] == pytest.approx(ce[top["_id"]], rel=1e-4, abs=1e-4)
    assert secondary["value"] == pytest.approx(2.0 * ce[top["_id"]], rel=1e-4, abs=1e-4)
    outside = hits[-1]
    assert outside["_id"] not in ce
    assert "not scored by cross_encoder" in outside["_explanation"]["description"]
    assert outside["_explanation"]["value"] == pytest.approx(outside["_score"], abs=1e-3)


def test_stopped_bridge_keeps_first_stage_order_within_the_timeout(http: httpx.Client, indexed: str) -> None:
    query, window, size, timeout_ms = QUERIES[1], 20, 20, 500
    first = bm25(http, query, size)
    before = stats(http)
    with endpoint(http, dead_url()):
        start = time.monotonic()
        hits = rescored(http, query, size, window, timeout_ms=timeout_ms, score_mode="replace")
        elapsed = time.monotonic() - start
    after = stats(http)
    assert [(h["_id"], h["_score"]) for h in hits] == [(d, pytest.approx(s)) for d, s in first]
    assert elapsed < timeout_ms / 1000 + 2.0
    assert after["bridge_failures"] - before["bridge_failures"] == 1
    assert after["bridge_failures_by_reason"]["connect"] - before["bridge_failures_by_reason"]["connect"] == 1
    assert after["kept_first_stage"] - before["kept_first_stage"] == 1


def test_deadline_shorter_than_the_bridge_keeps_first_stage_order(
    http: httpx.Client, indexed: str, bridge_server: Any
) -> None:
    """A live bridge that cannot answer in 1 ms: the search still answers, in first-stage order."""
    query, size = QUERIES[0], 50
    first = bm25(http, query, size)
    start = time.monotonic()
    hits = rescored(http, query, size, size, timeout_ms=1, score_mode="replace")
    elapsed = time.monotonic() - start
    assert [h["_id"] for h in hits] == [d for d, _ in first]
    assert elapsed < 2.0


def test_on_failure_fail_errors_clearly(http: httpx.Client, indexed: str) -> None:
    body = {
        "query": {"match": {"text": "protein"}},
        "rescore": {"window_size": 5, "cross_encoder": {"query_text": "protein", "on_failure": "fail"}},
    }
    before = stats(http)
    with endpoint(http, dead_url()):
        response = http.post(f"/{INDEX}/_search", json=body)
    assert response.status_code == 502, response.text
    reason = json.dumps(response.json()["error"])
    assert "on_failure=fail" in reason and "cannot connect to bridge" in reason
    assert stats(http)["failed_searches"] - before["failed_searches"] == 1


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"query_text": "q", "score_mode": "sum"}, "unknown score_mode [sum]"),
        ({"score_mode": "total"}, "requires [query_text]"),
        ({"query_text": "q", "on_failure": "retry"}, "unknown on_failure [retry]"),
        ({"query_text": "q", "timeout_ms": 0}, "[timeout_ms] must be between"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_problem(
    http: httpx.Client, indexed: str, params: dict[str, Any], fragment: str
) -> None:
    body = {"query": {"match_all": {}}, "rescore": {"cross_encoder": params}}
    response = http.post(f"/{INDEX}/_search", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.text


def test_bad_endpoint_setting_is_refused(http: httpx.Client) -> None:
    response = http.put("/_cluster/settings", json={"persistent": {ENDPOINTS_SETTING: ["localhost:8080"]}})
    assert response.status_code == 400
    assert "must be an http(s) URL" in response.text


def test_example_request_in_mappings_runs_on_the_project_index_template(
    http: httpx.Client, corpus: dict[str, dict[str, str]], bridge_server: Any
) -> None:
    """mappings/rescore_cross_encoder.json, rendered like the other query templates, on an index made
    from mappings/index_template.json: the cross-encoder's order inside the window, BM25 below it."""
    index = "rescore-plugin-template-check"
    http.put(f"/_index_template/{index}", json=index_template(index, 384)).raise_for_status()
    http.delete(f"/{index}")
    http.put(f"/{index}").raise_for_status()  # the node does not auto-create indices; the template applies
    bulk(http, index, ((doc_id, {"doc_id": doc_id, **doc}) for doc_id, doc in list(corpus.items())[:100]))
    data = load_json("rescore_cross_encoder.json")
    template = QueryTemplate("rescore_cross_encoder", data["body"], dict(data["params"]))
    query, window = QUERIES[0], 5
    body = template.render(query=query, size=8, window_size=window)
    result = http.post(f"/{index}/_search", json=body)
    assert result.status_code == 200, result.text
    hits = result.json()["hits"]["hits"]
    assert len(hits) == 8
    texts = [doc_text(corpus[h["_id"]]) for h in hits[:window]]
    ce = bridge_scores(bridge_server.url, query, texts)
    assert [h["_score"] for h in hits[:window]] == pytest.approx(ce, rel=1e-4, abs=1e-4)
    assert ce == sorted(ce, reverse=True)
    assert all(h["_score"] < -UNSCORED_OFFSET / 2 for h in hits[window:])
    # the same rescore through `rescore-bridge search --rescore-window` (search_cluster.search)
    from search_cluster.client import make_client
    from search_cluster.search import search as cli_search

    via_cli = cli_search(make_client(str(http.base_url)), index, query, size=8, rescore_window=window)
    assert [h.doc_id for h in via_cli] == [h["_id"] for h in hits]
    assert [h.score for h in via_cli[:window]] == pytest.approx(ce, rel=1e-4, abs=1e-4)
    http.delete(f"/{index}")
    http.delete(f"/_index_template/{index}")


def test_reinstalling_the_same_build_keeps_the_node_running(rescore_node: OpenSearchNode, bridge_server: Any) -> None:
    pid = rescore_node.status().pid
    result = install_plugin(rescore_node, None, bridge_server.url)
    assert not result.installed
    assert rescore_node.status().pid == pid


def test_install_plugin_command_sets_the_endpoint(
    rescore_node: OpenSearchNode, http: httpx.Client, bridge_server: Any
) -> None:
    args = ["--port", str(rescore_node.port), "--home", str(rescore_node.install_root), "--timeout-ms", "750"]
    args += ["--version", rescore_node.version]
    result = CliRunner().invoke(install_plugin_command, [*args, "--bridge-url", bridge_server.url])
    assert result.exit_code == 0, result.output
    assert "already installed: plugin rescore-bridge" in result.output
    settings = http.get(STATS_PATH).json()["settings"]
    assert settings == {ENDPOINTS_SETTING: [bridge_server.url], "rescore_bridge.timeout_ms": 750}
    http.put("/_cluster/settings", json={"persistent": {"rescore_bridge.timeout_ms": None}}).raise_for_status()
    bad = CliRunner().invoke(install_plugin_command, [*args, "--bridge-url", "localhost:8080"])
    assert bad.exit_code == 1
    assert "must look like http://127.0.0.1:8080" in bad.output
    assert "Traceback" not in bad.output


def test_a_zip_built_for_another_release_is_refused(rescore_node: OpenSearchNode, tmp_path: Path) -> None:
    other = tmp_path / "rescore-bridge-other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("plugin-descriptor.properties", "name=rescore-bridge\nopensearch.version=2.19.4\n")
    runs = rescore_node.version.replace(".", r"\.")
    with pytest.raises(PluginInstallError, match=rf"built for OpenSearch 2\.19\.4, the node runs {runs}"):
        install_plugin(rescore_node, other, None)


def test_build_plugin_command_prints_the_zip_for_the_release(rescore_node: OpenSearchNode, tmp_path: Path) -> None:
    """The zip an operator installs on a cluster the project did not start: the very build this node runs."""
    runner = CliRunner()
    result = runner.invoke(opensearch, ["build-plugin", "--version", rescore_node.version, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    zip_path = Path(result.stdout.strip().splitlines()[-1])
    assert zip_path.parent == tmp_path and zip_path.is_file()
    meta = descriptor(zip_path)
    assert meta["opensearch.version"] == rescore_node.version
    assert meta["java.version"] == ("17" if rescore_node.version.startswith("2.") else "21")
    installed = rescore_node.home / "plugins" / "rescore-bridge"
    with zipfile.ZipFile(zip_path) as archive:
        jar = next(n for n in archive.namelist() if n.endswith(".jar"))
        assert (installed / jar).read_bytes() == archive.read(jar)
    bad = runner.invoke(opensearch, ["build-plugin", "--version", "2.18.0"])
    assert bad.exit_code == 1 and "builds for 2.19.x and 3.x releases" in bad.output
    assert "Traceback" not in bad.output


def test_two_shards_keep_every_rescored_hit_above_the_rest_and_explain(
    http: httpx.Client, corpus: dict[str, dict[str, str]], bridge_server: Any
) -> None:
    """Each shard rescores its own window; the coordinator's merge must not mix the two bands, and
    explain (whose fetch phase runs in a fresh context here) asks the bridge again."""
    index = "rescore-plugin-two-shards"
    http.delete(f"/{index}")
    body = {
        "settings": {"number_of_shards": 2, "number_of_replicas": 0},
        "mappings": {"properties": {"title": {"type": "text"}, "text": {"type": "text"}}},
    }
    http.put(f"/{index}", json=body).raise_for_status()
    bulk(http, index, corpus.items())
    query, window = QUERIES[1], 3
    request = {
        "size": 20,
        "explain": True,
        "query": {"multi_match": {"query": query, "fields": ["title", "text"]}},
        "rescore": {"window_size": window, "cross_encoder": {"query_text": query, "score_mode": "replace"}},
    }
    response = http.post(f"/{index}/_search", json=request)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["_shards"] == {"total": 2, "successful": 2, "skipped": 0, "failed": 0}
    hits = result["hits"]["hits"]
    in_band = [h for h in hits if h["_score"] > -UNSCORED_OFFSET / 2]
    assert len(in_band) == 2 * window
    assert hits[: 2 * window] == in_band
    assert {h["_shard"] for h in in_band} == {h["_shard"] for h in hits}
    ce = bridge_scores(bridge_server.url, query, [doc_text(corpus[h["_id"]]) for h in in_band])
    assert [h["_score"] for h in in_band] == pytest.approx(ce, rel=1e-4, abs=1e-4)
    for hit in in_band:
        assert hit["_explanation"]["value"] == pytest.approx(hit["_score"], rel=1e-4, abs=1e-4)
        assert "recomputed for explain" in json.dumps(hit["_explanation"])
    http.delete(f"/{index}")
