"""Measure every servable variant's pairs/s on this machine and make the fastest the default.

Which engine and precision is fastest depends on the CPU, not on the model: on 2 EPYC cores onnxruntime's
int8 graph leads, while on an Intel Xeon with AMX OpenVINO's bf16 ran ~1.4x faster than it. So the
choice is measured where the model will run (`rescore-bridge export --engines auto`, `rescore-bridge
bench-engines`), recorded in the manifest beside the CPU it was measured on, and measured again by
`serve` when it finds itself on another CPU. Only variants the fidelity gate accepted are candidates.

Rounds are interleaved (every variant once per round) and medians reported, because a shared host's
speed drifts by 20% over minutes; the clock and the model loader are parameters so that the choice
itself can be tested against a stubbed timing source.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .artifact import MANIFEST_FILE, Artifact, Variant, load_artifact
from .engines import OPENVINO, InferenceModel, open_variant
from .errors import ArtifactError
from .reranker import DEFAULT_MAX_BATCH_SIZE, default_batch_tokens, infer_logits
from .session import Provider, resolve_providers
from .tokenization import EncodedPair, PairTokenizer

log = logging.getLogger("rescore_bridge.variant_speed")

# CPU features that decide which int8/bf16 kernels exist (VNNI: int8 dot products; AMX: tile units)
MATRIX_FEATURES = (
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
    "amx_fp16",
)
# A challenger must beat the gate's preferred default by more than this to replace it: between two
# rounds a shared host drifts by more, and the preferred default is the more faithful or better-known one.
KEEP_PREFERRED_WITHIN = 0.05

Clock = Callable[[], float]
Opener = Callable[..., InferenceModel]

# filler text for benchmark rows: real words, so the tokenizer produces ordinary word pieces
_TEXT = (
    "the patients treated with vitamin supplements showed lower risk of bone fracture while sleep quality "
    "and coffee intake were measured across cohorts in a randomized trial of search ranking models"
)
_WORDS = _TEXT.split(" ")


@dataclass(frozen=True)
class CpuInfo:
    """What identifies a CPU for speed purposes: the model, how many cores this process may use, matrix units."""

    model: str
    logical_cpus: int
    features: tuple[str, ...]

    def to_manifest(self) -> dict[str, Any]:
        return {"model": self.model, "logical_cpus": self.logical_cpus, "features": list(self.features)}

    def matches(self, recorded: Mapping[str, Any] | None) -> bool:
        if not recorded:
            return False
        return (
            recorded.get("model") == self.model
            and recorded.get("logical_cpus") == self.logical_cpus
            and list(recorded.get("features", [])) == list(self.features)
        )

    def describe(self) -> str:
        features = ", ".join(self.features) or "no VNNI/AMX"
        return f"{self.model} ({self.logical_cpus} logical CPUs; {features})"


def this_cpu(cpuinfo: Path = Path("/proc/cpuinfo")) -> CpuInfo:
    model, flags = platform.processor() or platform.machine(), set[str]()
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                model = value.strip()
            elif key.strip() in ("flags", "Features") and not flags:
                flags = set(value.split())
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return CpuInfo(model=model, logical_cpus=cpus, features=tuple(f for f in MATRIX_FEATURES if f in flags))


@dataclass
class VariantSpeed:
    engine: str
    precision: str
    rounds: list[float] = field(default_factory=list)
    skipped: str | None = None

    @property
    def pairs_per_s(self) -> float | None:
        return statistics.median(self.rounds) if self.rounds else None

    def to_manifest(self) -> dict[str, Any]:
        body: dict[str, Any] = {"engine": self.engine, "precision": self.precision}
        if self.skipped is not None:
            body["skipped"] = self.skipped
        else:
            body["pairs_per_s"] = round(self.pairs_per_s or 0.0, 2)
            body["rounds_pairs_per_s"] = [round(r, 2) for r in self.rounds]
        return body


@dataclass
class SpeedReport:
    """One measurement of an artifact's variants on one machine."""

    cpu: CpuInfo
    provider: str
    threads: int
    length: int
    max_batch_tokens: int
    pairs: int
    rounds: int
    preferred: str
    variants: dict[str, VariantSpeed]

    @property
    def measured(self) -> dict[str, float]:
        return {n: s.pairs_per_s for n, s in self.variants.items() if s.pairs_per_s is not None}

    @property
    def fastest(self) -> str | None:
        measured = self.measured
        return max(measured, key=lambda n: measured[n]) if measured else None

    @property
    def chosen(self) -> str | None:
        """The fastest variant, unless the gate's preferred default is within KEEP_PREFERRED_WITHIN of it."""
        fastest, measured = self.fastest, self.measured
        if fastest is None:
            return None
        if self.preferred in measured and measured[self.preferred] * (1 + KEEP_PREFERRED_WITHIN) >= measured[fastest]:
            return self.preferred
        return fastest

    def to_manifest(self) -> dict[str, Any]:
        return {
            "cpu": self.cpu.to_manifest(),
            "provider": self.provider,
            "threads": self.threads,
            "max_length": self.length,
            "max_batch_tokens": self.max_batch_tokens,
            "pairs": self.pairs,
            "rounds": self.rounds,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": _engine_versions(),
            "preferred_default": self.preferred,
            "keep_preferred_within": KEEP_PREFERRED_WITHIN,
            "fastest": self.fastest,
            "chosen": self.chosen,
            "variants": {name: speed.to_manifest() for name, speed in self.variants.items()},
        }


def _engine_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in ("onnxruntime", "openvino"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def skip_reason(variant: Variant, provider: str) -> str | None:
    """Why a variant is not a candidate here; None when it is. Only gate-accepted variants ever are."""
    if variant.file is None or not variant.accepted:
        status = variant.fidelity.get("status")
        return "not verified by the fidelity gate" if status == "unverified" else "refused by the fidelity gate"
    if variant.engine == OPENVINO:
        if provider == "cuda":
            return "OpenVINO variants run on the CPU; this measurement is for CUDA"
        from .openvino_engine import unsupported_reason

        return unsupported_reason(variant.precision)
    if variant.precision == "fp16" and provider != "cuda":
        return "fp16 graphs are for the CUDA provider"
    return None


def benchmark_tokenizer(artifact: Artifact, length: int) -> PairTokenizer:
    """The artifact's tokenizer as the bridge builds it (pad id, an LLM reranker's prompt), cut at `length`."""
    return PairTokenizer(artifact.tokenizer_file, length, pad_id=artifact.pad_token_id, prompt=artifact.prompt)


def benchmark_rows(tokenizer: PairTokenizer, length: int, count: int, seed: int = 0) -> list[EncodedPair]:
    """`count` query/document rows of exactly `length` tokens (real words, so ordinary word pieces)."""
    rng = random.Random(seed)
    documents = [" ".join(rng.choices(_WORDS, k=length)) for _ in range(count)]
    return tokenizer.encode("does vitamin d lower the risk of fractures", documents).pairs


def measure_variants(
    artifact: Artifact,
    provider: Provider = "cpu",
    threads: int | None = None,
    length: int | None = None,
    max_batch_tokens: int | None = None,
    pairs: int = 48,
    rounds: int = 3,
    clock: Clock = time.perf_counter,
    opener: Opener = open_variant,
    only: list[str] | None = None,
) -> SpeedReport:
    """pairs/s of every candidate variant at `length` tokens and the provider's batch budget."""
    if pairs < 1 or rounds < 1:
        raise ArtifactError("the engine benchmark needs at least 1 pair and 1 round")
    concrete = "cuda" if resolve_providers(provider)[0] == "CUDAExecutionProvider" else "cpu"
    length = min(length or artifact.max_length, artifact.max_length)
    budget = max_batch_tokens or default_batch_tokens(concrete)
    variants = artifact.variants()
    unknown = [name for name in only or [] if name not in variants]
    if unknown:
        raise ArtifactError(f"artifact {artifact.root} has no variant {', '.join(unknown)}")
    speeds: dict[str, VariantSpeed] = {}
    models: dict[str, InferenceModel] = {}
    for name, variant in variants.items():
        if only and name not in only:
            continue
        speeds[name] = VariantSpeed(variant.engine, variant.precision, skipped=skip_reason(variant, concrete))
        if speeds[name].skipped is None:
            try:
                models[name] = opener(artifact, variant, concrete, threads)
            except ArtifactError as exc:
                speeds[name].skipped = str(exc)
    tokenizer = benchmark_tokenizer(artifact, length)
    rows = benchmark_rows(tokenizer, length, pairs)
    pad_id = tokenizer.pad_id
    for model in models.values():  # first calls allocate and compile kernels for the shape: untimed
        infer_logits(model, pad_id, rows[: max(1, budget // length)], budget, DEFAULT_MAX_BATCH_SIZE)
    for _ in range(rounds):
        for name, model in models.items():
            started = clock()
            infer_logits(model, pad_id, rows, budget, DEFAULT_MAX_BATCH_SIZE)
            elapsed = clock() - started
            speeds[name].rounds.append(len(rows) / elapsed if elapsed > 0 else float("inf"))
    return SpeedReport(
        cpu=this_cpu(),
        provider=concrete,
        threads=threads or 0,
        length=length,
        max_batch_tokens=budget,
        pairs=len(rows),
        rounds=rounds,
        preferred=_preferred_default(artifact),
        variants=speeds,
    )


def _preferred_default(artifact: Artifact) -> str:
    """The default the fidelity gate chose, before any measurement replaced it."""
    recorded = artifact.manifest.get("engine_benchmark") or {}
    return str(recorded.get("preferred_default") or artifact.default_variant)


def record(artifact_root: Path, report: SpeedReport) -> dict[str, Any]:
    """Write the measurement into the manifest and make its choice the default.

    The manifest's `files` (and so the artifact's digest) do not change: only which variant is served.
    """
    chosen = report.chosen
    if chosen is None:
        raise ArtifactError("no variant could be measured on this machine; the manifest is left as it was")
    path = Path(artifact_root) / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["engine_benchmark"] = report.to_manifest()
    manifest["default_variant"] = chosen
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return manifest


@dataclass(frozen=True)
class VariantChoice:
    """Which variant `serve` loads and why; `pairs_per_s` is this machine's measurement, when there is one."""

    name: str | None
    source: str
    pairs_per_s: float | None = None


def served_variant(
    artifact_dir: Path,
    configured: str | None,
    provider: Provider,
    threads: int | None,
    max_batch_tokens: int | None,
    remeasure: bool = True,
    measure: Callable[..., SpeedReport] = measure_variants,
) -> VariantChoice:
    """The variant `serve` should load (`name=None`: the manifest's default).

    A default that was measured on another CPU (or provider, or core count) is measured again here,
    briefly, because the ranking of engines does not carry across CPUs.
    """
    if configured is not None:
        return VariantChoice(configured, "configured")
    artifact = load_artifact(artifact_dir, verify_hashes=False)
    recorded = artifact.manifest.get("engine_benchmark")
    if not recorded:
        return VariantChoice(None, "manifest")
    cpu = this_cpu()
    concrete = "cuda" if resolve_providers(provider)[0] == "CUDAExecutionProvider" else "cpu"
    if (cpu.matches(recorded.get("cpu")) and recorded.get("provider") == concrete) or not remeasure:
        speed = recorded.get("variants", {}).get(artifact.default_variant, {}).get("pairs_per_s")
        same = cpu.matches(recorded.get("cpu"))
        return VariantChoice(None, "manifest, measured on this CPU" if same else "manifest", speed if same else None)
    log.info(
        "%s: default variant was measured on %s; measuring again on %s",
        artifact.root.name,
        recorded.get("cpu", {}).get("model", "another CPU"),
        cpu.describe(),
    )
    report = measure(artifact, provider, threads, max_batch_tokens=max_batch_tokens, pairs=32, rounds=2)
    chosen = report.chosen
    log.info(
        "%s: serving %s (%s pairs/s)",
        artifact.root.name,
        chosen,
        ", ".join(f"{n} {v:.1f}" for n, v in sorted(report.measured.items(), key=lambda kv: -kv[1])),
    )
    if chosen is None:
        return VariantChoice(None, "manifest")
    return VariantChoice(chosen, "measured at start", report.measured[chosen])
