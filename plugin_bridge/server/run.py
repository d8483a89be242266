"""Start uvicorn with the bridge app; uvicorn drains in-flight requests on SIGTERM/SIGINT."""

from __future__ import annotations

import logging

import uvicorn
from rich.console import Console
from rich.table import Table

from .app import create_app
from .settings import BridgeSettings


def print_settings(settings: BridgeSettings) -> None:
    """Start-up banner: every effective setting, so ops can see what the process really runs with."""
    table = Table(title="rescore-bridge settings", show_header=False)
    for key, value in settings.model_dump().items():
        if key == "models":
            value = ", ".join(f"{m['name']}={m['path']}" for m in value)
        table.add_row(key, str(value))
    Console(stderr=True).print(table)


def run(settings: BridgeSettings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print_settings(settings)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=int(settings.graceful_shutdown_s),
        access_log=settings.log_level == "debug",
    )
    uvicorn.Server(config).run()
