"""The `{"query": ..., "documents": [...]}` jsonl format shared by `score --input` and export calibration."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from .errors import InputError


def read_query_documents(lines: Iterable[str], origin: str) -> Iterator[tuple[str, list[str]]]:
    """Yield (query, documents) per non-blank line; a bad line raises InputError naming its number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{origin} line {number}: not valid JSON ({exc.msg})") from exc
        query = record.get("query") if isinstance(record, dict) else None
        documents = record.get("documents") if isinstance(record, dict) else None
        if not isinstance(query, str) or not query.strip():
            raise InputError(f"{origin} line {number}: needs a non-empty string 'query'")
        if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
            raise InputError(f"{origin} line {number}: needs 'documents', a list of strings")
        yield query, documents
