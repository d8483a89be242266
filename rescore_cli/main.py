"""`rescore-bridge`: one CLI whose sub-commands live in the package that owns them.

Sub-commands are imported only when invoked, so `rescore-bridge serve` never pays for (or needs)
torch, and a missing optional extra produces a one-line hint instead of an ImportError.
"""

from __future__ import annotations

import importlib

import click

from .errors import CliError

# name -> (module, attribute, extra that provides its dependencies)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "export": ("onnx_export.cli", "export", "export"),
    "score": ("plugin_bridge.cli", "score", ""),
    "serve": ("plugin_bridge.cli", "serve", ""),
    "bench-engines": ("plugin_bridge.engine_cli", "bench_engines", ""),
    "opensearch": ("search_cluster.cli", "opensearch", "cluster"),
    "ingest": ("search_cluster.cli", "ingest", "cluster"),
    "search": ("search_cluster.cli", "search", "cluster"),
    "evaluate": ("search_cluster.cli", "evaluate", "cluster"),
    "train": ("training.cli", "train", "train"),
}


def _load(cmd_name: str) -> click.Command | None:
    module_name, attribute, extra = COMMANDS[cmd_name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == module_name.split(".")[0]:
            return None  # this installation does not ship that command
        hint = f": pip install 'rescore-bridge[{extra}]'" if extra else ""
        raise CliError(f"'{cmd_name}' needs the missing package '{exc.name}'{hint}") from exc
    command = getattr(module, attribute, None)
    return command if isinstance(command, click.Command) else None


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _load(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Help must list every command even when an optional extra is missing."""
        rows = []
        for name in self.list_commands(ctx):
            try:
                command = _load(name)
            except CliError as exc:
                rows.append((name, f"(unavailable: {exc.format_message()})"))
                continue
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rescore-bridge")
def cli() -> None:
    """Cross-encoder reranking for OpenSearch: export, serve, integrate, evaluate."""
