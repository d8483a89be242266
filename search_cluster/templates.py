"""Load the JSON files under mappings/ and render query templates.

Query templates use whole-string placeholders ("{{name}}"): a placeholder is replaced by the typed
value (a vector stays a list, a size stays an int), so templates stay plain JSON with no string
templating of JSON text.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PLACEHOLDER = re.compile(r"^\{\{(\w+)\}\}$")


def mappings_dir() -> Path:
    """The repository's mappings/ folder (JSON only, next to the packages)."""
    return Path(__file__).resolve().parent.parent / "mappings"


def load_json(relative: str) -> dict[str, Any]:
    path = mappings_dir() / relative
    with path.open() as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def index_template(index: str, dimension: int, knn: bool = True) -> dict[str, Any]:
    """The index template body, bound to exactly `index` and the embedding `dimension`.

    `knn=False` leaves out the vector field and `index.knn`, for BM25-only indices on a node without
    the k-NN plugin (releases whose k-NN zip is not served), which would refuse both.
    """
    template = load_json("index_template.json")
    template["index_patterns"] = [index]
    template["template"]["mappings"]["properties"]["embedding"]["dimension"] = dimension
    if not knn:
        del template["template"]["mappings"]["properties"]["embedding"]
        del template["template"]["settings"]["index"]["knn"]
    return template


@dataclass(frozen=True)
class QueryTemplate:
    """A query body with placeholders, its default parameters and an optional search pipeline."""

    name: str
    body: dict[str, Any]
    params: dict[str, Any]
    pipeline: str | None = None

    @classmethod
    def load(cls, name: str) -> QueryTemplate:
        data = load_json(f"queries/{name}.json")
        return cls(name, data["body"], dict(data.get("params", {})), data.get("pipeline"))

    def render(self, **values: Any) -> dict[str, Any]:
        """The body with every placeholder replaced; unknown or missing names are errors."""
        merged = {**self.params, **{k: v for k, v in values.items() if v is not None}}
        return _substitute(copy.deepcopy(self.body), merged, self.name)


def _substitute(node: Any, values: dict[str, Any], template: str) -> Any:
    if isinstance(node, dict):
        return {key: _substitute(value, values, template) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, values, template) for value in node]
    if isinstance(node, str):
        match = _PLACEHOLDER.match(node)
        if match:
            name = match.group(1)
            if name not in values:
                raise KeyError(f"query template {template!r} needs a value for {name!r}")
            return values[name]
    return node
