"""A lying bridge: a real HTTP server on loopback whose `POST /v1/scores` misbehaves on purpose.

The real bridge never answers garbage, a wrong number of scores or NaN, so the plugin's handling of
those can only be shown against a server built to do it. Modes are switched while it runs; every
request is recorded (path, headers, document count) so tests can see what the plugin sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

# mode -> what the plugin must make of it (its BridgeException reason, or "ok")
MODES = {
    "ok": "ok",  # valid scores: the reverse of the input order, so rescoring visibly changes the order
    "garbage": "bad_response",  # 200 with a body that is not JSON
    "wrong_length": "bad_response",  # one score too many
    "nan": "bad_response",  # the JSON literal NaN (not JSON; Python's json module writes it)
    "nan_string": "bad_response",  # "NaN" as a string
    "infinity": "ok",  # 1e999: a finite-looking number that overflows to Infinity; the hit counts as unscored
    "http_500": "http_status",
    "unauthorized": "http_status",  # what a bridge with api keys answers a plugin that sends none
    "slow": "timeout",  # valid scores after `delay_s`
    "close": "connect",  # reads the request, then closes the socket without a word
}


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    documents: int


@dataclass
class FakeBridge:
    mode: str = "ok"
    delay_s: float = 2.0
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, b'{"status": "ok"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    documents = len(json.loads(raw).get("documents", []))
                except (ValueError, AttributeError):
                    documents = -1
                fake.seen.append(Seen(self.path, dict(self.headers.items()), documents))
                fake.answer(self, max(documents, 0))

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the plugin gave up first (mode slow): nothing to tell

        self.handler_class = Handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-bridge", daemon=True)

    def answer(self, handler: Any, n: int) -> None:
        mode = self.mode
        scores = [float(n - i) for i in range(n)]
        if mode == "close":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if mode == "slow":
            time.sleep(self.delay_s)
        body: bytes
        status = 200
        if mode in ("ok", "slow"):
            body = json.dumps({"scores": scores, "model": "fake"}).encode()
        elif mode == "garbage":
            body = b"<html>\x00\xff not json"
        elif mode == "wrong_length":
            body = json.dumps({"scores": [*scores, 0.5]}).encode()
        elif mode == "nan":
            body = json.dumps({"scores": [float("nan")] * n}).encode()
        elif mode == "nan_string":
            body = json.dumps({"scores": ["NaN"] * n}).encode()
        elif mode == "infinity":
            body = ('{"scores": [' + ", ".join(["1e999"] * n) + "]}").encode()
        elif mode == "http_500":
            status, body = 500, b'{"error": "boom", "kind": "inference"}'
        elif mode == "unauthorized":
            status, body = 401, b'{"error": "invalid API key", "kind": "unauthorized"}'
        else:
            raise ValueError(f"unknown fake bridge mode {mode!r}")
        handler._send(status, body)

    def start(self) -> FakeBridge:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeBridge:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
