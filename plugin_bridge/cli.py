"""`rescore-bridge score` and `rescore-bridge serve`: the artifact from the shell, and the bridge."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from rescore_cli.errors import CliError

from .errors import BridgeError
from .pairs_file import read_query_documents


def _read_jsonl(path: Path) -> Iterator[tuple[str, list[str]]]:
    try:
        handle = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        yield from read_query_documents(handle, str(path))


@click.command()
@click.option("--model", "model_dir", required=True, type=click.Path(path_type=Path), help="Artifact folder.")
@click.option("--query", default=None, help="Query text (documents follow as arguments).")
@click.option(
    "--input",
    "input_file",
    type=click.Path(path_type=Path),
    default=None,
    help="jsonl of {query, documents}; '-' for stdin.",
)
@click.option("--variant", default=None, help="Artifact variant (default: the manifest's).")
@click.option("--activation", type=click.Choice(["sigmoid", "none"]), default=None, help="Default: manifest's.")
@click.option("--chunking", is_flag=True, help="Score long documents chunk by chunk (max aggregation).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@click.argument("documents", nargs=-1)
def score(
    model_dir: Path,
    query: str | None,
    input_file: Path | None,
    variant: str | None,
    activation: str | None,
    chunking: bool,
    as_json: bool,
    documents: tuple[str, ...],
) -> None:
    """Score DOCUMENTS against --query (or every line of --input) with an exported artifact."""
    from .reranker import Reranker

    if (query is None) == (input_file is None):
        raise CliError("give either --query with documents, or --input FILE")
    if query is not None and not documents:
        raise CliError("--query needs at least one document argument")
    try:
        reranker = Reranker(model_dir, variant=variant, activation=activation)  # type: ignore[arg-type]
        groups = [(query, list(documents))] if query is not None else _read_jsonl(input_file)  # type: ignore[arg-type]
        for group_query, group_docs in groups:
            detail = reranker.score_detailed(group_query, group_docs, chunking=chunking)
            if as_json:
                click.echo(json.dumps({"query": group_query, "scores": detail.scores, "truncated": detail.truncated}))
                continue
            for document, value, cut in zip(group_docs, detail.scores, detail.truncated, strict=True):
                flag = " [truncated]" if cut else ""
                click.echo(f"{value:.6f}\t{document[:80]}{flag}")
    except BridgeError as exc:
        raise CliError(str(exc)) from exc


@click.command()
@click.option("--model", "models", multiple=True, help="NAME=DIR or DIR (repeatable; the first is the default).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML settings file (also RESCORE_BRIDGE_CONFIG).",
)
@click.option("--host", default=None, help="Bind address [127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [8080].")
@click.option("--provider", type=click.Choice(["cpu", "cuda", "auto"]), default=None, help="Execution provider [cpu].")
@click.option("--intra-op-threads", type=int, default=None, help="onnxruntime threads per inference [all cores].")
@click.option("--max-batch-tokens", type=int, default=None, help="Padded tokens per batch [512 on CPU, 16384 on CUDA].")
@click.option("--max-batch-size", type=int, default=None, help="Pairs per batch [64].")
@click.option("--max-queue-pairs", type=int, default=None, help="Queued pairs before 429 [4096].")
@click.option("--max-documents", type=int, default=None, help="Documents per request [1000].")
@click.option("--max-request-bytes", type=int, default=None, help="Request body limit [8 MiB].")
@click.option("--cache-entries", type=int, default=None, help="Score cache entries, 0 disables [50000].")
@click.option("--activation", type=click.Choice(["sigmoid", "none"]), default=None, help="Score activation [sigmoid].")
@click.option("--default-deadline-ms", type=int, default=None, help="Deadline for requests that carry none.")
@click.option(
    "--remeasure/--no-remeasure",
    default=None,
    help="Re-measure variant speeds when the manifest's come from another CPU [remeasure].",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
@click.option(
    "--api-key-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Accepted API keys, one per line; every endpoint but /health then needs 'Authorization: Bearer <key>'. "
    "Re-read when the file changes or on SIGHUP.",
)
@click.option(
    "--public-metrics/--private-metrics",
    default=None,
    help="With --api-key-file: serve /metrics without a key [private].",
)
@click.option("--tls-cert", type=click.Path(path_type=Path), default=None, help="PEM certificate: serve HTTPS.")
@click.option("--tls-key", type=click.Path(path_type=Path), default=None, help="PEM private key of --tls-cert.")
def serve(models: tuple[str, ...], config_file: Path | None, **options: object) -> None:
    """Run the rerank bridge HTTP server. Every option is also RESCORE_BRIDGE_<OPTION> or a config key."""
    from pydantic import ValidationError

    from .artifact import load_artifact
    from .server.run import preflight, run
    from .server.settings import load_settings, parse_model_spec

    try:
        overrides = {**options, "models": [parse_model_spec(m) for m in models] or None}
        settings = load_settings(config_file, overrides)
    except (ValueError, ValidationError) as exc:
        raise CliError(str(exc).splitlines()[0] if isinstance(exc, ValueError) else str(exc)) from exc
    if not settings.models:
        raise CliError("no model to serve: pass --model DIR (or set RESCORE_BRIDGE_MODELS)")
    names = [m.name for m in settings.models]
    if len(set(names)) != len(names):
        raise CliError(f"model names must be unique, got {', '.join(names)}")
    from .session import resolve_providers

    try:
        resolve_providers(settings.provider)
    except BridgeError as exc:
        raise CliError(str(exc)) from exc
    for spec in settings.models:
        try:
            load_artifact(spec.path, verify_hashes=False)
        except BridgeError as exc:
            raise CliError(f"model '{spec.name}': {exc}") from exc
    try:
        preflight(settings)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    run(settings)
