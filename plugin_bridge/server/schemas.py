"""Request and response types of every endpoint: the API contract, validated by pydantic.

Shapes follow the APIs callers already speak: Cohere v1/v2 (and Jina, which shares v1's), Hugging Face
TEI's `/rerank`, plus the native `/v1/scores` that the OpenSearch rescorer calls.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Aggregation = Literal["max", "mean", "first"]


class TextDocument(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str


def _document_text(value: str | TextDocument) -> str:
    return value if isinstance(value, str) else value.text


class ChunkingOptions(BaseModel):
    """Score long documents as overlapping windows instead of cutting their tail."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    aggregation: Aggregation = "max"


class ScoresRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1)
    documents: list[str]
    model: str | None = None
    deadline_ms: int | None = Field(
        None, ge=1, le=600_000, description="Score in input order until this budget is spent; the rest is null."
    )
    chunking: bool | ChunkingOptions = False
    activation: Literal["sigmoid", "none"] | None = None


class ScoresResponse(BaseModel):
    scores: list[float | None] = Field(description="Input order; null = not scored before the deadline.")
    model: str
    took_ms: float
    scored: int
    unscored: list[int] = Field(default_factory=list, description="Indices left unscored (deadline).")
    truncated: list[int] = Field(default_factory=list, description="Indices whose text was cut to fit.")
    chunked: list[int] = Field(default_factory=list, description="Indices scored as several chunks.")
    cached: int = 0


class RerankV1Request(BaseModel):
    """Cohere v1 / Jina rerank request."""

    model_config = ConfigDict(extra="ignore")
    query: str = Field(min_length=1)
    documents: list[str | TextDocument]
    model: str | None = None
    top_n: int | None = Field(None, ge=1)
    return_documents: bool = False
    chunking: bool | ChunkingOptions = False

    def texts(self) -> list[str]:
        return [_document_text(d) for d in self.documents]


class RerankV2Request(RerankV1Request):
    """Cohere v2: same fields; `max_tokens_per_doc` is accepted (truncation is reported, not silent)."""

    max_tokens_per_doc: int | None = Field(None, ge=1)


class RerankDocument(BaseModel):
    text: str


class RerankResult(BaseModel):
    index: int
    relevance_score: float
    document: RerankDocument | None = None


class RerankMeta(BaseModel):
    api_version: dict[str, str]
    billed_units: dict[str, int]
    truncated: list[int] = Field(default_factory=list)
    chunked: list[int] = Field(default_factory=list)


class RerankResponse(BaseModel):
    id: str
    results: list[RerankResult]
    model: str
    meta: RerankMeta


class TeiRerankRequest(BaseModel):
    """Hugging Face text-embeddings-inference `/rerank`."""

    model_config = ConfigDict(extra="ignore")
    query: str = Field(min_length=1)
    texts: list[str]
    raw_scores: bool = False
    return_text: bool = False
    truncate: bool = False
    model: str | None = None

    @field_validator("texts")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("texts must not be empty")
        return value


class TeiRank(BaseModel):
    index: int
    score: float
    text: str | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    default: bool
    max_length: int
    provider: str
    engine: str
    variant: str
    variant_source: str
    precision: str
    pairs_per_s: float | None
    quantization: str
    manifest_digest: str
    source: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorBody(BaseModel):
    error: str
    kind: str
