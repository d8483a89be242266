"""Start uvicorn with the bridge app; uvicorn drains in-flight requests on SIGTERM/SIGINT."""

from __future__ import annotations

import ipaddress
import logging
import ssl

import uvicorn
from rich.console import Console
from rich.table import Table

from .app import create_app
from .auth import read_keys
from .settings import BridgeSettings

log = logging.getLogger("rescore_bridge.server")


def print_settings(settings: BridgeSettings) -> None:
    """Start-up banner: every effective setting, so ops can see what the process really runs with.
    Secrets are never settings themselves, only the paths of the files that hold them."""
    table = Table(title="rescore-bridge settings", show_header=False)
    for key, value in settings.model_dump().items():
        if key == "models":
            value = ", ".join(f"{m['name']}={m['path']}" for m in value)
        table.add_row(key, str(value))
    Console(stderr=True).print(table)


def preflight(settings: BridgeSettings) -> None:
    """Refuse, before binding the port, a key file or certificate the server could not use (ValueError)."""
    settings.check_tls_pair()
    if settings.api_key_file is not None:
        read_keys(settings.api_key_file)
    if settings.tls_cert is not None and settings.tls_key is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(settings.tls_cert, settings.tls_key)
        except ssl.SSLError as exc:
            raise ValueError(
                f"cannot use TLS certificate {settings.tls_cert} with key {settings.tls_key}: not a PEM certificate "
                f"chain and its unencrypted private key ({exc.reason or exc})"
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ValueError(
                f"cannot use TLS certificate {settings.tls_cert} with key {settings.tls_key}: {reason}"
            ) from None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def warn_if_open(settings: BridgeSettings) -> None:
    if settings.api_key_file is None and not _loopback(settings.host):
        log.warning(
            "no api_key_file: anyone who reaches %s:%d can use this bridge (and its CPU)", settings.host, settings.port
        )
    if settings.tls_cert is None and not _loopback(settings.host):
        log.warning("no tls_cert: requests, keys and documents cross the network in clear text")


def run(settings: BridgeSettings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    preflight(settings)
    print_settings(settings)
    warn_if_open(settings)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=int(settings.graceful_shutdown_s),
        access_log=settings.log_level == "debug",
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
    )
    uvicorn.Server(config).run()
