"""Read a BEIR-format corpus (jsonl with `_id`, `title`, `text`) line by line.

A malformed line does not stop the read: it is yielded as a `LineError` naming its line number, so
the caller indexes everything else and reports the bad lines at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Document:
    line: int
    doc_id: str
    title: str
    text: str


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_line(line_no: int, raw: str) -> Document | LineError:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return LineError(line_no, f"invalid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(obj, dict):
        return LineError(line_no, "expected a JSON object")
    doc_id = obj.get("_id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        return LineError(line_no, "missing or empty `_id`")
    title, text = obj.get("title", ""), obj.get("text")
    if title is None:
        title = ""
    if not isinstance(text, str):
        return LineError(line_no, "missing `text` or it is not a string")
    if not isinstance(title, str):
        return LineError(line_no, "`title` is not a string")
    if not (title.strip() or text.strip()):
        return LineError(line_no, "both `title` and `text` are empty")
    return Document(line_no, doc_id, title, text)


def read_corpus(path: Path) -> Iterator[Document | LineError]:
    """Documents and line errors in file order; blank lines are skipped."""
    with path.open("rb") as handle:
        for line_no, raw_bytes in enumerate(handle, start=1):
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield LineError(line_no, f"not valid UTF-8 ({exc.reason})")
                continue
            if raw.strip():
                yield parse_line(line_no, raw)


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
