"""Find and load the model to export, and describe where it came from for the manifest.

Air-gapped users pass a local folder; others a hub id. Either way the manifest must pin the exact
weights (a folder hash or a hub revision) so an artifact can be traced back to what produced it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Task
from .errors import ExportError

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json", ".txt", ".model")


@dataclass(frozen=True)
class ModelSource:
    """A resolved model: local path to load from plus provenance for the manifest."""

    reference: str
    local_dir: Path
    is_local: bool
    revision: str | None
    folder_sha256: str | None
    architectures: tuple[str, ...]
    model_type: str

    def provenance(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "kind": "folder" if self.is_local else "hub",
            "revision": self.revision,
            "folder_sha256": self.folder_sha256,
            "architectures": list(self.architectures),
            "model_type": self.model_type,
        }


def folder_digest(folder: Path) -> str:
    """Hash of every model-relevant file (name and bytes), stable across machines and mtimes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES):
        digest.update(str(path.relative_to(folder)).encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _read_config(config_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportError(f"cannot read model config {config_path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ExportError(f"model config {config_path} is not a JSON object")
    return data


def _download_from_hub(reference: str, revision: str | None) -> tuple[Path, str | None]:
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HFValidationError
    except ImportError as exc:  # pragma: no cover - export extra always has it
        raise ExportError(
            "huggingface_hub is needed to fetch hub models: pip install 'rescore-bridge[export]'"
        ) from exc
    try:
        local = snapshot_download(
            reference,
            revision=revision,
            allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "pytorch_model.bin"],
        )
    except HFValidationError as exc:
        raise ExportError(f"'{reference}' is neither an existing folder nor a valid hub model id") from exc
    except Exception as exc:
        raise ExportError(
            f"model '{reference}' is not a local folder and could not be fetched from the hub "
            f"({type(exc).__name__}); in an air-gapped environment pass a local folder"
        ) from exc
    resolved = Path(local)
    return resolved, resolved.name if resolved.parent.name == "snapshots" else revision


def resolve_source(reference: str, task: Task, revision: str | None = None) -> ModelSource:
    """Resolve `reference` to a loadable folder, rejecting what cannot become the requested artifact."""
    candidate = Path(reference).expanduser()
    if candidate.exists():
        if not candidate.is_dir():
            raise ExportError(f"model path {candidate} is a file; pass the model's folder")
        local_dir, is_local, resolved_revision = candidate.resolve(), True, None
    elif os.sep in reference.strip("/").split("/", 1)[-1] or reference.startswith((".", "/", "~")):
        raise ExportError(f"model path {reference} does not exist")
    else:
        local_dir, resolved_revision = _download_from_hub(reference, revision)
        is_local = False
    config_path = local_dir / "config.json"
    if not config_path.is_file():
        raise ExportError(f"{local_dir} has no config.json: not a Hugging Face model folder")
    config = _read_config(config_path)
    architectures = tuple(str(a) for a in config.get("architectures") or ())
    model_type = str(config.get("model_type", ""))
    if not model_type:
        raise ExportError(f"{config_path} names no model_type: not a Hugging Face transformers model")
    return ModelSource(
        reference=reference,
        local_dir=local_dir,
        is_local=is_local,
        revision=resolved_revision,
        folder_sha256=folder_digest(local_dir) if is_local else None,
        architectures=architectures,
        model_type=model_type,
    )


def is_sequence_classifier(source: ModelSource) -> bool:
    return any(a.endswith("ForSequenceClassification") for a in source.architectures)


def is_causal_lm(source: ModelSource) -> bool:
    return any(a.endswith("ForCausalLM") for a in source.architectures)
