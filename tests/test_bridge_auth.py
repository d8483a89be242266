"""API keys on a real bridge process: 401 on every endpoint but /health, rotation, SIGHUP, no key in logs."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bridge_process import BridgeProcess

from plugin_bridge.server.auth import ApiKeyFileError, ApiKeys, read_keys
from plugin_bridge.server.run import preflight
from plugin_bridge.server.settings import BridgeSettings, load_settings

KEY_A, KEY_B, KEY_C = (secrets.token_urlsafe(24) for _ in range(3))
SCORES = {"query": "capital of france", "documents": ["paris is the capital of france", "cats sleep"]}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def write_atomically(path: Path, text: str) -> None:
    """How an operator (or a secret mount) should replace the file: a new file renamed over the old."""
    staged = path.with_suffix(".new")
    staged.write_text(text)
    os.replace(staged, path)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "api-keys.txt"
    path.write_text(f"# bridge keys\n{KEY_A}\n\n  {KEY_B}  \n")
    return path


@pytest.fixture(scope="module")
def auth_bridge(
    tiny_artifact: Path, key_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BridgeProcess]:
    """Debug logging (access log on) so that the no-key-in-logs check sees everything the bridge can log."""
    log_dir = tmp_path_factory.mktemp("auth-bridge")
    args = ["--api-key-file", str(key_file), "--log-level", "debug"]
    with BridgeProcess([("default", tiny_artifact)], log_dir, extra_args=args, api_key=KEY_A) as bridge:
        yield bridge


def operations(bridge: BridgeProcess) -> list[tuple[str, str]]:
    spec = httpx.get(bridge.url + "/openapi.json", headers=bearer(KEY_A)).json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


@pytest.mark.integration
def test_every_endpoint_but_health_answers_401_without_a_valid_key(auth_bridge: BridgeProcess) -> None:
    ops = operations(auth_bridge)
    assert ("POST", "/v1/scores") in ops and ("GET", "/metrics") in ops and len(ops) >= 8
    targets = [*ops, ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/no-such-path"), ("DELETE", "/v1/scores")]
    bad_headers: list[dict[str, str]] = [
        {},
        bearer("x" * 32),
        bearer(KEY_A[:-1]),
        bearer(KEY_A + "x"),
        {"Authorization": f"Basic {KEY_A}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {KEY_A} {KEY_A}"},
    ]
    with httpx.Client(base_url=auth_bridge.url) as client:
        for method, path in targets:
            if path == "/health":
                continue
            for headers in bad_headers if path == "/v1/scores" else bad_headers[:2]:
                response = client.request(method, path, headers=headers, json=SCORES)
                assert response.status_code == 401, (method, path, headers, response.text)
                body = response.json()
                assert body["kind"] == "unauthorized" and body["error"], body
                assert response.headers["www-authenticate"].startswith('Bearer realm="rescore-bridge"')
    missing = httpx.post(auth_bridge.url + "/v1/scores", json=SCORES).json()
    assert "Authorization: Bearer" in missing["error"]
    wrong = httpx.post(auth_bridge.url + "/v1/scores", json=SCORES, headers=bearer("y" * 40))
    assert wrong.json()["error"] == "invalid API key" and 'error="invalid_token"' in wrong.headers["www-authenticate"]
    # /health stays open for liveness probes, with or without a (wrong) key
    assert httpx.get(auth_bridge.url + "/health").json() == {"status": "ok"}
    assert httpx.get(auth_bridge.url + "/health", headers=bearer("nope" * 5)).status_code == 200


@pytest.mark.integration
def test_every_key_in_the_file_serves_and_the_scheme_is_case_insensitive(auth_bridge: BridgeProcess) -> None:
    for headers in (bearer(KEY_A), bearer(KEY_B), {"Authorization": f"bearer {KEY_B}"}):
        response = httpx.post(auth_bridge.url + "/v1/scores", json=SCORES, headers=headers)
        assert response.status_code == 200, response.text
        assert len(response.json()["scores"]) == 2
    assert httpx.get(auth_bridge.url + "/ready", headers=bearer(KEY_A)).status_code == 200
    metrics = httpx.get(auth_bridge.url + "/metrics", headers=bearer(KEY_A)).text
    assert 'rescore_bridge_errors_total{kind="unauthorized"}' in metrics
    assert "rescore_bridge_api_keys 2.0" in metrics
    spec = httpx.get(auth_bridge.url + "/openapi.json", headers=bearer(KEY_A)).json()
    assert spec["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A key from the bridge's api_key_file",
    }
    assert spec["paths"]["/health"]["get"]["security"] == []
    assert spec["paths"]["/v1/scores"]["post"]["security"] == [{"apiKey": []}]


@pytest.mark.integration
def test_a_refused_request_body_is_never_read(auth_bridge: BridgeProcess) -> None:
    """Auth sits in front of the body limit: 20 MB without a key is a 401, not a 413 after reading it."""
    huge = b'{"query": "x", "documents": ["' + b"y" * (20 * 1024 * 1024) + b'"]}'
    response = httpx.post(auth_bridge.url + "/v1/scores", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 401


@pytest.mark.integration
def test_rotation_by_replacing_the_file_takes_effect_without_a_restart(
    auth_bridge: BridgeProcess, key_file: Path
) -> None:
    url = auth_bridge.url + "/v1/scores"
    try:
        write_atomically(key_file, f"{KEY_B}\n{KEY_C}\n")  # KEY_A revoked, KEY_C added
        deadline = time.monotonic() + 5
        while httpx.post(url, json=SCORES, headers=bearer(KEY_C)).status_code != 200:
            assert time.monotonic() < deadline, "the new key was not accepted within 5 s"
            time.sleep(0.2)
        assert httpx.post(url, json=SCORES, headers=bearer(KEY_A)).status_code == 401
        assert httpx.post(url, json=SCORES, headers=bearer(KEY_B)).status_code == 200
        metrics = httpx.get(auth_bridge.url + "/metrics", headers=bearer(KEY_B)).text
        assert 'rescore_bridge_api_key_reloads_total{result="ok"}' in metrics
    finally:
        write_atomically(key_file, f"{KEY_A}\n{KEY_B}\n")
        wait_accepted(auth_bridge, KEY_A)


def wait_accepted(bridge: BridgeProcess, key: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while httpx.post(bridge.url + "/v1/scores", json=SCORES, headers=bearer(key)).status_code != 200:
        assert time.monotonic() < deadline, "key not accepted in time"
        time.sleep(0.2)


@pytest.mark.integration
def test_sighup_reloads_at_once_even_when_the_file_stamp_looks_unchanged(
    auth_bridge: BridgeProcess, key_file: Path
) -> None:
    """An in-place edit that keeps size, inode and mtime is invisible to the stamp check: SIGHUP is the
    sure way, and it must not end the process (its default action)."""
    assert auth_bridge.process is not None
    url = auth_bridge.url + "/v1/scores"
    original = key_file.read_text()
    before = os.stat(key_file)
    replacement = original.replace(KEY_B, KEY_C)  # same length: token_urlsafe(24) is always 32 characters
    try:
        with key_file.open("r+") as handle:
            handle.write(replacement)
        os.utime(key_file, ns=(before.st_atime_ns, before.st_mtime_ns))
        time.sleep(1.2)  # past the stamp check interval: the bridge looks, and sees nothing new
        assert httpx.post(url, json=SCORES, headers=bearer(KEY_C)).status_code == 401
        auth_bridge.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert httpx.post(url, json=SCORES, headers=bearer(KEY_C)).status_code == 200
        assert httpx.post(url, json=SCORES, headers=bearer(KEY_B)).status_code == 401
        assert auth_bridge.process.poll() is None
    finally:
        write_atomically(key_file, original)
        wait_accepted(auth_bridge, KEY_B)


@pytest.mark.integration
def test_a_broken_key_file_keeps_the_keys_in_force(auth_bridge: BridgeProcess, key_file: Path) -> None:
    original = key_file.read_text()
    try:
        for broken in (f"{KEY_A}\nshort\n", "", "# all keys commented out\n"):
            write_atomically(key_file, broken)
            time.sleep(1.2)
            response = httpx.post(auth_bridge.url + "/v1/scores", json=SCORES, headers=bearer(KEY_B))
            assert response.status_code == 200, broken
        key_file.unlink()
        time.sleep(1.2)
        assert httpx.post(auth_bridge.url + "/v1/scores", json=SCORES, headers=bearer(KEY_B)).status_code == 200
        metrics = httpx.get(auth_bridge.url + "/metrics", headers=bearer(KEY_A)).text
        failed = [
            line
            for line in metrics.splitlines()
            if line.startswith('rescore_bridge_api_key_reloads_total{result="failed"}')
        ]
        assert failed and float(failed[0].split()[-1]) >= 4
        log = auth_bridge.log_path.read_text()
        assert "line 2: a key must be at least 16 characters" in log and "stay in force" in log
    finally:
        write_atomically(key_file, original)


@pytest.mark.integration
def test_keys_never_reach_the_log(auth_bridge: BridgeProcess) -> None:
    """Runs after the others in this module: the debug log then holds every request they made."""
    httpx.post(auth_bridge.url + "/v1/scores", json=SCORES, headers=bearer(KEY_A))
    httpx.post(auth_bridge.url + "/v1/scores", json=SCORES, headers=bearer(KEY_C + "zz"))
    log = auth_bridge.log_path.read_text()
    assert "POST /v1/scores" in log  # the access log is on, so this check sees request lines
    for key in (KEY_A, KEY_B, KEY_C):
        assert key not in log


def test_serve_refuses_an_unusable_key_file(tiny_artifact: Path, tmp_path: Path) -> None:
    weak = tmp_path / "weak.txt"
    weak.write_text(f"{KEY_A}\nhunter2\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    for path, message in (
        (tmp_path / "missing.txt", "cannot read API key file"),
        (empty, "holds no key"),
        (weak, "line 2: a key must be at least 16 characters"),
    ):
        with pytest.raises(ValueError, match=message) as refused:
            preflight(BridgeSettings(api_key_file=path))
        assert "hunter2" not in str(refused.value) and KEY_A not in str(refused.value)
    # the command turns the refusal into one line on stderr and exit status 2, before binding the port
    result = subprocess.run(
        [sys.executable, "-m", "rescore_cli", "serve", "--model", str(tiny_artifact), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RESCORE_BRIDGE_API_KEY_FILE": str(weak)},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: API key file {weak}, line 2: a key must be at least 16 characters of A-Z a-z 0-9 - . _ ~ + / = "
        "(e.g. `openssl rand -hex 32`)"
    ]


def test_auth_settings_come_from_env_and_toml_like_every_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text('api_key_file = "/etc/keys-from-toml"\npublic_metrics = true\ntls_cert = "/c.pem"\n')
    monkeypatch.setenv("RESCORE_BRIDGE_TLS_KEY", "/k.pem")
    settings = load_settings(config, {})
    assert settings.api_key_file == Path("/etc/keys-from-toml") and settings.public_metrics is True
    assert settings.tls_cert == Path("/c.pem") and settings.tls_key == Path("/k.pem")
    monkeypatch.setenv("RESCORE_BRIDGE_API_KEY_FILE", "/etc/keys-from-env")
    monkeypatch.setenv("RESCORE_BRIDGE_PUBLIC_METRICS", "false")
    settings = load_settings(config, {})
    assert settings.api_key_file == Path("/etc/keys-from-env") and settings.public_metrics is False
    flags = load_settings(config, {"api_key_file": Path("/flag"), "public_metrics": True})
    assert flags.api_key_file == Path("/flag") and flags.public_metrics is True
    monkeypatch.delenv("RESCORE_BRIDGE_TLS_KEY")
    with pytest.raises(ValueError, match="tls_cert and tls_key go together"):
        load_settings(config, {})


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_key_reload_rules(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"{KEY_A}\n")
    clock = FakeClock()
    keys = ApiKeys(path, check_interval_s=1.0, clock=clock)
    assert keys.accepts(KEY_A.encode()) and not keys.accepts(KEY_B.encode()) and not keys.accepts(b"")
    write_atomically(path, f"{KEY_B}\n")
    clock.now = 0.5
    assert keys.accepts(KEY_A.encode()), "the file is looked at no more than once per interval"
    clock.now = 1.0
    assert keys.accepts(KEY_B.encode()) and not keys.accepts(KEY_A.encode())
    write_atomically(path, "")
    clock.now = 2.0
    assert keys.accepts(KEY_B.encode()), "an empty file keeps the keys in force"
    write_atomically(path, f"{KEY_C}\n")
    keys.request_reload()
    assert keys.accepts(KEY_C.encode()), "a requested reload does not wait for the interval"
    assert keys.count == 1
    with pytest.raises(ApiKeyFileError, match="line 1"):
        path.write_text("not a key\n")
        read_keys(path)
