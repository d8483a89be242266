"""The `cross_encoder` rescore section fuzzed through OpenSearch (hypothesis): known fields with odd
values, unknown fields, wrong JSON types, odd window sizes. Every answer must be a 200 without shard
failures or a 400; a 5xx or a shard failure is a problem. Used by the suite and bench/reliability.py.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)
KNOWN_FIELDS = {
    "query_text": st.text(max_size=200),
    "fields": st.lists(st.sampled_from(["title", "text", "missing", "title.x", "_id", ""]), max_size=3),
    "model": st.sampled_from(["default", "other", ""]),
    "query_weight": st.floats(-1e6, 1e6),
    "rescore_query_weight": st.floats(-1e6, 1e6),
    "score_mode": st.sampled_from(["total", "multiply", "avg", "max", "min", "replace", "sum", ""]),
    "max_chars": st.integers(-10, 200_000),
    "timeout_ms": st.integers(-10, 70_000),
    "on_failure": st.sampled_from(["keep_first_stage", "fail", "retry"]),
}
RESCORE_PARAMS = st.fixed_dictionaries(
    {},
    optional={name: strategy | JSON_VALUES for name, strategy in KNOWN_FIELDS.items()},
) | st.dictionaries(st.sampled_from([*KNOWN_FIELDS, "unknown", "window_size"]), JSON_VALUES, max_size=4)
WINDOW_SIZES = st.none() | st.integers(-3, 20_000) | JSON_VALUES


def fuzz_rescore_fields(http: httpx.Client, index: str, query: str, examples: int) -> dict[str, Any]:
    """Send `examples` generated cross_encoder sections; returns counts by outcome and any 5xx or shard failure."""
    outcome: dict[str, Any] = {"cases": 0, "by_status": {}, "problems": []}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(params=RESCORE_PARAMS, window=WINDOW_SIZES)
    def one(params: dict[str, Any], window: Any) -> None:
        rescore: dict[str, Any] = {"cross_encoder": params}
        if window is not None:
            rescore["window_size"] = window
        body = {"size": 5, "query": {"match": {"text": query}}, "rescore": rescore}
        response = http.post(
            f"/{index}/_search", content=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        outcome["cases"] += 1
        outcome["by_status"][response.status_code] = outcome["by_status"].get(response.status_code, 0) + 1
        shards_failed = response.json().get("_shards", {}).get("failed", 0) if response.status_code == 200 else 0
        if response.status_code not in (200, 400) or shards_failed:
            outcome["problems"].append({"body": body, "status": response.status_code, "answer": response.text[:300]})

    one()
    return outcome
