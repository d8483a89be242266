"""rescore-bridge serving package: the `Reranker` API and the bridge server. Never imports torch."""

from .errors import ArtifactError, BridgeError, InputError
from .reranker import DocumentScores, RankedDocument, Reranker

__all__ = ["ArtifactError", "BridgeError", "DocumentScores", "InputError", "RankedDocument", "Reranker"]
