"""Prompt templates of LLM rerankers: how a (query, document) pair becomes the text the model reads.

An LLM reranker (e.g. Qwen3-Reranker) judges a pair inside a chat prompt and answers "yes" or "no".
The exporter records the template in the manifest; the bridge lays every pair out with it, so serving
needs no torch and no chat-template engine. The pair is still encoded as two sequences, so only the
document is ever truncated or chunked and the part after it (`suffix`, the assistant turn whose next
token is the answer) is always kept:

    sequence A = query template with {query} filled in        (never truncated; too long -> error)
    sequence B = document template with {document} filled in  (truncated / chunked)
    + suffix tokens appended after B by the tokenizer's post-processor
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ArtifactError

QUERY_FIELD = "{query}"
DOCUMENT_FIELD = "{document}"


@dataclass(frozen=True)
class PromptTemplate:
    """The text around a query and a document; `name` says which published format it reproduces."""

    name: str
    query: str
    document: str
    suffix: str

    def __post_init__(self) -> None:
        if QUERY_FIELD not in self.query:
            raise ArtifactError(f"prompt template '{self.name}': the query template has no {QUERY_FIELD}")
        if DOCUMENT_FIELD not in self.document:
            raise ArtifactError(f"prompt template '{self.name}': the document template has no {DOCUMENT_FIELD}")

    def format_query(self, query: str) -> str:
        return self.query.replace(QUERY_FIELD, query)

    def format_document(self, document: str) -> str:
        return self.document.replace(DOCUMENT_FIELD, document)

    def to_manifest(self) -> dict[str, str]:
        return {"name": self.name, "query": self.query, "document": self.document, "suffix": self.suffix}

    @classmethod
    def from_manifest(cls, entry: Any) -> PromptTemplate | None:
        """None for classic cross-encoders (no `prompt` in the manifest's tokenizer section)."""
        if entry is None:
            return None
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("query", "document")):
            raise ArtifactError("the manifest's tokenizer.prompt needs string 'query' and 'document' templates")
        return cls(
            name=str(entry.get("name", "custom")),
            query=entry["query"],
            document=entry["document"],
            suffix=str(entry.get("suffix", "")),
        )
