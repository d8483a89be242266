"""Lifecycle of one local single-node OpenSearch: lay out, start, wait for health, stop, status.

The node runs from official Maven Central artifacts under `install_root` (home/, data/, logs/ and a
pid file), on a JDK that fits its release (`search_cluster.jdk`: 17-23 for 2.x, 21+ for 3.x), security
disabled (no security plugin is installed) and loopback only. `stop` signals only the process whose
pid file this node wrote and whose command line points into this node's home, so it never ends
someone else's OpenSearch.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from search_cluster.artifacts import cache_root
from search_cluster.jdk import Jdk, JdkError, find_jdk
from search_cluster.layout import install_plugin_zip, lay_out
from search_cluster.versions import DEFAULT_VERSION, distribution

_STAMP = "layout.json"


class NodeError(RuntimeError):
    """The node could not be laid out, started or stopped."""


@dataclass
class NodeStatus:
    """What `status()` reports."""

    running: bool
    pid: int | None
    url: str
    health: str | None = None
    version: str | None = None
    plugins: list[str] = field(default_factory=list)


def _as_non_root(cmd: list[str]) -> list[str]:
    """OpenSearch refuses to run as root; as root, run it in a user namespace as a mapped uid.

    The mapping makes root-owned files appear as the process's own, so nothing is chowned and no
    system user is created.
    """
    if os.geteuid() != 0:
        return cmd
    unshare = shutil.which("unshare")
    if unshare is None:
        raise NodeError("OpenSearch cannot run as root and `unshare` (util-linux) is missing: run as a normal user")
    return [unshare, "--user", "--map-user=1000", "--map-group=1000", "--", *cmd]


def default_install_root(version: str, port: int) -> Path:
    return cache_root() / "nodes" / f"opensearch-{version}-{port}"


class OpenSearchNode:
    """One local OpenSearch node laid out from Maven Central artifacts."""

    def __init__(
        self,
        install_root: Path,
        port: int,
        with_ml: bool | None = False,
        extra_plugins: Sequence[Path] = (),
        *,
        version: str = DEFAULT_VERSION,
        heap: str = "1g",
        cache: Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.install_root = Path(install_root).resolve()
        self.port = port
        self.with_ml = with_ml
        self.extra_plugins = [Path(p).resolve() for p in extra_plugins]
        self.version = version
        self.heap = heap
        self.cache = cache
        self.dist = distribution(version)
        self._say = progress or (lambda _msg: None)
        self._jdk: Jdk | None = None

    # Paths -------------------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self.install_root / "home"

    @property
    def data_dir(self) -> Path:
        return self.install_root / "data"

    @property
    def logs_dir(self) -> Path:
        return self.install_root / "logs"

    @property
    def pid_file(self) -> Path:
        return self.install_root / "opensearch.pid"

    @property
    def stdout_log(self) -> Path:
        return self.logs_dir / "stdout.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Layout ------------------------------------------------------------------------------------
    @property
    def jdk(self) -> Jdk:
        """The JDK this node runs on, found once (NodeError naming the Java needed when none fits)."""
        if self._jdk is None:
            try:
                self._jdk = find_jdk(self.dist.java, f"OpenSearch {self.version}")
            except JdkError as exc:
                raise NodeError(str(exc)) from exc
        return self._jdk

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        java_home = str(self.jdk.home)
        env["OPENSEARCH_JAVA_HOME"] = java_home
        env["JAVA_HOME"] = java_home
        env["OPENSEARCH_JAVA_OPTS"] = f"-Xms{self.heap} -Xmx{self.heap}"
        env["OPENSEARCH_PATH_CONF"] = str(self.home / "config")
        return env

    @staticmethod
    def _plugin_entry(path: Path) -> list[object]:
        """Identity of a plugin zip as installed: path, size and mtime (a rebuilt zip differs)."""
        stat = path.stat()
        return [str(path), stat.st_size, stat.st_mtime_ns]

    def _read_stamp(self) -> dict[str, Any] | None:
        try:
            stamp = json.loads((self.install_root / _STAMP).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return stamp if isinstance(stamp, dict) else None

    def _write_stamp(self, extra_entries: list[list[object]]) -> None:
        stamp = {"version": self.version, "with_ml": bool(self.with_ml), "extra_plugins": extra_entries}
        (self.install_root / _STAMP).write_text(json.dumps(stamp))

    def _adopt_recorded_plugins(self, stamp: dict[str, Any] | None) -> None:
        """Keep the extra plugins the current layout records (and whose zips still exist), so that a
        re-layout (e.g. a changed zip) does not drop them."""
        for entry in (stamp or {}).get("extra_plugins", []):
            path = Path(str(entry[0])) if isinstance(entry, list) and entry else None
            if path is not None and path.is_file() and path not in self.extra_plugins:
                self.extra_plugins.append(path)

    def ensure_installed(self) -> None:
        """Lay out home/ unless the existing one has this version, ML choice and extra plugins.

        `with_ml=None` means "whatever the existing layout has" (the CLI's stop/status/install-plugin).
        Plugins added later with `install_plugin` stay installed across calls that do not name them.
        """
        self.jdk  # noqa: B018 - fail before touching anything when no JDK fits the release
        stamp = self._read_stamp()
        if self.with_ml is None:
            self.with_ml = bool(stamp and stamp.get("with_ml"))
            self._adopt_recorded_plugins(stamp)
        wanted = [self._plugin_entry(p) for p in self.extra_plugins]
        if (
            stamp is not None
            and (self.home / "bin" / "opensearch").exists()
            and stamp.get("version") == self.version
            and stamp.get("with_ml") == self.with_ml
            and all(entry in stamp.get("extra_plugins", []) for entry in wanted)
        ):
            return
        if self.with_ml and not self.dist.ml_plugins:
            raise NodeError(f"--with-ml: {self.dist.ml_note()}")
        self.install_root.mkdir(parents=True, exist_ok=True)
        (self.install_root / _STAMP).unlink(missing_ok=True)
        self._say(f"laying out OpenSearch {self.version} in {self.home}")
        if self.dist.knn_plugin is None:
            self._say(f"{self.dist.knn_note()}: the node starts without it (no kNN search)")
        lay_out(self.dist, self.home, self.with_ml, self.extra_plugins, self._env(), self.cache, self._say)
        self._write_stamp(wanted)

    def _write_config(self) -> None:
        lines = [
            "cluster.name: rescore-bridge",
            f"node.name: rescore-bridge-{self.port}",
            "discovery.type: single-node",
            "network.host: 127.0.0.1",
            f"http.port: {self.port}",
            # A range, so a second local node (CI next to a developer's) finds a free transport port.
            "transport.port: 9300-9400",
            f"path.data: {self.data_dir}",
            f"path.logs: {self.logs_dir}",
            "cluster.routing.allocation.disk.threshold_enabled: false",
            "action.auto_create_index: false",
        ]
        if self.with_ml:
            lines += [
                "plugins.ml_commons.only_run_on_ml_node: false",
                "plugins.ml_commons.native_memory_threshold: 100",
                "plugins.ml_commons.jvm_heap_memory_threshold: 100",
            ]
        (self.home / "config" / "opensearch.yml").write_text("\n".join(lines) + "\n")

    # Process -----------------------------------------------------------------------------------
    def _pid(self) -> int | None:
        """The pid from our pid file if that process is alive and runs from this node's home."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return None
        return pid if str(self.home) in cmdline else None

    def _health(self, timeout: float = 2.0) -> dict[str, object] | None:
        try:
            response = httpx.get(f"{self.url}/_cluster/health", timeout=timeout)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def start(self, timeout: float = 180.0) -> None:
        """Lay out if needed, start the node and wait until its cluster health is yellow or green."""
        if self._pid() is not None:
            if self._health() is not None:
                return
            raise NodeError(f"node already running (pid {self._pid()}) but not answering on {self.url}")
        if self._health() is not None:
            raise NodeError(f"port {self.port} is already served by another process: pick another --port")
        self.ensure_installed()
        self._write_config()
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._say(f"starting OpenSearch {self.version} on {self.url} with {self.jdk} (logs: {self.logs_dir})")
        with self.stdout_log.open("ab") as out:
            process = subprocess.Popen(
                _as_non_root([str(self.home / "bin" / "opensearch")]),
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives the CLI that started it
                cwd=self.install_root,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                self.pid_file.unlink(missing_ok=True)
                raise NodeError(f"OpenSearch exited with code {code} during start-up: {self._log_tail()}")
            health = self._health()
            if health and health.get("status") in ("green", "yellow"):
                return
            time.sleep(1.0)
        self.stop()
        raise NodeError(f"OpenSearch did not become healthy within {timeout:.0f}s: {self._log_tail()}")

    def _log_tail(self, lines: int = 8) -> str:
        logs = [self.logs_dir / "rescore-bridge.log", self.stdout_log]
        for log in logs:
            if log.is_file():
                text = log.read_text(errors="replace").strip().splitlines()
                errors = [line for line in text if "ERROR" in line or "Exception" in line]
                return " | ".join((errors or text)[-lines:]) + f" (see {log})"
        return f"no log written (see {self.logs_dir})"

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the node this object's pid file names; returns whether a process was stopped."""
        pid = self._pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._alive(pid):
            time.sleep(0.5)
        if self._alive(pid):
            os.kill(pid, signal.SIGKILL)
            while self._alive(pid):
                time.sleep(0.2)
        self.pid_file.unlink(missing_ok=True)
        return True

    @staticmethod
    def _alive(pid: int) -> bool:
        with contextlib.suppress(ChildProcessError):
            # Reap it if it is our child, so a zombie does not count as alive.
            os.waitpid(pid, os.WNOHANG)
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except (OSError, IndexError):
            return False
        return state != "Z"

    def status(self) -> NodeStatus:
        pid = self._pid()
        result = NodeStatus(running=pid is not None, pid=pid, url=self.url)
        if pid is None:
            return result
        health = self._health()
        if health:
            result.health = str(health.get("status"))
            try:
                result.version = httpx.get(self.url, timeout=2.0).json()["version"]["number"]
                rows = httpx.get(f"{self.url}/_cat/plugins?format=json", timeout=2.0).json()
                result.plugins = sorted({row["component"] for row in rows})
            except (httpx.HTTPError, KeyError, ValueError):
                pass
        return result

    def install_plugin(self, zip_path: Path) -> str:
        """Install (or replace) a plugin zip; a running node is stopped and started again."""
        zip_path = Path(zip_path).resolve()
        if not zip_path.is_file():
            raise NodeError(f"plugin zip not found: {zip_path}")
        was_running = self.stop()
        self.ensure_installed()
        name = install_plugin_zip(self.home, zip_path, self._env())
        if zip_path not in self.extra_plugins:
            self.extra_plugins.append(zip_path)
        stamp = self._read_stamp() or {}
        entries = [e for e in stamp.get("extra_plugins", []) if e[0] != str(zip_path)]
        self._write_stamp([*entries, self._plugin_entry(zip_path)])
        if was_running:
            self.start()
        return name
