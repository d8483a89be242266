"""API-key authentication: an ASGI middleware that answers 401 before any route, body or model is touched.

Keys live in a file (`api_key_file`), one per line, so that rotation is an edit of that file and no
restart: the file is re-read when its modification stamp changes (checked at most once a second, on
the request path) and at once on SIGHUP. A reload that finds no usable key (file missing, unreadable,
empty, a malformed line) keeps the keys already loaded and logs why, so a half-written file never
locks every caller out nor lets one in. Keys are never logged; only their count and the line number
of a malformed one are.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import Counter, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("rescore_bridge.auth")

# RFC 6750 b64token characters; 16+ of them, so that a key cannot be guessed by trying.
KEY_PATTERN = re.compile(r"[A-Za-z0-9._~+/=-]{16,4096}")
MIN_KEY_LENGTH = 16
OPEN_PATHS = frozenset({"/health"})
REALM = 'Bearer realm="rescore-bridge"'


class ApiKeyFileError(ValueError):
    """The key file cannot be used; the message names the file and line, never a key."""


def _keys_in(path: Path) -> list[str]:
    """The keys of `path` in file order: one key per line, blank lines and `#` comments ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ApiKeyFileError(f"cannot read API key file {path}: {reason}") from None
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        key = line.strip()
        if not key or key.startswith("#"):
            continue
        if not KEY_PATTERN.fullmatch(key):
            raise ApiKeyFileError(
                f"API key file {path}, line {number}: a key must be at least {MIN_KEY_LENGTH} characters of "
                "A-Z a-z 0-9 - . _ ~ + / = (e.g. `openssl rand -hex 32`)"
            )
        keys.append(key)
    if not keys:
        raise ApiKeyFileError(f"API key file {path} holds no key (one key per line; '#' starts a comment)")
    return keys


def read_keys(path: Path) -> frozenset[bytes]:
    """SHA-256 digests of the keys in `path`: all a running bridge keeps of them."""
    return frozenset(_digest(key.encode("ascii")) for key in _keys_in(path))


def first_key(path: Path) -> str:
    """The first key of the file: what a client (the OpenSearch plugin's installer) is given."""
    return _keys_in(path)[0]


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is edited in place or replaced by a rename (a new inode)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


@dataclass
class KeyMetrics:
    keys: Gauge
    reloads: Counter


class ApiKeys:
    """The accepted keys, kept as digests and compared in constant time."""

    def __init__(
        self,
        path: Path,
        metrics: KeyMetrics | None = None,
        check_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.metrics = metrics
        self.check_interval_s = check_interval_s
        self.clock = clock
        self._stamp = _stamp(path)
        self._digests = read_keys(path)
        self._next_check = clock() + check_interval_s
        self._reload_requested = False
        self._report()

    @property
    def count(self) -> int:
        return len(self._digests)

    def request_reload(self) -> None:
        """Signal-safe: the next request re-reads the file whatever its stamp says."""
        self._reload_requested = True

    def accepts(self, token: bytes) -> bool:
        self._maybe_reload()
        presented = _digest(token)
        found = False
        for digest in self._digests:  # no early exit: the time taken does not depend on which key matched
            found |= hmac.compare_digest(digest, presented)
        return found

    def _maybe_reload(self) -> None:
        now = self.clock()
        if not self._reload_requested and now < self._next_check:
            return
        self._next_check = now + self.check_interval_s
        forced, self._reload_requested = self._reload_requested, False
        stamp = _stamp(self.path)
        if not forced and stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            digests = read_keys(self.path)
        except ApiKeyFileError as exc:
            log.error("API keys not reloaded, the %d loaded before stay in force: %s", self.count, exc)
            if self.metrics:
                self.metrics.reloads.labels(result="failed").inc()
            return
        changed = digests != self._digests
        self._digests = digests
        log.info("API keys reloaded from %s: %d key(s)%s", self.path, self.count, "" if changed else ", unchanged")
        self._report(reloaded=True)

    def _report(self, reloaded: bool = False) -> None:
        if self.metrics:
            self.metrics.keys.set(self.count)
            if reloaded:
                self.metrics.reloads.labels(result="ok").inc()


def _header(scope: Scope, name: bytes) -> list[bytes]:
    return [value for key, value in scope.get("headers") or [] if key.lower() == name]


def bearer_token(scope: Scope) -> tuple[bytes | None, str | None]:
    """(token, None) or (None, why the request carries no usable one)."""
    values = _header(scope, b"authorization")
    if not values:
        return None, "missing API key: send the header 'Authorization: Bearer <key>'"
    if len(values) > 1:
        return None, "more than one Authorization header"
    scheme, _, token = values[0].strip().partition(b" ")
    token = token.strip()
    if scheme.lower() != b"bearer" or not token or b" " in token:
        return None, "the Authorization header must be 'Bearer <key>'"
    return token, None


class ApiKeyAuth:
    """Refuses every HTTP request but `/health` (and `/metrics` when public) without a valid key."""

    def __init__(self, app: ASGIApp, keys: ApiKeys, open_paths: frozenset[str], on_refused: Callable[[], Any]) -> None:
        self.app, self.keys, self.open_paths, self.on_refused = app, keys, open_paths, on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self._reload_on_sighup()
        elif scope["type"] == "http" and scope["path"] not in self.open_paths:
            token, problem = bearer_token(scope)
            if token is None or not self.keys.accepts(token):
                await self._refuse(send, problem or "invalid API key", invalid_token=problem is None)
                return
        await self.app(scope, receive, send)

    def _reload_on_sighup(self) -> None:
        """SIGHUP re-reads the key file (and no longer ends the process, its default action)."""
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread's loop
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.keys.request_reload)

    async def _refuse(self, send: Send, message: str, invalid_token: bool) -> None:
        self.on_refused()
        body = orjson.dumps({"error": message, "kind": "unauthorized"})
        challenge = REALM + (', error="invalid_token"' if invalid_token else "")
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", challenge.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install_api_key_auth(app: Any, api_key_file: Path | None, public_metrics: bool, metrics: Any) -> None:
    """Put ApiKeyAuth outermost on a FastAPI app (before the body is read) and document the scheme.

    `metrics` is the app's BridgeMetrics: refusals count as errors of kind `unauthorized`, and the
    key count and reloads get their own series on its registry.
    """
    if api_key_file is None:
        return
    key_metrics = KeyMetrics(
        keys=Gauge("rescore_bridge_api_keys", "API keys in force", registry=metrics.registry),
        reloads=Counter(
            "rescore_bridge_api_key_reloads", "Reloads of the API key file", ["result"], registry=metrics.registry
        ),
    )
    keys = ApiKeys(api_key_file, key_metrics)
    open_paths = OPEN_PATHS | ({"/metrics"} if public_metrics else frozenset())
    refused = metrics.errors.labels(kind="unauthorized")
    app.add_middleware(ApiKeyAuth, keys=keys, open_paths=open_paths, on_refused=refused.inc)
    _document_bearer_scheme(app, open_paths)


def _document_bearer_scheme(app: Any, open_paths: frozenset[str]) -> None:
    """Mark the OpenAPI operations as needing the bearer key, so /docs and API fuzzers send it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            cached: dict[str, Any] = app.openapi_schema
            return cached
        schema: dict[str, Any] = build()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["apiKey"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A key from the bridge's api_key_file",
        }
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                if isinstance(operation, dict):
                    operation["security"] = [] if path in open_paths else [{"apiKey": []}]
                    if path not in open_paths:
                        operation.setdefault("responses", {})["401"] = {"description": "Missing or invalid API key"}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
