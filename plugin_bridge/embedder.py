"""`Embedder`: bi-encoder embeddings from an exported `embedding` artifact, for the kNN first stage.

Lives beside the Reranker because it shares the artifact format and runtime, but the bridge server
never loads it: ingest and query-time vector search do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .artifact import load_artifact
from .errors import ArtifactError
from .reranker import plan_batches
from .session import OnnxModel, Provider
from .tokenization import PairTokenizer, pad_batch


class Embedder:
    """Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe)."""

    def __init__(
        self,
        artifact_dir: Path | str,
        variant: str | None = None,
        provider: Provider = "cpu",
        intra_op_threads: int | None = None,
    ) -> None:
        self.artifact = load_artifact(artifact_dir)
        if self.artifact.task != "embedding":
            raise ArtifactError(f"{artifact_dir} holds a '{self.artifact.task}' model, not an embedding model")
        chosen = self.artifact.variant(variant)
        self.model = OnnxModel(self.artifact.variant_path(chosen.name), provider, intra_op_threads)
        self.tokenizer = PairTokenizer(
            self.artifact.tokenizer_file, self.artifact.max_length, pad_id=self.artifact.pad_token_id
        )
        self.dim = int(self.artifact.manifest["embedding_dim"])

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        rows = self.tokenizer.encode_texts(list(texts))
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        for batch in plan_batches(
            rows, max_batch_tokens=batch_size * self.artifact.max_length, max_batch_size=batch_size
        ):
            feed = pad_batch([rows[i] for i in batch], self.tokenizer.pad_id)
            hidden = self.model.run(feed)
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[batch] = pooled / np.clip(norms, 1e-12, None)
        return out
