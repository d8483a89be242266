"""Query/document sets the fidelity gate scores with the original model and with every ONNX variant."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from plugin_bridge.errors import InputError
from plugin_bridge.pairs_file import read_query_documents

from .errors import ExportError


@dataclass(frozen=True)
class CalibrationSet:
    source: str
    groups: list[tuple[str, list[str]]]

    @property
    def pair_count(self) -> int:
        return sum(len(docs) for _, docs in self.groups)


def _parse_lines(text: str, origin: str) -> list[tuple[str, list[str]]]:
    try:
        groups = list(read_query_documents(text.splitlines(), origin))
    except InputError as exc:
        raise ExportError(str(exc)) from exc
    empty = next((query for query, docs in groups if not docs), None)
    if empty is not None:
        raise ExportError(f"{origin}: query {empty!r} has no documents")
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
