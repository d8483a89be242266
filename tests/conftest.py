"""Shared fixtures: a tiny exported cross-encoder and (lazily) a running bridge process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
REPO_ROOT = TESTS_DIR.parent

sys.path.insert(0, str(TESTS_DIR))

from tiny_model import build_tiny_cross_encoder  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-hf") / "model")


@pytest.fixture(scope="session")
def tiny_artifact(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model exported with every CPU variant; int8 may be refused by the gate (recorded)."""
    from onnx_export import ExportConfig, export_model

    out = tmp_path_factory.mktemp("tiny-artifact") / "artifact"
    export_model(ExportConfig(model=str(tiny_model_dir), out_dir=out, max_length=128, allow_fallback=True))
    return out


@pytest.fixture(scope="session")
def bridge_server(tiny_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real `rescore-bridge serve` process on a free port, serving the tiny artifact."""
    from bridge_process import BridgeProcess

    log_dir = tmp_path_factory.mktemp("bridge-logs")
    with BridgeProcess([("default", tiny_artifact)], log_dir) as process:
        yield process
