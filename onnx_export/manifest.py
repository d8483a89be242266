"""Build manifest.json: provenance, versions, graph contract and fidelity of everything in the folder."""

from __future__ import annotations

import datetime as dt
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from plugin_bridge.artifact import MANIFEST_FILE, MANIFEST_FORMAT, sha256_file

_VERSIONED = (
    "rescore-bridge",
    "onnxruntime",
    "onnx",
    "optimum",
    "optimum-onnx",
    "transformers",
    "torch",
    "tokenizers",
    "openvino",
    "nncf",
)


def tool_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }


def write_manifest(folder: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Write the manifest last: its presence (with matching hashes) is what makes a folder valid."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": tool_versions(),
        **body,
        "files": file_hashes(folder),
    }
    tmp = folder / (MANIFEST_FILE + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(folder / MANIFEST_FILE)
    return manifest
