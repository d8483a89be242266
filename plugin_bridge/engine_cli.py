"""`rescore-bridge bench-engines ARTIFACT`: measure every gated variant here and make the fastest the default."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from rescore_cli.errors import CliError

from .errors import BridgeError


@click.command("bench-engines")
@click.argument("artifact", type=click.Path(path_type=Path))
@click.option("--max-length", type=int, default=None, help="Tokens per pair [the artifact's max length].")
@click.option("--max-batch-tokens", type=int, default=None, help="Padded tokens per batch [512 on CPU, 16384 on CUDA].")
@click.option("--provider", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--threads", type=int, default=None, help="Threads per inference [all cores].")
@click.option("--pairs", type=int, default=64, show_default=True, help="Pairs per variant and round.")
@click.option("--rounds", type=int, default=5, show_default=True, help="Interleaved rounds; medians decide.")
@click.option("--variant", "only", multiple=True, help="Measure only these variants (repeatable).")
@click.option(
    "--write/--no-write",
    default=True,
    show_default=True,
    help="Record pairs/s with this CPU in the manifest and make the chosen variant the default.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the measurement as JSON.")
def bench_engines(
    artifact: Path,
    max_length: int | None,
    max_batch_tokens: int | None,
    provider: str,
    threads: int | None,
    pairs: int,
    rounds: int,
    only: tuple[str, ...],
    write: bool,
    as_json: bool,
) -> None:
    """Measure pairs/s of every variant of ARTIFACT that passed the fidelity gate, on this machine."""
    from .artifact import load_artifact
    from .variant_speed import measure_variants, record

    try:
        loaded = load_artifact(artifact)
        report = measure_variants(
            loaded,
            provider,  # type: ignore[arg-type]
            threads,
            max_length,
            max_batch_tokens,
            pairs,
            rounds,
            only=list(only) or None,
        )
        if write:
            record(loaded.root, report)
    except BridgeError as exc:
        raise CliError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_manifest(), indent=2))
        return
    table = Table(
        title=f"{loaded.root.name} on {report.cpu.describe()}, {report.length} tokens, "
        f"{report.max_batch_tokens}-token batches, median of {report.rounds} interleaved rounds"
    )
    for column in ("variant", "engine", "precision", "pairs/s", f"x {report.preferred}", "rounds pairs/s"):
        table.add_column(column, justify="left" if column in ("variant", "engine", "precision") else "right")
    base = report.measured.get(report.preferred)
    for name, speed in report.variants.items():
        value = speed.pairs_per_s
        if value is None:
            table.add_row(name, speed.engine, speed.precision, "-", "-", f"skipped: {speed.skipped}")
            continue
        ratio = f"{value / base:.2f}" if base else "-"
        marker = " *" if name == report.chosen else ""
        rounds_text = " ".join(f"{r:.1f}" for r in speed.rounds)
        table.add_row(name + marker, speed.engine, speed.precision, f"{value:.1f}", ratio, rounds_text)
    console = Console(width=160)
    console.print(table)
    action = "default variant is now" if write else "would choose (--no-write)"
    console.print(f"* {action} {report.chosen} (fastest: {report.fastest})", highlight=False)
