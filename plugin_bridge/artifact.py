"""Read and verify an exported artifact folder before anything is served from it.

The manifest is written last by the exporter, and every file is listed with its sha256, so a folder
left by an interrupted export, or edited after export, is refused here instead of serving garbage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ArtifactError
from .prompt import PromptTemplate

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Variant:
    """One ONNX graph of the artifact (fp32, optimized, int8, fp16) and what the gate said of it."""

    name: str
    file: str | None
    precision: str
    accepted: bool
    fidelity: dict[str, Any]


@dataclass(frozen=True)
class Artifact:
    """A verified artifact folder: the manifest plus resolved paths."""

    root: Path
    manifest: dict[str, Any]

    @property
    def task(self) -> str:
        return str(self.manifest["task"])

    @property
    def max_length(self) -> int:
        return int(self.manifest["max_length"])

    @property
    def tokenizer_file(self) -> Path:
        return self.root / str(self.manifest["tokenizer"]["file"])

    @property
    def input_names(self) -> list[str]:
        return list(self.manifest["inputs"])

    @property
    def uses_token_type_ids(self) -> bool:
        return bool(self.manifest["uses_token_type_ids"])

    @property
    def pad_token_id(self) -> int | None:
        """The id padded positions must carry; None in artifacts from before it was recorded."""
        value = self.manifest["tokenizer"].get("pad_token_id")
        return None if value is None else int(value)

    @property
    def prompt(self) -> PromptTemplate | None:
        """The prompt an LLM reranker reads each pair in; None for classic cross-encoders."""
        return PromptTemplate.from_manifest(self.manifest["tokenizer"].get("prompt"))

    @property
    def default_variant(self) -> str:
        return str(self.manifest["default_variant"])

    @property
    def digest(self) -> str:
        """Short id of the whole artifact, for /v1/models and cache keys."""
        return hashlib.sha256(json.dumps(self.manifest["files"], sort_keys=True).encode()).hexdigest()[:16]

    def variants(self) -> dict[str, Variant]:
        return {
            name: Variant(
                name=name,
                file=entry.get("file"),
                precision=str(entry["precision"]),
                accepted=bool(entry["accepted"]),
                fidelity=dict(entry.get("fidelity") or {}),
            )
            for name, entry in self.manifest["variants"].items()
        }

    def variant(self, name: str | None = None) -> Variant:
        """The graph to load: the default one unless asked; refused variants cannot be loaded."""
        wanted = name or self.default_variant
        variants = self.variants()
        skipped = dict(self.manifest.get("skipped_variants") or {})
        if wanted not in variants and wanted in skipped:
            raise ArtifactError(f"artifact {self.root} has no variant '{wanted}': not built ({skipped[wanted]})")
        if wanted not in variants:
            raise ArtifactError(
                f"artifact {self.root} has no variant '{wanted}'; available: {', '.join(sorted(variants))}"
            )
        chosen = variants[wanted]
        unverified = chosen.fidelity.get("status") == "unverified"
        if chosen.file is None or not (chosen.accepted or unverified):
            raise ArtifactError(f"variant '{wanted}' of {self.root} was refused by the fidelity gate")
        return chosen

    def variant_path(self, name: str | None = None) -> Path:
        chosen = self.variant(name)
        assert chosen.file is not None  # variant() refuses file-less variants
        return self.root / chosen.file


_REQUIRED_KEYS = ("format", "task", "max_length", "inputs", "files", "variants", "default_variant", "tokenizer")


def load_artifact(root: Path | str, verify_hashes: bool = True) -> Artifact:
    """Open an artifact folder, checking the manifest and (by default) every file's sha256."""
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise ArtifactError(f"artifact folder {folder} does not exist")
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ArtifactError(f"{folder} has no {MANIFEST_FILE}: not an exported artifact, or its export did not finish")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{manifest_path} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ArtifactError(f"{manifest_path} is not a JSON object")
    missing = [key for key in _REQUIRED_KEYS if key not in manifest]
    if missing:
        raise ArtifactError(f"{manifest_path} lacks {', '.join(missing)}: corrupt or from another tool")
    if manifest["format"] != MANIFEST_FORMAT:
        raise ArtifactError(f"{manifest_path} has format {manifest['format']}, this version reads {MANIFEST_FORMAT}")
    for name, expected in dict(manifest["files"]).items():
        path = folder / name
        if not path.is_file():
            raise ArtifactError(f"artifact {folder} is incomplete: {name} is missing")
        if verify_hashes and sha256_file(path) != expected:
            raise ArtifactError(f"artifact {folder} is corrupt: {name} does not match its sha256 in the manifest")
    return Artifact(root=folder, manifest=manifest)
