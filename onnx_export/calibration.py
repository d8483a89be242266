"""Query/document sets the fidelity gate scores with the original model and with every ONNX variant."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import ExportError


@dataclass(frozen=True)
class CalibrationSet:
    source: str
    groups: list[tuple[str, list[str]]]

    @property
    def pair_count(self) -> int:
        return sum(len(docs) for _, docs in self.groups)


def _parse_lines(text: str, origin: str) -> list[tuple[str, list[str]]]:
    groups: list[tuple[str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExportError(f"{origin} line {number}: not valid JSON ({exc.msg})") from exc
        query = record.get("query") if isinstance(record, dict) else None
        documents = record.get("documents") if isinstance(record, dict) else None
        if not isinstance(query, str) or not query.strip():
            raise ExportError(f"{origin} line {number}: needs a non-empty string 'query'")
        if not isinstance(documents, list) or not documents or not all(isinstance(d, str) for d in documents):
            raise ExportError(f"{origin} line {number}: needs 'documents', a non-empty list of strings")
        groups.append((query, documents))
    if not groups:
        raise ExportError(f"{origin} holds no query/documents lines")
    return groups


def load_calibration(path: Path | None) -> CalibrationSet:
    """Pairs from a user's jsonl file, or the built-in generic set.

    The built-in set pools every document under every query (about 130 candidates each), so top-10
    agreement is a real test rather than a near-certainty on a dozen candidates.
    """
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ExportError(f"cannot read calibration file {path}: {exc.strerror or exc}") from exc
        return CalibrationSet(source=str(path), groups=_parse_lines(text, str(path)))
    text = resources.files("onnx_export").joinpath("data/calibration.jsonl").read_text(encoding="utf-8")
    groups = _parse_lines(text, "built-in calibration set")
    pool = [doc for _, docs in groups for doc in docs]
    return CalibrationSet(source="built-in", groups=[(query, pool) for query, _ in groups])
