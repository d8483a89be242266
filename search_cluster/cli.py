"""Click commands for the cluster side: `opensearch start|stop|status|install-plugin`, `ingest`, `search`.

rescore_cli.main registers these objects; every expected failure becomes a one-line ClickException.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from search_cluster.artifacts import ArtifactError
from search_cluster.embedding import EmbeddingError
from search_cluster.ingest import IngestError
from search_cluster.layout import LayoutError
from search_cluster.node import NodeError, OpenSearchNode, default_install_root
from search_cluster.plugin_install import install_plugin_command
from search_cluster.search import MODES, SearchError
from search_cluster.versions import DEFAULT_VERSION, DISTRIBUTIONS, distribution

_console = Console(stderr=True)
_URL_ENV = "RESCORE_BRIDGE_OPENSEARCH_URL"


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the errors a user can cause or fix into one-line messages (exit code 1)."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    try:
        yield
    except (
        NodeError,
        ArtifactError,
        LayoutError,
        SearchError,
        IngestError,
        EmbeddingError,
        ValueError,
        FileNotFoundError,
    ) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSConnectionError as exc:
        raise click.ClickException(
            f"cannot reach OpenSearch ({exc.info}): start it with `rescore-bridge opensearch start`"
        ) from exc
    except TransportError as exc:
        raise click.ClickException(f"OpenSearch answered {exc.status_code}: {exc.error} {exc.info}") from exc


def _known_release(_ctx: click.Context, _param: click.Parameter, version: str) -> str:
    """A release with pinned node artifacts, or a usage error that names what is missing."""
    try:
        distribution(version)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    return version


def _node_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--home",
        "home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Install root (default: <cache>/nodes/opensearch-VERSION-PORT).",
    )(func)
    func = click.option("--port", default=9200, show_default=True, type=click.IntRange(1, 65535))(func)
    func = click.option(
        "--version",
        "version",
        default=DEFAULT_VERSION,
        show_default=True,
        callback=_known_release,
        help=f"OpenSearch release: {', '.join(sorted(DISTRIBUTIONS))}.",
    )(func)
    return func


def _node(version: str, port: int, home: Path | None, with_ml: bool | None = None, heap: str = "1g") -> OpenSearchNode:
    return OpenSearchNode(
        home or default_install_root(version, port),
        port,
        with_ml=with_ml,
        version=version,
        heap=heap,
        progress=lambda msg: _console.print(f"[dim]{msg}[/dim]"),
    )


@click.group("opensearch")
def opensearch() -> None:
    """Run a local single-node OpenSearch built from official Maven Central artifacts."""


@opensearch.command("start")
@_node_options
@click.option(
    "--with-ml/--without-ml",
    default=None,
    help="Install (or remove) job-scheduler, ml-commons and neural-search; default: keep the current layout.",
)
@click.option("--heap", default="1g", show_default=True, help="JVM heap (-Xms/-Xmx), e.g. 512m or 2g.")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for green/yellow health.")
def start(version: str, port: int, home: Path | None, with_ml: bool | None, heap: str, timeout: float) -> None:
    """Download (once, verified), lay out and start the node; waits until it is healthy."""
    with _user_errors():
        node = _node(version, port, home, with_ml, heap)
        node.start(timeout=timeout)
        status = node.status()
    click.echo(f"OpenSearch {status.version} {status.health} at {node.url} (pid {status.pid})")
    click.echo(f"plugins: {', '.join(status.plugins) or 'none'}; logs: {node.logs_dir}")


@opensearch.command("stop")
@_node_options
def stop(version: str, port: int, home: Path | None) -> None:
    """Stop the node started from this install root (never any other process)."""
    with _user_errors():
        node = _node(version, port, home)
        stopped = node.stop()
    click.echo(f"stopped the node at {node.url}" if stopped else f"no node of ours is running at {node.url}")


@opensearch.command("status")
@_node_options
def status(version: str, port: int, home: Path | None) -> None:
    """Say whether the node runs, its health, version and plugins."""
    with _user_errors():
        node = _node(version, port, home)
        state = node.status()
    if not state.running:
        click.echo(f"not running (install root {node.install_root})")
        raise SystemExit(3)
    click.echo(f"running pid {state.pid} at {state.url}: health {state.health}, version {state.version}")
    click.echo(f"plugins: {', '.join(state.plugins) or 'none'}; logs: {node.logs_dir}")


@opensearch.command("build-plugin")
@click.option(
    "--version",
    "version",
    default=DEFAULT_VERSION,
    show_default=True,
    help="OpenSearch release the zip is for (any 2.19.x or 3.x whose core jar Maven Central serves).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Copy the zip into this folder (default: leave it in opensearch-plugin/target/opensearch-VERSION/).",
)
@click.option("--force", is_flag=True, help="Rebuild even when an up-to-date zip exists.")
def build_plugin(version: str, out_dir: Path | None, force: bool) -> None:
    """Print the path of the cross_encoder rescorer zip for one release, building it (Maven) if needed.

    Install it on every node of a cluster with `bin/opensearch-plugin install file://PATH`
    (see docs/rescore-plugin.md for a rolling install).
    """
    from search_cluster.plugin_build import PluginBuildError, build_plugin_zip

    _console.print(f"[dim]building the rescore-bridge plugin for OpenSearch {version} (if needed)[/dim]")
    try:
        zip_path = build_plugin_zip(version, force=force, out_dir=out_dir)
    except PluginBuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(zip_path))


# `install-plugin` (build the cross_encoder rescorer, install it, point it at the bridge) lives with
# the rest of the plugin tooling
opensearch.add_command(install_plugin_command)


_url_option = click.option(
    "--url",
    envvar=_URL_ENV,
    default="http://127.0.0.1:9200",
    show_default=True,
    help=f"OpenSearch URL (env {_URL_ENV}).",
)
_embedder_option = click.option(
    "--embedder",
    "embedder_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Exported embedding artifact (default: all-MiniLM-L6-v2, exported into the cache on first use).",
)


@click.command("ingest")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--index", required=True, help="Index name (created from mappings/index_template.json).")
@_url_option
@_embedder_option
@click.option("--no-embeddings", is_flag=True, help="Index BM25 fields only (no kNN vectors).")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--force", is_flag=True, help="Re-embed and overwrite documents that are already indexed unchanged.")
def ingest(
    corpus: Path,
    index: str,
    url: str,
    embedder_dir: Path | None,
    no_embeddings: bool,
    batch_size: int,
    force: bool,
) -> None:
    """Bulk-index a BEIR corpus.jsonl (`_id`, `title`, `text`); re-runs skip unchanged documents."""
    from tqdm import tqdm

    from search_cluster.client import make_client
    from search_cluster.embedding import load_embedder
    from search_cluster.ingest import ingest as run_ingest
    from search_cluster.ingest import total_lines

    with _user_errors():
        model = None if no_embeddings else load_embedder(embedder_dir, progress=_console.print)
        client = make_client(url)
        with tqdm(total=total_lines(corpus), unit="doc", desc=f"ingest {index}") as bar:
            report = run_ingest(client, corpus, index, model, batch_size=batch_size, force=force, progress=bar.update)
    click.echo(
        f"{index}: {report.indexed} indexed, {report.skipped} already up to date, {len(report.errors)} bad lines"
    )
    if report.errors:
        for error in report.errors[:20]:
            click.echo(f"  {corpus}:{error}", err=True)
        more = f" (first 20 shown of {len(report.errors)})" if len(report.errors) > 20 else ""
        raise click.ClickException(f"{len(report.errors)} lines were not indexed{more}; the rest was")


@click.command("search")
@click.option("--index", required=True)
@click.option("--query", "query", required=True, help="Query text.")
@click.option("--mode", type=click.Choice(MODES), default="bm25", show_default=True)
@click.option("--size", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--rescore-window",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Rescore the top N with the cross_encoder rescorer (plugin installed, bridge running).",
)
@_url_option
@_embedder_option
def search(
    index: str, query: str, mode: str, size: int, rescore_window: int | None, url: str, embedder_dir: Path | None
) -> None:
    """Run a first-stage query (optionally cross-encoder rescored) and print the hits as a table."""
    from search_cluster.client import make_client
    from search_cluster.embedding import load_embedder
    from search_cluster.search import search as run_search

    if not query.strip():
        raise click.BadParameter("must not be empty", param_hint="--query")
    with _user_errors():
        model = None if mode == "bm25" else load_embedder(embedder_dir, progress=_console.print)
        hits = run_search(
            make_client(url), index, query, mode=mode, size=size, model=model, rescore_window=rescore_window
        )
    stage = f"{mode} + cross_encoder@{rescore_window}" if rescore_window else mode
    table = Table(title=f"{stage} · {index} · {query!r}")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("id")
    table.add_column("title / text", overflow="fold")
    for rank, hit in enumerate(hits, start=1):
        snippet = hit.title or hit.text
        table.add_row(str(rank), f"{hit.score:.4f}", hit.doc_id, snippet[:120])
    Console().print(table)
    if not hits:
        click.echo("no hits")


@click.command("evaluate")
@click.option("--index", required=True)
@click.option("--queries", "queries_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--qrels", "qrels_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", "modes", type=click.Choice(MODES), multiple=True, default=("bm25",), show_default=True)
@click.option("--depth", default=100, show_default=True, type=click.IntRange(10, 10_000))
@_url_option
@_embedder_option
def evaluate(
    index: str,
    queries_file: Path,
    qrels_file: Path,
    modes: tuple[str, ...],
    depth: int,
    url: str,
    embedder_dir: Path | None,
) -> None:
    """NDCG@10 and Recall@100 of first-stage modes on judged queries (BEIR queries.jsonl + qrels.tsv)."""
    from search_cluster.client import make_client
    from search_cluster.embedding import load_embedder
    from search_cluster.evaluate import evaluate_mode, load_judged

    with _user_errors():
        judged = load_judged(queries_file, qrels_file)
        needs_model = any(mode != "bm25" for mode in modes)
        model = load_embedder(embedder_dir, progress=_console.print) if needs_model else None
        client = make_client(url)
        results = {mode: evaluate_mode(client, index, judged, mode, model, depth=depth) for mode in modes}
    table = Table(title=f"{index}: {len(judged.queries)} judged queries")
    table.add_column("mode")
    measures = list(next(iter(results.values())).scores)
    for name in [*measures, "p50 ms"]:
        table.add_column(name, justify="right")
    for mode, result in results.items():
        table.add_row(mode, *(f"{result.scores[m]:.4f}" for m in measures), f"{result.p50_ms:.1f}")
    Console().print(table)
