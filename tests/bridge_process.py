"""Run `rescore-bridge serve` as a real child process for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BridgeProcess:
    def __init__(
        self,
        models: list[tuple[str, Path]],
        log_dir: Path,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        port: int | None = None,
        api_key: str | None = None,
        ca_file: Path | None = None,
    ) -> None:
        """`api_key`: what the readiness probe sends (the bridge's keys come from `extra_args`/`env`);
        `ca_file`: the bridge serves HTTPS with a certificate for 127.0.0.1 that this CA signed."""
        self.port = port or free_port()
        self.url = f"{'https' if ca_file else 'http'}://127.0.0.1:{self.port}"
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
        self.log_path = log_dir / f"bridge-{self.port}.log"
        args = [sys.executable, "-m", "rescore_cli", "serve", "--port", str(self.port)]
        for name, path in models:
            args += ["--model", f"{name}={path}"]
        self.args = args + (extra_args or [])
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> BridgeProcess:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bridge exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if (
                    httpx.get(self.url + "/ready", headers=self.headers, verify=self.verify, timeout=1).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"bridge not ready after {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self, timeout: float = 30) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def __enter__(self) -> BridgeProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
