"""`--engines`: which runtimes an export builds variants for, and whether the fastest becomes the default.

onnxruntime variants are always built (the fp32 graph is every other variant's source). `openvino` adds
OpenVINO's fp32/bf16/int8; `auto` adds every engine installed here and then measures each variant the
gate accepted on this CPU, so the default is the fastest faithful one for the machine that exported it
(`serve` measures again when it runs on another CPU).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .config import Task
from .openvino_variants import missing_packages

ENGINE_CHOICES = ("onnxruntime", "openvino", "auto")


def resolve_engines(text: str, task: Task) -> tuple[tuple[str, ...], bool, str | None]:
    """`--engines` value -> (engines to build, measure them?, a note for the user or None)."""
    parts = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(parts - set(ENGINE_CHOICES))
    if unknown or not parts:
        raise ValueError(f"--engines takes {', '.join(ENGINE_CHOICES)} (comma-separated), got '{text}'")
    measure = "auto" in parts
    missing = missing_packages()
    install = "pip install 'rescore-bridge[export,openvino]'"
    note = None
    wants_openvino = "openvino" in parts
    if measure and not wants_openvino:
        if task != "cross-encoder":
            note = "--engines auto: OpenVINO variants are built for cross-encoders only; measuring onnxruntime's"
        elif missing:
            note = f"--engines auto: {', '.join(missing)} not installed ({install}); measuring onnxruntime's variants"
        else:
            wants_openvino = True
    if wants_openvino:
        if task != "cross-encoder":
            raise ValueError("OpenVINO variants are built for cross-encoders only")
        if missing:
            raise ValueError(f"--engines openvino needs {', '.join(missing)}: {install}")
        return ("onnxruntime", "openvino"), measure, note
    return ("onnxruntime",), measure, note


def measure_and_choose(staging: Path, say: Callable[[str], None]) -> str:
    """Measure the gated variants in the staging folder, record pairs/s and the fastest in its manifest."""
    from plugin_bridge.artifact import load_artifact
    from plugin_bridge.variant_speed import measure_variants, record

    report = measure_variants(load_artifact(staging, verify_hashes=False))
    say(f"engine benchmark on {report.cpu.describe()}: {report.length} tokens, {report.max_batch_tokens}-token batches")
    for name, speed in report.variants.items():
        figure = f"{speed.pairs_per_s:.1f} pairs/s" if speed.pairs_per_s is not None else f"skipped ({speed.skipped})"
        say(f"  {name} ({speed.engine} {speed.precision}): {figure}")
    return str(record(staging, report)["default_variant"])
