"""Image entrypoints run as plain processes (no Docker engine here), and the Docker files are coherent."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from bridge_process import free_port

REPO = Path(__file__).resolve().parents[1]
ENTRYPOINT = REPO / "docker" / "bridge-entrypoint.sh"
BIN = str(Path(sys.executable).parent / "rescore-bridge")


@pytest.mark.integration
def test_bridge_entrypoint_serves_every_artifact_in_models_dir(tiny_artifact: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(tiny_artifact, models / "tiny")
    port = free_port()
    env = {
        **os.environ,
        "MODELS_DIR": str(models),
        "RESCORE_BRIDGE_PORT": str(port),
        "RESCORE_BRIDGE_BIN": BIN,
        "RESCORE_BRIDGE_HOST": "127.0.0.1",
    }
    process = subprocess.Popen([str(ENTRYPOINT)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(url + "/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        models_served = [m["id"] for m in httpx.get(url + "/v1/models").json()["data"]]
        assert models_served == ["tiny"]
        body = httpx.post(url + "/v1/scores", json={"query": "q", "documents": ["a", "b"]}).json()
        assert body["scored"] == 2
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_bridge_entrypoint_without_models_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "MODELS_DIR": str(tmp_path), "RESCORE_BRIDGE_BIN": BIN}
    env.pop("RESCORE_BRIDGE_MODELS", None)
    result = subprocess.run([str(ENTRYPOINT)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "no model artifacts" in result.stderr


def test_dockerfiles_copy_only_existing_paths_and_compose_parses() -> None:
    for dockerfile in (REPO / "docker").glob("*.Dockerfile"):
        for line in dockerfile.read_text().splitlines():
            match = re.match(r"COPY\s+(?!--)(.+)\s+\S+$", line.strip())
            if not match:
                continue
            for source in match.group(1).split():
                if "opensearch-plugin/target" in source:  # built by Maven before the image
                    continue
                assert (REPO / source).exists(), f"{dockerfile.name}: COPY {source} does not exist"
    compose = yaml.safe_load((REPO / "docker" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"opensearch", "bridge", "bridge-cuda"} <= set(services)
    for service in services.values():
        build = service.get("build")
        if build:
            assert (REPO / "docker" / build["context"] / build["dockerfile"]).resolve().exists()
