"""Schema-driven fuzzing of a running bridge from its own OpenAPI document (schemathesis + hypothesis).

Every operation gets `examples` cases that fit the schema and `examples` that break it (wrong types,
missing fields, out-of-range values), sent over real HTTP. Used by the test suite (a few cases per
operation) and by bench/reliability.py (many); both want zero 5xx and a process still alive after.
"""

from __future__ import annotations

import ssl
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode


@dataclass
class FuzzReport:
    cases: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status: body" of every 5xx
    transport_errors: list[str] = field(default_factory=list)  # no HTTP answer at all
    operations: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "operations": self.operations,
            "not_applicable": self.not_applicable,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "server_errors": self.server_errors[:20],
            "transport_errors": self.transport_errors[:20],
        }


def fuzz_bridge(
    base_url: str,
    examples: int,
    headers: dict[str, str] | None = None,
    ca_file: str | None = None,
) -> FuzzReport:
    """Fuzz every operation of the bridge at `base_url`; never raises for what the server answers."""
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
    spec = httpx.get(base_url + "/openapi.json", headers=headers, verify=verify, timeout=30).json()
    schema = schemathesis.openapi.from_dict(spec)
    report = FuzzReport()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations.append(f"{operation.method.upper()} {operation.path}")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, examples, base_url, headers or {}, session, ca_file or True, report)
    return report


def _run(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    verify: str | bool,
    report: FuzzReport,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run, so a failure reproduces
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        report.cases += 1
        where = f"{case.method} {case.formatted_path}"
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=60, verify=verify)
        except (requests.RequestException, OSError) as exc:
            report.transport_errors.append(f"{where}: {exc}")
            return
        report.by_status[response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors.append(f"{where} -> {response.status_code}: {response.text[:200]}")

    try:
        one()
    except Unsatisfiable:
        # nothing in the operation can break its schema (GET /health has no input): no negative cases
        report.not_applicable.append(f"{mode.value} {operation.method.upper()} {operation.path}")
