"""Measured behaviour under load, faults and hostile input (issue 17), all against real processes here.

    flock /work/locks/bench.lock .venv/bin/python bench/reliability.py               # the full run (~25 min)
    .venv/bin/python bench/reliability.py --soak-minutes 1 --fault-rounds 2           # a quick look

Sections, each with its own pass rule (the closing table says which held):
- overhead: the same small request, interleaved, against a plain bridge and one with API keys + TLS
  (the baseline in the same run); p50 of each and the ratio.
- burst: 256 requests x 50 documents at 64-way concurrency against the keyed TLS bridge -> only
  200/429/503, process alive; p50/p99 of the answered ones.
- soak: mixed traffic (all rerank APIs, valid and deliberately invalid requests) for --soak-minutes;
  RSS sampled every 5 s, growth from the end of warm-up (first fifth) to the end < 10%; no status other
  than the expected ones (200 / 429 for valid requests, the documented 4xx for the invalid ones).
- fuzz: schemathesis from the bridge's own OpenAPI, positive and negative cases -> zero 5xx, alive.
- faults: a node with the plugin, a real (plain) bridge and a lying fake one: garbage, wrong length,
  NaN, HTTP 500, closed socket, paused (SIGSTOP) past the timeout, killed mid-request, restarted ->
  every search answers in first-stage order within timeout + 50 ms (OpenSearch's `took`), or a clean
  502 with on_failure: fail; the plugin stats count each kind; rescoring resumes after the restart.
- rescore fuzz: the cross_encoder section fuzzed through OpenSearch -> 200 or 400, no shard failure.

The bridge serves all-MiniLM-L6-v2 exported as a cross-encoder (int8, max length 256; exported into
the cache once, like bench/rescore_latency.py). The search path uses the plain bridge: the plugin
cannot send a key or verify a certificate until the Java side of issue 17 lands.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _common import print_table, write_result
from api_fuzz import fuzz_bridge
from bridge_process import BridgeProcess
from fake_bridge import MODES, FakeBridge
from rescore_fuzz import fuzz_rescore_fields

_WORDS = """paris capital france tide moon ocean vitamin bone sleep coffee protein cell kinase cancer risk aspirin
search ranking document query relevance model vector index river mountain city history science energy"""
VOCAB = _WORDS.split()
INDEX = "reliability-bench"
SEARCH_QUERY = "paris capital france"
SLACK_MS = 50


def say(message: str) -> None:
    print(f"[reliability] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(VOCAB, k=words))


class Pki:
    """A throwaway CA and a certificate for 127.0.0.1 (trustme), as a deployment would have from its own CA."""

    def __init__(self, folder: Path) -> None:
        import trustme

        ca = trustme.CA()
        issued = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file, self.cert, self.key = folder / "ca.pem", folder / "bridge.pem", folder / "bridge.key"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
        issued.private_key_pem.write_to_path(str(self.key))


def client_for(bridge: BridgeProcess, limit: int = 64) -> httpx.Client:
    return httpx.Client(
        base_url=bridge.url,
        headers=bridge.headers,
        verify=bridge.verify,
        timeout=600.0,
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
    )


# --- overhead ------------------------------------------------------------------------------------------
def overhead(plain: BridgeProcess, secured: BridgeProcess, rounds: int) -> dict[str, Any]:
    """One small request at a time, plain and keyed-TLS interleaved, on kept-alive connections."""
    rng = random.Random(1)
    samples: dict[str, list[float]] = {"plain": [], "keys+tls": []}
    with client_for(plain, 1) as a, client_for(secured, 1) as b:
        for i in range(rounds + 10):
            body = {"query": text(rng, 5), "documents": [text(rng, 30)]}
            for name, client in (("plain", a), ("keys+tls", b)):
                started = time.perf_counter()
                response = client.post("/v1/scores", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.text
                if i >= 10:
                    samples[name].append(elapsed)
    p50 = {name: statistics.median(values) for name, values in samples.items()}
    return {"rounds": rounds, "p50_ms": p50, "ratio": p50["keys+tls"] / p50["plain"]}


# --- burst ---------------------------------------------------------------------------------------------
def burst(bridge: BridgeProcess, requests: int, concurrency: int, docs: int) -> dict[str, Any]:
    rng = random.Random(2)
    bodies = [{"query": text(rng, 6), "documents": [text(rng, 180) for _ in range(docs)]} for _ in range(requests)]
    codes: Counter[str] = Counter()
    answered: list[float] = []
    with client_for(bridge, concurrency) as client:

        def one(body: dict[str, Any]) -> None:
            started = time.perf_counter()
            try:
                response = client.post("/v1/scores", json=body)
            except httpx.HTTPError as exc:
                codes[f"transport:{type(exc).__name__}"] += 1
                return
            codes[str(response.status_code)] += 1
            if response.status_code == 200:
                answered.append(time.perf_counter() - started)
                assert len(response.json()["scores"]) == docs

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, bodies))
        wall = time.perf_counter() - started
    alive = bridge.process is not None and bridge.process.poll() is None
    unexpected = {code: n for code, n in codes.items() if code not in ("200", "429", "503")}
    return {
        "requests": requests,
        "concurrency": concurrency,
        "documents_per_request": docs,
        "status": dict(codes),
        "answered": len(answered),
        "p50_s": percentile(answered, 0.5),
        "p99_s": percentile(answered, 0.99),
        "wall_s": wall,
        "pairs_per_s": len(answered) * docs / wall,
        "alive": alive,
        "lost": sum(unexpected.values()) + (0 if alive else 1),
        "passed": alive and not unexpected,
    }


# --- soak ----------------------------------------------------------------------------------------------
INVALID = {
    # request -> the documented answer
    "malformed_json": 400,
    "too_many_documents": 413,
    "unknown_model": 404,
    "missing_key": 401,
    "empty_query": 422,
}


def soak(bridge: BridgeProcess, minutes: float, clients: int) -> dict[str, Any]:
    assert bridge.process is not None
    process = psutil.Process(bridge.process.pid)
    duration = minutes * 60
    stop_at = time.monotonic() + duration
    rss: list[tuple[float, int]] = []
    statuses: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    lock = threading.Lock()
    pool_rng = random.Random(3)
    queries = [text(pool_rng, 6) for _ in range(40)]
    documents = [text(pool_rng, pool_rng.randint(20, 200)) for _ in range(600)]

    def record(kind: str, status: int | str, expected: set[int | str]) -> None:
        with lock:
            statuses[f"{kind}:{status}"] += 1
            if status not in expected:
                unexpected[f"{kind}:{status}"] += 1

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with client_for(bridge, 2) as client:
            while time.monotonic() < stop_at:
                query, docs = rng.choice(queries), rng.sample(documents, rng.randint(1, 30))
                roll = rng.random()
                try:
                    if roll < 0.05:
                        kind = rng.choice(sorted(INVALID))
                        response = invalid_request(client, kind, query, docs)
                        record(kind, response.status_code, {INVALID[kind], 429})
                        continue
                    if roll < 0.55:
                        kind, path, body = "scores", "/v1/scores", {"query": query, "documents": docs}
                    elif roll < 0.7:
                        kind, path, body = "rerank_v1", "/v1/rerank", {"query": query, "documents": docs, "top_n": 3}
                    elif roll < 0.85:
                        kind, path, body = "rerank_v2", "/v2/rerank", {"query": query, "documents": docs}
                    else:
                        kind, path, body = "tei", "/rerank", {"query": query, "texts": docs, "truncate": True}
                    if rng.random() < 0.2 and kind == "scores":
                        body["deadline_ms"] = rng.randint(20, 200)
                    response = client.post(path, json=body)
                    record(kind, response.status_code, {200, 429})
                except httpx.HTTPError as exc:
                    record("transport", type(exc).__name__, set())

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    while time.monotonic() < stop_at:
        rss.append((time.monotonic() - started, process.memory_info().rss))
        time.sleep(5)
    for thread in threads:
        thread.join(timeout=120)
    rss.append((time.monotonic() - started, process.memory_info().rss))
    warmup = duration / 5
    after_warmup = [value for t, value in rss if t >= warmup]
    window = max(1, len(after_warmup) // 10)
    start_rss = statistics.median(after_warmup[:window])
    end_rss = statistics.median(after_warmup[-window:])
    growth = end_rss / start_rss - 1
    alive = bridge.process.poll() is None
    requests = sum(statuses.values())
    return {
        "minutes": minutes,
        "clients": clients,
        "requests": requests,
        "status": dict(sorted(statuses.items())),
        "unexpected": dict(unexpected),
        "rss_mb": {
            "first": rss[0][1] / 2**20,
            "end_of_warmup": start_rss / 2**20,
            "end": end_rss / 2**20,
            "max": max(v for _, v in rss) / 2**20,
        },
        "rss_samples": [(round(t, 1), round(v / 2**20, 1)) for t, v in rss],
        "growth_after_warmup": growth,
        "alive": alive,
        "lost": sum(unexpected.values()) + (0 if alive else 1),
        "passed": alive and not unexpected and growth < 0.10,
    }


def invalid_request(client: httpx.Client, kind: str, query: str, docs: list[str]) -> httpx.Response:
    if kind == "malformed_json":
        return client.post(
            "/v1/scores", content=b'{"query": "x", "documents": [', headers={"content-type": "application/json"}
        )
    if kind == "too_many_documents":
        return client.post("/v1/scores", json={"query": query, "documents": ["d"] * 1001})
    if kind == "unknown_model":
        return client.post("/v1/scores", json={"query": query, "documents": docs, "model": "nope"})
    if kind == "missing_key":
        return client.post("/v1/scores", json={"query": query, "documents": docs}, headers={"Authorization": ""})
    return client.post("/v1/scores", json={"query": "", "documents": docs})


# --- faults on the search path -------------------------------------------------------------------------
class SearchPath:
    """A node with the plugin, a synthetic index and helpers that search and read the plugin stats."""

    def __init__(self, root: Path, port: int, first_url: str) -> None:
        from search_cluster.node import OpenSearchNode
        from search_cluster.plugin_install import install_plugin

        self.node = OpenSearchNode(root, port, heap="1g")
        say(f"node on :{port} with the plugin (build, install, start)")
        install_plugin(self.node, None, first_url, start_timeout=300)
        self.http = httpx.Client(base_url=self.node.url, timeout=120.0)
        self._index()

    def _index(self) -> None:
        rng = random.Random(4)
        body = {
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {"properties": {"title": {"type": "text"}, "text": {"type": "text"}}},
        }
        self.http.delete(f"/{INDEX}")
        self.http.put(f"/{INDEX}", json=body).raise_for_status()
        lines = []
        for i in range(500):
            doc = {"title": text(rng, 6), "text": text(rng, rng.randint(40, 160))}
            lines += [json.dumps({"index": {"_index": INDEX, "_id": str(i)}}), json.dumps(doc)]
        response = self.http.post(
            "/_bulk?refresh=true", content="\n".join(lines) + "\n", headers={"Content-Type": "application/x-ndjson"}
        )
        response.raise_for_status()

    def endpoint(self, url: str) -> None:
        from search_cluster.plugin_install import ENDPOINTS_SETTING

        self.http.put("/_cluster/settings", json={"persistent": {ENDPOINTS_SETTING: [url]}}).raise_for_status()

    def stats(self) -> dict[str, Any]:
        from search_cluster.plugin_install import STATS_PATH

        body: dict[str, Any] = self.http.get(STATS_PATH).json()["rescore"]
        return body

    def first_stage(self, window: int) -> list[tuple[str, float]]:
        body = {"size": window + 5, "query": {"match": {"text": SEARCH_QUERY}}}
        return [(h["_id"], h["_score"]) for h in self.http.post(f"/{INDEX}/_search", json=body).json()["hits"]["hits"]]

    def search(self, window: int, timeout_ms: int, on_failure: str = "keep_first_stage") -> httpx.Response:
        body = {
            "size": window + 5,
            "query": {"match": {"text": SEARCH_QUERY}},
            "rescore": {
                "window_size": window,
                "cross_encoder": {
                    "query_text": SEARCH_QUERY,
                    "score_mode": "replace",
                    "timeout_ms": timeout_ms,
                    "on_failure": on_failure,
                },
            },
        }
        return self.http.post(f"/{INDEX}/_search", json=body)

    def close(self) -> None:
        self.http.close()
        self.node.stop()


def failure_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    out = {k: after["bridge_failures_by_reason"][k] - v for k, v in before["bridge_failures_by_reason"].items()}
    out = {k: v for k, v in out.items() if v}
    for key in ("kept_first_stage", "failed_searches", "docs_unscored"):
        if after[key] != before[key]:
            out[key] = after[key] - before[key]
    return out


class FaultTally:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def add(
        self, kind: str, expected_reason: str, ok: bool, took: int | None, timeout_ms: int, counted: dict[str, int]
    ) -> None:
        row = self.rows.setdefault(
            kind,
            {
                "searches": 0,
                "kept_order": 0,
                "within_bound": 0,
                "took_ms": [],
                "timeout_ms": timeout_ms,
                "counted": Counter(),
            },
        )
        row["searches"] += 1
        row["kept_order"] += int(ok)
        if took is not None:
            row["took_ms"].append(took)
            row["within_bound"] += int(took <= timeout_ms + SLACK_MS)
        row["counted"].update(counted)
        row["expected_reason"] = expected_reason

    def as_dict(self) -> dict[str, Any]:
        out = {}
        for kind, row in self.rows.items():
            took = row.pop("took_ms")
            out[kind] = {
                **row,
                "counted": dict(row["counted"]),
                "took_p50_ms": percentile(took, 0.5),
                "took_max_ms": max(took or [0]),
            }
            out[kind]["lost"] = row["searches"] - row["kept_order"] + row["searches"] - row["within_bound"]
        return out


def check_kept(response: httpx.Response, first: list[tuple[str, float]]) -> tuple[bool, int | None]:
    if response.status_code != 200:
        return False, None
    result = response.json()
    hits = [(h["_id"], h["_score"]) for h in result["hits"]["hits"]]
    same = (
        result["_shards"]["failed"] == 0
        and [d for d, _ in hits] == [d for d, _ in first]
        and all(abs(a[1] - b[1]) < 1e-4 for a, b in zip(hits, first, strict=True))
    )
    return same, int(result["took"])


def faults(path: SearchPath, real: BridgeProcess, artifact: Path, log_dir: Path, rounds: int) -> dict[str, Any]:
    tally = FaultTally()
    window, timeout_ms = 10, 500
    first = path.first_stage(window)
    fail_policy: Counter[str] = Counter()
    with FakeBridge() as fake:
        path.endpoint(fake.url)
        for mode, reason in MODES.items():
            if reason in ("ok",) and mode != "infinity":
                continue
            fake.mode, fake.delay_s = mode, 2.0
            for _ in range(rounds):
                before = path.stats()
                ok, took = check_kept(path.search(window, timeout_ms), first)
                counted = failure_delta(before, path.stats())
                tally.add(f"fake:{mode}", reason, ok, took, timeout_ms, counted)
            response = path.search(window, timeout_ms, on_failure="fail")
            fail_policy[f"{mode}:{response.status_code}"] += 1
    # the real bridge: paused past the timeout, killed mid-request, restarted
    path.endpoint(real.url)
    assert real.process is not None
    resumed_after_pause = 0
    for _ in range(rounds):
        real.process.send_signal(signal.SIGSTOP)
        before = path.stats()
        try:
            ok, took = check_kept(path.search(window, timeout_ms), first)
        finally:
            real.process.send_signal(signal.SIGCONT)
        tally.add("paused (SIGSTOP)", "timeout", ok, took, timeout_ms, failure_delta(before, path.stats()))
        resumed_after_pause += int(rescored(path, window))
    kills = max(1, rounds // 3)
    resumed_after_restart = first_after_restart = 0
    current = real
    for _ in range(kills):
        assert current.process is not None
        port = current.port
        current.process.send_signal(signal.SIGSTOP)
        holder: dict[str, httpx.Response] = {}

        def in_flight(into: dict[str, httpx.Response] = holder) -> None:
            into["r"] = path.search(window, 3000)

        thread = threading.Thread(target=in_flight)
        before = path.stats()
        thread.start()
        time.sleep(0.5)
        current.process.send_signal(signal.SIGKILL)
        current.process.wait(timeout=30)
        thread.join(timeout=60)
        ok, took = check_kept(holder["r"], first)
        tally.add("killed mid-request", "connect", ok, took, 3000, failure_delta(before, path.stats()))
        before = path.stats()
        ok, took = check_kept(path.search(window, timeout_ms), first)
        tally.add("down (refused)", "connect", ok, took, timeout_ms, failure_delta(before, path.stats()))
        current = BridgeProcess([("default", artifact)], log_dir, ["--cache-entries", "0"], port=port).start(
            timeout=300
        )
        first_ok = rescored(path, window)
        first_after_restart += int(first_ok)
        resumed_after_restart += int(first_ok or rescored(path, window))
    return {
        "window": window,
        "timeout_ms": timeout_ms,
        "kinds": tally.as_dict(),
        "on_failure_fail": dict(fail_policy),
        "pauses": rounds,
        "resumed_after_pause": resumed_after_pause,
        "kills": kills,
        "first_search_after_restart_rescored": first_after_restart,
        "resumed_after_restart": resumed_after_restart,
        "node_restarted": False,
        "bridge": current,
    }


def rescored(path: SearchPath, window: int) -> bool:
    """One search whose whole window the bridge scored (by the plugin's own counters)."""
    before = path.stats()
    response = path.search(window, 5000)
    after = path.stats()
    return (
        response.status_code == 200
        and after["docs_scored"] - before["docs_scored"] == window
        and after["bridge_failures"] == before["bridge_failures"]
    )


# --- main ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", type=Path, default=None, help="Cross-encoder artifact (default: MiniLM-L6 int8).")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--soak-clients", type=int, default=4)
    parser.add_argument("--burst-requests", type=int, default=256)
    parser.add_argument("--burst-concurrency", type=int, default=64)
    parser.add_argument("--burst-docs", type=int, default=50)
    parser.add_argument("--overhead-rounds", type=int, default=200)
    parser.add_argument("--fuzz-examples", type=int, default=40, help="Cases per operation and mode.")
    parser.add_argument("--rescore-fuzz-examples", type=int, default=400)
    parser.add_argument("--fault-rounds", type=int, default=10)
    parser.add_argument(
        "--cache-entries", type=int, default=2048, help="Bridge score cache (bounded, fills in warm-up)."
    )
    parser.add_argument("--node-port", type=int, default=9290)
    parser.add_argument("--skip-search", action="store_true", help="Bridge sections only (no OpenSearch).")
    args = parser.parse_args()
    from rescore_latency import default_artifact

    artifact = args.artifact or default_artifact(256, say)
    work = Path(tempfile.mkdtemp(prefix="reliability-"))
    key = secrets.token_urlsafe(32)
    (work / "keys").write_text(key + "\n")
    pki = Pki(work)
    common = ["--cache-entries", str(args.cache_entries), "--log-level", "warning"]
    secured_args = [
        *common,
        "--api-key-file",
        str(work / "keys"),
        "--tls-cert",
        str(pki.cert),
        "--tls-key",
        str(pki.key),
    ]
    say(f"bridges: plain and keys+TLS ({artifact}); logs in {work}")
    plain = BridgeProcess([("default", artifact)], work, common).start(timeout=300)
    secured = BridgeProcess([("default", artifact)], work, secured_args, api_key=key, ca_file=pki.ca_file).start(
        timeout=300
    )
    results: dict[str, Any] = {"cpu": cpu_model(), "load_average_start": os.getloadavg(), "artifact": str(artifact)}
    path: SearchPath | None = None
    try:
        say("overhead: plain vs keys+TLS")
        results["overhead"] = overhead(plain, secured, args.overhead_rounds)
        say(f"burst: {args.burst_requests} x {args.burst_docs} docs at {args.burst_concurrency}-way")
        results["burst"] = burst(secured, args.burst_requests, args.burst_concurrency, args.burst_docs)
        say(f"soak: {args.soak_minutes} min, {args.soak_clients} clients")
        results["soak"] = soak(secured, args.soak_minutes, args.soak_clients)
        say(f"fuzz: {args.fuzz_examples} cases per operation and mode")
        report = fuzz_bridge(secured.url, args.fuzz_examples, headers=secured.headers, ca_file=str(pki.ca_file))
        alive = secured.process is not None and secured.process.poll() is None
        results["fuzz"] = {
            **report.as_dict(),
            "alive": alive,
            "passed": alive and not report.server_errors and not report.transport_errors,
        }
        if not args.skip_search:
            secured.stop()  # frees memory and CPU for the node
            path = SearchPath(work / "node", args.node_port, plain.url)
            say(f"faults: {args.fault_rounds} searches per kind")
            fault = faults(path, plain, artifact, work, args.fault_rounds)
            plain = fault.pop("bridge")
            kinds = fault["kinds"]
            fault["lost"] = sum(row["lost"] for row in kinds.values())
            fault["passed"] = (
                fault["lost"] == 0
                and fault["resumed_after_restart"] == fault["kills"]
                and all(
                    row["counted"].get(row["expected_reason"], 0) == row["searches"]
                    for name, row in kinds.items()
                    if row["expected_reason"] != "ok"
                )
            )
            results["faults"] = fault
            say(f"rescore fuzz: {args.rescore_fuzz_examples} cases through OpenSearch")
            fake = FakeBridge().start()
            try:
                path.endpoint(fake.url)
                outcome = fuzz_rescore_fields(path.http, INDEX, SEARCH_QUERY, args.rescore_fuzz_examples)
            finally:
                fake.stop()
            outcome["by_status"] = {str(k): v for k, v in outcome["by_status"].items()}
            outcome["passed"] = not outcome["problems"]
            outcome["problems"] = outcome["problems"][:10]
            results["rescore_fuzz"] = outcome
    finally:
        results["load_average_end"] = os.getloadavg()
        if path is not None:
            path.close()
        plain.stop()
        secured.stop()
    report_table(results)
    out = write_result("reliability", results)
    say(f"wrote {out}")


def report_table(results: dict[str, Any]) -> None:
    rows: list[list[Any]] = []
    o = results["overhead"]
    p50 = o["p50_ms"]
    outcome = f"p50 plain {p50['plain']:.1f} ms, keys+TLS {p50['keys+tls']:.1f} ms ({o['ratio']:.2f}x)"
    rows.append(["overhead: 1-doc request", o["rounds"] * 2, "-", outcome, 0, "-"])
    b = results["burst"]
    outcome = f"{b['status']}, p50 {b['p50_s']:.1f} s, p99 {b['p99_s']:.1f} s, {b['pairs_per_s']:.0f} pairs/s"
    rows.append(["burst", b["requests"], "-", outcome, b["lost"], b["passed"]])
    s = results["soak"]
    invalid = sum(v for k, v in s["status"].items() if k.split(":")[0] in INVALID)
    rss = s["rss_mb"]
    outcome = (
        f"RSS {rss['end_of_warmup']:.0f} -> {rss['end']:.0f} MB ({s['growth_after_warmup'] * 100:+.1f}%), "
        f"unexpected {s['unexpected'] or 'none'}"
    )
    rows.append(["soak", s["requests"], f"{invalid} invalid", outcome, s["lost"], s["passed"]])
    f = results["fuzz"]
    lost = len(f["server_errors"]) + len(f["transport_errors"])
    rows.append(
        ["fuzz (OpenAPI)", f["cases"], f"{len(f['operations'])} operations", str(f["by_status"]), lost, f["passed"]]
    )
    if "faults" in results:
        fa = results["faults"]
        for kind, row in fa["kinds"].items():
            outcome = (
                f"kept order {row['kept_order']}, took p50 {row['took_p50_ms']:.0f} / max {row['took_max_ms']} ms "
                f"(timeout {row['timeout_ms']}), counted {row['counted']}"
            )
            rows.append([f"fault {kind}", row["searches"], row["expected_reason"], outcome, row["lost"], "-"])
        rows.append(["on_failure=fail", sum(fa["on_failure_fail"].values()), "-", str(fa["on_failure_fail"]), 0, "-"])
        outcome = (
            f"resumed after restart {fa['resumed_after_restart']}/{fa['kills']} (first search: "
            f"{fa['first_search_after_restart_rescored']}), after pause {fa['resumed_after_pause']}/{fa['pauses']}"
        )
        rows.append(["resume", fa["kills"] + fa["pauses"], "-", outcome, fa["lost"], fa["passed"]])
        r = results["rescore_fuzz"]
        rows.append(["fuzz (rescore fields)", r["cases"], "-", str(r["by_status"]), len(r["problems"]), r["passed"]])
    title = f"reliability ({results['cpu']}, load {results['load_average_start'][0]:.1f})"
    print_table(title, ["section", "requests", "faults/cases", "outcome", "lost", "passed"], rows)


if __name__ == "__main__":
    main()
