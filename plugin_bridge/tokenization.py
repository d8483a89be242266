"""Query/document pair encoding with the Rust `tokenizers` library, the same way the model was trained.

Pairs are encoded with the tokenizer's own pair template (`[CLS] query [SEP] document [SEP]` for BERT,
`<s> query </s></s> document </s>` for XLM-R, ...) and `only_second` truncation, so a long document loses
its tail, never the query. When chunking is asked for, the tokenizer's own overflow windows (with
stride) become extra pairs, one per chunk, all carrying the full query. LLM rerankers add a prompt
template (`plugin_bridge.prompt`) around both texts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Encoding, Tokenizer, processors

from .errors import ArtifactError, InputError
from .prompt import PromptTemplate

# Room a chunk of document needs besides the query and the special tokens of the pair template.
_MIN_DOCUMENT_TOKENS = 8


@dataclass(frozen=True)
class EncodedPair:
    """One model input row (no padding yet): token ids and segment ids of query + one document chunk."""

    input_ids: np.ndarray
    type_ids: np.ndarray
    document: int
    chunk: int

    @property
    def length(self) -> int:
        return int(self.input_ids.shape[0])


@dataclass(frozen=True)
class EncodedRequest:
    """All rows for one query and its documents, plus what happened to each document's length."""

    pairs: list[EncodedPair]
    chunks_per_document: list[int]
    truncated: list[bool]


class PairTokenizer:
    """Turns (query, documents) into model rows; thread-safe for concurrent encode calls.

    `pad_id` is the id the graph expects in padded positions (from the manifest; LLM rerankers find
    their last real token by it); without it the tokenizer's `[PAD]` or `<pad>` is used, else 0.
    """

    def __init__(
        self,
        tokenizer_file: Path,
        max_length: int,
        stride: int = 32,
        pad_id: int | None = None,
        prompt: PromptTemplate | None = None,
    ) -> None:
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except Exception as exc:
            raise ArtifactError(f"cannot load tokenizer {tokenizer_file}: {exc}") from exc
        tokenizer.no_padding()
        self._query_tokenizer = Tokenizer.from_str(tokenizer.to_str())
        self._query_tokenizer.no_truncation()
        self._query_tokenizer.no_padding()
        self.prompt = prompt
        self._single = Tokenizer.from_str(tokenizer.to_str())  # single texts keep the plain template
        if prompt is not None:
            _append_suffix(tokenizer, prompt.suffix)
        processor = tokenizer.post_processor
        self.special_tokens = processor.num_special_tokens_to_add(True) if processor is not None else 0
        self.max_length = max_length
        self.stride = stride
        self.max_query_tokens = max_length - self.special_tokens - _MIN_DOCUMENT_TOKENS
        if self.max_query_tokens < 1:
            raise ArtifactError(f"max_length {max_length} leaves no room for a query and a document")
        self._truncating = tokenizer
        self._truncating.enable_truncation(max_length, strategy="only_second")
        self._source = tokenizer.to_str()
        self._chunkers: dict[int, Tokenizer] = {}
        self._chunkers_lock = threading.Lock()
        # single texts (embedding models): `only_second` would fail on them, so they get their own
        self._single.enable_truncation(max_length)
        if pad_id is None:
            pad_id = tokenizer.token_to_id("[PAD]")
        if pad_id is None:
            pad_id = tokenizer.token_to_id("<pad>")
        self.pad_id = int(pad_id) if pad_id is not None else 0

    def _query_text(self, query: str) -> str:
        return self.prompt.format_query(query) if self.prompt is not None else query

    def _document_text(self, document: str) -> str:
        return self.prompt.format_document(document) if self.prompt is not None else document

    def query_length(self, query: str) -> int:
        """Tokens of the query side of a pair (with an LLM reranker: the prompt around the query too)."""
        return len(self._query_tokenizer.encode(self._query_text(query), add_special_tokens=False).ids)

    def _chunker(self, query_tokens: int) -> Tokenizer:
        """A chunking tokenizer whose stride fits beside this query.

        The overlap must be shorter than the room left for the document (max length less the query and
        the pair's special tokens), or the tokenizer refuses; long queries and short max lengths
        therefore get a smaller stride.
        """
        room = self.max_length - self.special_tokens - query_tokens
        stride = min(self.stride, max(room // 2, 0))
        with self._chunkers_lock:
            chunker = self._chunkers.get(stride)
            if chunker is None:
                chunker = Tokenizer.from_str(self._source)
                chunker.enable_truncation(self.max_length, stride=stride, strategy="only_second")
                self._chunkers[stride] = chunker
        return chunker

    def check_query(self, query: str) -> int:
        """Refuse a query that cannot fit beside any document, instead of silently cutting it."""
        tokens = self.query_length(query)
        if tokens > self.max_query_tokens:
            what = f"query with the '{self.prompt.name}' prompt" if self.prompt is not None else "query"
            raise InputError(
                f"{what} is {tokens} tokens; this model allows at most {self.max_query_tokens} "
                f"(max length {self.max_length})"
            )
        return tokens

    def encode(self, query: str, documents: list[str], chunking: bool = False, max_chunks: int = 16) -> EncodedRequest:
        """Rows for every document; with chunking, at most `max_chunks` windows each (the rest is flagged)."""
        query_tokens = self.check_query(query)
        tokenizer = self._chunker(query_tokens) if chunking else self._truncating
        query_text = self._query_text(query)
        encodings = tokenizer.encode_batch([(query_text, self._document_text(document)) for document in documents])
        pairs: list[EncodedPair] = []
        chunk_counts: list[int] = []
        truncated: list[bool] = []
        for index, encoding in enumerate(encodings):
            windows: list[Encoding] = [encoding, *encoding.overflowing] if chunking else [encoding]
            cut = len(windows) > max_chunks
            windows = windows[:max_chunks]
            for chunk, window in enumerate(windows):
                pairs.append(
                    EncodedPair(
                        input_ids=np.asarray(window.ids, dtype=np.int64),
                        type_ids=np.asarray(window.type_ids, dtype=np.int64),
                        document=index,
                        chunk=chunk,
                    )
                )
            chunk_counts.append(len(windows))
            truncated.append(cut if chunking else bool(encoding.overflowing))
        return EncodedRequest(pairs=pairs, chunks_per_document=chunk_counts, truncated=truncated)

    def encode_texts(self, texts: list[str]) -> list[EncodedPair]:
        """Single-text rows (for embedding models), truncated to max length."""
        encodings = self._single.encode_batch(texts)
        return [
            EncodedPair(
                input_ids=np.asarray(e.ids, dtype=np.int64),
                type_ids=np.asarray(e.type_ids, dtype=np.int64),
                document=i,
                chunk=0,
            )
            for i, e in enumerate(encodings)
        ]


def _append_suffix(tokenizer: Tokenizer, suffix: str) -> None:
    """Make the post-processor end every pair with the prompt's suffix (kept whole when the document is cut).

    The suffix becomes one multi-token "special token" of a template, so truncation and chunk windows
    count it and never cut it, exactly like [SEP] in a BERT pair.
    """
    if not suffix:
        return
    encoding = tokenizer.encode(suffix, add_special_tokens=False)
    template = processors.TemplateProcessing(
        single="$A SUFFIX",
        pair="$A $B:1 SUFFIX:1",
        special_tokens=[{"id": "SUFFIX", "ids": encoding.ids, "tokens": encoding.tokens}],
    )
    existing = tokenizer.post_processor
    tokenizer.post_processor = template if existing is None else processors.Sequence([existing, template])


def pad_batch(pairs: list[EncodedPair], pad_id: int) -> dict[str, np.ndarray]:
    """Right-pad rows to the longest one; callers sort by length first so padding stays small."""
    width = max(pair.length for pair in pairs)
    count = len(pairs)
    input_ids = np.full((count, width), pad_id, dtype=np.int64)
    attention = np.zeros((count, width), dtype=np.int64)
    type_ids = np.zeros((count, width), dtype=np.int64)
    for row, pair in enumerate(pairs):
        n = pair.length
        input_ids[row, :n] = pair.input_ids
        attention[row, :n] = 1
        type_ids[row, :n] = pair.type_ids
    return {"input_ids": input_ids, "attention_mask": attention, "token_type_ids": type_ids}
