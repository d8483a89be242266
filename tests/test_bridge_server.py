"""The real bridge process over HTTP: shapes, parity with Reranker, limits, overload, deadlines, cache."""

from __future__ import annotations

import concurrent.futures
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from bridge_process import BridgeProcess

from plugin_bridge import Reranker

pytestmark = pytest.mark.integration

DOCS = [
    "paris is the capital of france",
    "the moon pulls the ocean tide",
    "python list comprehension",
    "",
    "cats sleep most of the day",
]
QUERY = "what is the capital of france"


@pytest.fixture(scope="module")
def reranker(tiny_artifact: Path) -> Reranker:
    return Reranker(tiny_artifact)


def post(url: str, path: str, body: object, **kwargs: object) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=60, **kwargs)  # type: ignore[arg-type]


def test_health_ready_models(bridge_server: BridgeProcess, tiny_artifact: Path) -> None:
    assert httpx.get(bridge_server.url + "/health").json() == {"status": "ok"}
    assert httpx.get(bridge_server.url + "/ready").status_code == 200
    models = httpx.get(bridge_server.url + "/v1/models").json()["data"]
    assert len(models) == 1 and models[0]["id"] == "default" and models[0]["default"] is True
    assert models[0]["max_length"] == 128 and models[0]["provider"] == "cpu"
    assert len(models[0]["manifest_digest"]) == 16
    spec = httpx.get(bridge_server.url + "/openapi.json").json()
    assert {"/v1/scores", "/v1/rerank", "/v2/rerank", "/rerank", "/v1/models", "/metrics"} <= set(spec["paths"])


def test_scores_equal_reranker_in_input_order(bridge_server: BridgeProcess, reranker: Reranker) -> None:
    body = post(bridge_server.url, "/v1/scores", {"query": QUERY, "documents": DOCS}).json()
    assert body["model"] == "default" and body["scored"] == len(DOCS) and body["unscored"] == []
    assert body["scores"] == pytest.approx(reranker.score(QUERY, DOCS), abs=1e-6)
    assert all(isinstance(s, float) for s in body["scores"])
    raw = post(bridge_server.url, "/v1/scores", {"query": QUERY, "documents": DOCS, "activation": "none"}).json()
    assert raw["scores"] == pytest.approx(reranker.score(QUERY, DOCS, activation="none"), abs=1e-5)


def test_cohere_v1_v2_and_jina_shapes(bridge_server: BridgeProcess, reranker: Reranker) -> None:
    expected = reranker.rank(QUERY, DOCS)
    docs = [d if i % 2 else {"text": d} for i, d in enumerate(DOCS)]  # strings and Jina-style objects mixed
    v1 = post(
        bridge_server.url, "/v1/rerank", {"query": QUERY, "documents": docs, "top_n": 3, "return_documents": True}
    ).json()
    assert [r["index"] for r in v1["results"]] == [r.index for r in expected[:3]]
    assert [r["relevance_score"] for r in v1["results"]] == pytest.approx([r.score for r in expected[:3]], abs=1e-6)
    assert v1["results"][0]["document"] == {"text": DOCS[expected[0].index]}
    assert v1["model"] == "default" and v1["meta"]["api_version"]["version"] == "1" and v1["id"]
    v2 = post(bridge_server.url, "/v2/rerank", {"model": "default", "query": QUERY, "documents": DOCS}).json()
    assert [r["index"] for r in v2["results"]] == [r.index for r in expected]
    assert "document" not in v2["results"][0] and v2["meta"]["api_version"]["version"] == "2"


def test_tei_shape(bridge_server: BridgeProcess, reranker: Reranker) -> None:
    ranked = post(bridge_server.url, "/rerank", {"query": QUERY, "texts": DOCS, "return_text": True}).json()
    assert isinstance(ranked, list) and [r["index"] for r in ranked] == [r.index for r in reranker.rank(QUERY, DOCS)]
    assert ranked[0]["text"] == DOCS[ranked[0]["index"]]
    raw = post(bridge_server.url, "/rerank", {"query": QUERY, "texts": DOCS, "raw_scores": True}).json()
    logits = reranker.score(QUERY, DOCS, activation="none")
    assert {r["index"]: r["score"] for r in raw} == pytest.approx(dict(enumerate(logits)), abs=1e-5)
    long_text = "paris france capital " * 100
    too_long = post(bridge_server.url, "/rerank", {"query": QUERY, "texts": [long_text]})
    assert too_long.status_code == 413 and "truncate" in too_long.json()["error"]
    assert (
        post(bridge_server.url, "/rerank", {"query": QUERY, "texts": [long_text], "truncate": True}).status_code == 200
    )


def test_chunking_and_aggregation(bridge_server: BridgeProcess, reranker: Reranker) -> None:
    long_doc = "the capital of france is paris. " * 60
    docs = [long_doc, "short"]
    plain = post(bridge_server.url, "/v1/scores", {"query": QUERY, "documents": docs}).json()
    assert plain["truncated"] == [0] and plain["chunked"] == []
    for aggregation in ("max", "mean", "first"):
        body = post(
            bridge_server.url,
            "/v1/scores",
            {"query": QUERY, "documents": docs, "chunking": {"aggregation": aggregation}},
        ).json()
        expected = reranker.score(QUERY, docs, chunking=True, aggregation=aggregation)
        assert body["scores"] == pytest.approx(expected, abs=1e-6), aggregation
        assert body["chunked"] == [0] and body["truncated"] == []


def test_cache_hit_and_metrics(bridge_server: BridgeProcess) -> None:
    docs = [f"cache probe document number {i}" for i in range(6)]
    first = post(bridge_server.url, "/v1/scores", {"query": "cache probe", "documents": docs}).json()
    second = post(bridge_server.url, "/v1/scores", {"query": "cache probe", "documents": docs}).json()
    assert first["cached"] == 0 and second["cached"] == 6 and first["scores"] == second["scores"]
    metrics = httpx.get(bridge_server.url + "/metrics").text
    for name in (
        "rescore_bridge_request_seconds_bucket",
        "rescore_bridge_queue_wait_seconds",
        "rescore_bridge_tokenize_seconds",
        "rescore_bridge_inference_seconds",
        "rescore_bridge_batch_size",
        "rescore_bridge_batch_tokens",
        "rescore_bridge_pairs_scored_total",
        "rescore_bridge_in_flight_requests",
        "rescore_bridge_cache_hits_total",
    ):
        assert name in metrics, name
    hits = [line for line in metrics.splitlines() if line.startswith("rescore_bridge_cache_hits_total")]
    assert float(hits[0].split()[-1]) >= 6


def test_bad_requests(bridge_server: BridgeProcess) -> None:
    url = bridge_server.url + "/v1/scores"
    malformed = httpx.post(url, content=b'{"query": "x", "documents": [', headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["kind"] == "malformed_json"
    wrong_type = post(bridge_server.url, "/v1/scores", {"query": "x", "documents": [1, {"a": 2}]})
    assert wrong_type.status_code == 422 and "documents.0" in wrong_type.json()["error"]
    assert post(bridge_server.url, "/v1/scores", {"query": "", "documents": ["a"]}).status_code == 422
    assert post(bridge_server.url, "/v1/scores", {"documents": ["a"]}).status_code == 422
    long_query = post(bridge_server.url, "/v1/scores", {"query": "word " * 500, "documents": ["a"]})
    assert long_query.status_code == 422 and "query is" in long_query.json()["error"]
    unknown = post(bridge_server.url, "/v1/scores", {"query": "x", "documents": ["a"], "model": "nope"})
    assert unknown.status_code == 404 and "unknown model 'nope'" in unknown.json()["error"]
    too_many = post(bridge_server.url, "/v1/scores", {"query": "x", "documents": ["a"] * 1001})
    assert too_many.status_code == 413 and too_many.json()["kind"] == "too_many_documents"
    huge = post(bridge_server.url, "/v1/scores", {"query": "x", "documents": ["y" * (9 * 1024 * 1024)]})
    assert huge.status_code == 413 and huge.json()["kind"] == "body_too_large"
    empty = post(bridge_server.url, "/v1/scores", {"query": "x", "documents": []}).json()
    assert empty["scores"] == [] and empty["scored"] == 0
    # the server is still healthy after all that
    assert post(bridge_server.url, "/v1/scores", {"query": "x", "documents": ["a"]}).status_code == 200


def test_concurrent_clients_get_their_own_results(bridge_server: BridgeProcess, reranker: Reranker) -> None:
    requests = [
        (f"query {i} capital", [f"doc {i} {j} paris france" * (1 + j % 4) for j in range(12)]) for i in range(32)
    ]

    def call(item: tuple[str, list[str]]) -> list[float]:
        query, docs = item
        return list(post(bridge_server.url, "/v1/scores", {"query": query, "documents": docs}).json()["scores"])

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(call, requests))
    for (query, docs), got in zip(requests, results, strict=True):
        assert got == pytest.approx(reranker.score(query, docs), abs=1e-6)
    batch_sizes = [
        line
        for line in httpx.get(bridge_server.url + "/metrics").text.splitlines()
        if line.startswith("rescore_bridge_batch_size_sum")
    ]
    assert batch_sizes


def _start_bridge(tiny_artifact: Path, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> BridgeProcess:
    return BridgeProcess([("default", tiny_artifact)], tmp_path, extra_args=list(args), env=env).start()


def test_deadline_returns_first_stage_order_tail(tiny_artifact: Path, tmp_path: Path) -> None:
    bridge = _start_bridge(tiny_artifact, tmp_path, "--cache-entries", "0", "--max-batch-tokens", "1024")
    try:
        docs = [f"document {i} about paris and the capital of france " * 12 for i in range(400)]
        started = time.perf_counter()
        full = post(bridge.url, "/v1/scores", {"query": QUERY, "documents": docs}).json()
        full_ms = (time.perf_counter() - started) * 1000
        assert full["scored"] == 400
        budget = max(5, int(full_ms / 4))
        cut = post(bridge.url, "/v1/scores", {"query": QUERY, "documents": docs, "deadline_ms": budget}).json()
        scored = cut["scored"]
        assert 0 < scored < 400, (scored, budget, full_ms)
        assert all(s is not None for s in cut["scores"][:scored])  # the head, in first-stage order
        assert all(s is None for s in cut["scores"][scored:])
        assert cut["unscored"] == list(range(scored, 400))
        assert cut["scores"][:scored] == pytest.approx(full["scores"][:scored], abs=1e-6)
        assert cut["took_ms"] < budget + 250
    finally:
        bridge.stop()


def test_overload_answers_429_with_retry_after(tiny_artifact: Path, tmp_path: Path) -> None:
    bridge = _start_bridge(
        tiny_artifact, tmp_path, "--max-queue-pairs", "64", "--max-batch-tokens", "512", "--cache-entries", "0"
    )
    try:
        docs = [f"paris capital france document {i} " * 20 for i in range(200)]

        def call(i: int) -> httpx.Response:
            return post(bridge.url, "/v1/scores", {"query": f"q{i}", "documents": docs})

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            responses = list(pool.map(call, range(16)))
        codes = [r.status_code for r in responses]
        assert 200 in codes and 429 in codes, codes
        rejected = next(r for r in responses if r.status_code == 429)
        assert int(rejected.headers["retry-after"]) >= 1 and rejected.json()["kind"] == "overloaded"
        assert httpx.get(bridge.url + "/health").status_code == 200
    finally:
        bridge.stop()


def test_graceful_shutdown_finishes_in_flight(tiny_artifact: Path, tmp_path: Path) -> None:
    bridge = _start_bridge(tiny_artifact, tmp_path, "--cache-entries", "0", "--max-batch-tokens", "512")
    docs = [f"document {i} paris " * 25 for i in range(600)]
    result: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("r", post(bridge.url, "/v1/scores", {"query": QUERY, "documents": docs}))
    )
    thread.start()
    time.sleep(0.3)
    assert bridge.process is not None
    bridge.process.send_signal(signal.SIGTERM)
    thread.join(timeout=60)
    assert result["r"].status_code == 200 and result["r"].json()["scored"] == 600
    # uvicorn re-raises the signal once drained, so the exit status is "terminated by SIGTERM"
    assert bridge.process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in bridge.log_path.read_text()


def test_settings_from_config_file_and_env(tiny_artifact: Path, tmp_path: Path) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text(f'max_documents = 3\nmodels = ["first={tiny_artifact}", "second={tiny_artifact}"]\n')
    bridge = BridgeProcess(
        [], tmp_path, extra_args=["--config", str(config)], env={"RESCORE_BRIDGE_CACHE_ENTRIES": "0"}
    ).start()
    try:
        models = [m["id"] for m in httpx.get(bridge.url + "/v1/models").json()["data"]]
        assert models == ["first", "second"]
        ok = post(bridge.url, "/v1/scores", {"query": "x", "documents": ["a"], "model": "second"}).json()
        assert ok["model"] == "second"
        assert post(bridge.url, "/v1/scores", {"query": "x", "documents": ["a"] * 4}).status_code == 413
        again = post(bridge.url, "/v1/scores", {"query": "x", "documents": ["a"]}).json()
        assert again["cached"] == 0  # env disabled the cache
    finally:
        bridge.stop()


def test_serve_refuses_bad_model_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "rescore_cli", "serve", "--model", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_serve_cuda_without_cuda_is_a_clear_error(tiny_artifact: Path) -> None:
    import subprocess
    import sys

    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this machine has CUDA: the error path cannot be shown here")
    result = subprocess.run(
        [sys.executable, "-m", "rescore_cli", "serve", "--model", str(tiny_artifact), "--provider", "cuda"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "CUDAExecutionProvider" in result.stderr and "Traceback" not in result.stderr
