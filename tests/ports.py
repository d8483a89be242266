"""Fixed test ports, shifted by RESCORE_TEST_PORT_OFFSET so that parallel test runs on one machine
(several checkouts, or CI beside a developer's run) do not take each other's ports."""

from __future__ import annotations

import os


def shifted_port(base: int) -> int:
    """`base` plus the offset from the environment (default 0)."""
    return base + int(os.environ.get("RESCORE_TEST_PORT_OFFSET", "0"))
