"""Choosing the served variant by measured speed: the choice against a stubbed clock, the manifest
record, the re-measure on another CPU, and the bench-engines command on real timings (tiny model)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plugin_bridge.artifact import Variant, load_artifact
from plugin_bridge.errors import ArtifactError
from plugin_bridge.variant_speed import (
    KEEP_PREFERRED_WITHIN,
    CpuInfo,
    SpeedReport,
    VariantSpeed,
    measure_variants,
    record,
    served_variant,
    skip_reason,
    this_cpu,
)

REPO = Path(__file__).resolve().parents[1]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CostedModel:
    """Scores nothing useful, but costs `seconds_per_row` of fake time per row it runs."""

    provider = "cpu"

    def __init__(self, clock: FakeClock, seconds_per_row: float) -> None:
        self.input_names = ["input_ids", "attention_mask", "token_type_ids"]
        self.clock, self.seconds_per_row = clock, seconds_per_row

    def run(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        rows = batch["input_ids"].shape[0]
        self.clock.now += rows * self.seconds_per_row
        return np.zeros((rows, 1), dtype=np.float32)


def _artifact_copy(tiny_artifact: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "artifact"
    shutil.copytree(tiny_artifact, copy)
    return copy


def _stub_opener(clock: FakeClock, costs: dict[str, float]) -> Any:
    def opener(artifact: object, variant: Variant, provider: str, threads: int | None) -> CostedModel:
        return CostedModel(clock, costs[variant.name])

    return opener


def test_the_measured_fastest_variant_becomes_the_default(tiny_artifact: Path, tmp_path: Path) -> None:
    folder = _artifact_copy(tiny_artifact, tmp_path)
    artifact = load_artifact(folder)
    accepted = [name for name, v in artifact.variants().items() if v.accepted]
    assert {"fp32", "optimized"} <= set(accepted)
    # fp32 four times faster per row than every other accepted variant
    costs = {name: 0.004 for name in accepted} | {"fp32": 0.001}
    clock = FakeClock()
    report = measure_variants(artifact, pairs=10, rounds=3, clock=clock, opener=_stub_opener(clock, costs))
    assert report.measured["fp32"] == pytest.approx(1000.0)
    assert report.measured["optimized"] == pytest.approx(250.0)
    assert report.fastest == report.chosen == "fp32"
    refused = [name for name, v in artifact.variants().items() if not v.accepted]
    for name in refused:
        assert report.variants[name].skipped == "refused by the fidelity gate"
    manifest = record(folder, report)
    assert manifest["default_variant"] == "fp32"
    reloaded = load_artifact(folder)  # hashes still verify: only the manifest changed
    assert reloaded.default_variant == "fp32"
    bench = reloaded.manifest["engine_benchmark"]
    assert bench["cpu"] == this_cpu().to_manifest()
    assert bench["variants"]["fp32"]["pairs_per_s"] == pytest.approx(1000.0)
    assert bench["preferred_default"] == artifact.default_variant


def test_a_near_tie_keeps_the_gates_preferred_default(tiny_artifact: Path) -> None:
    artifact = load_artifact(tiny_artifact)
    preferred = artifact.default_variant
    other = next(n for n, v in artifact.variants().items() if v.accepted and n != preferred)
    clock = FakeClock()
    slightly = 1 / (1 + KEEP_PREFERRED_WITHIN / 2)  # the other variant is 2.5% faster: within noise
    costs = {n: 0.01 for n in artifact.variants()} | {preferred: 0.001, other: 0.001 * slightly}
    report = measure_variants(artifact, pairs=8, rounds=2, clock=clock, opener=_stub_opener(clock, costs))
    assert report.fastest == other
    assert report.chosen == preferred
    costs[other] = 0.001 / (1 + 2 * KEEP_PREFERRED_WITHIN)  # 10% faster: it takes over
    report = measure_variants(artifact, pairs=8, rounds=2, clock=clock, opener=_stub_opener(clock, costs))
    assert report.chosen == other


def test_medians_over_interleaved_rounds_ignore_one_slow_round(tiny_artifact: Path) -> None:
    artifact = load_artifact(tiny_artifact)
    clock = FakeClock()
    costs = {n: 0.002 for n in artifact.variants()} | {"fp32": 0.001}
    slow_once = {"calls": 0}
    opener = _stub_opener(clock, costs)

    def flaky_opener(*args: Any) -> CostedModel:
        model = opener(*args)
        if args[1].name == "fp32":
            original = model.run

            def run(batch: dict[str, np.ndarray]) -> np.ndarray:
                slow_once["calls"] += 1
                if slow_once["calls"] == 3:  # a host hiccup during one timed round
                    clock.now += 100.0
                return original(batch)

            model.run = run  # type: ignore[method-assign]
        return model

    report = measure_variants(artifact, pairs=4, rounds=3, clock=clock, opener=flaky_opener, only=["fp32", "optimized"])
    assert report.fastest == "fp32"
    assert min(report.variants["fp32"].rounds) < 1  # the hiccup round is recorded, not hidden
    assert set(report.variants) == {"fp32", "optimized"}


def test_skip_reasons_never_offer_a_variant_that_cannot_be_served_here() -> None:
    ok = Variant("int8", "model_int8.onnx", "int8", True, {"status": "measured"})
    assert skip_reason(ok, "cpu") is None
    assert skip_reason(replace(ok, accepted=False, file=None), "cpu") == "refused by the fidelity gate"
    unverified = Variant("fp16", "model_fp16.onnx", "fp16", False, {"status": "unverified"})
    assert skip_reason(unverified, "cpu") == "not verified by the fidelity gate"
    fp16 = Variant("fp16", "model_fp16.onnx", "fp16", True, {"status": "measured"})
    assert "CUDA" in str(skip_reason(fp16, "cpu"))
    ov = Variant("openvino_fp32", "model.onnx", "fp32", True, {"status": "measured"}, engine="openvino")
    assert "CPU" in str(skip_reason(ov, "cuda"))


def test_unknown_variant_to_measure_is_an_error(tiny_artifact: Path) -> None:
    with pytest.raises(ArtifactError, match="no variant nope"):
        measure_variants(load_artifact(tiny_artifact), only=["nope"])


def _report(cpu: CpuInfo, chosen: str, speeds: dict[str, float]) -> SpeedReport:
    return SpeedReport(
        cpu=cpu,
        provider="cpu",
        threads=0,
        length=64,
        max_batch_tokens=512,
        pairs=8,
        rounds=1,
        preferred=chosen,
        variants={n: VariantSpeed("onnxruntime", "fp32", [v]) for n, v in speeds.items()},
    )


def test_serve_measures_again_only_on_another_cpu(tiny_artifact: Path, tmp_path: Path) -> None:
    folder = _artifact_copy(tiny_artifact, tmp_path)
    here = this_cpu()
    elsewhere = CpuInfo("Some Other CPU", here.logical_cpus + 2, ("amx_bf16", "amx_int8"))
    record(folder, _report(elsewhere, "optimized", {"optimized": 50.0, "fp32": 40.0}))
    calls: list[dict[str, Any]] = []

    def fake_measure(artifact: object, provider: str, threads: object, **kwargs: Any) -> SpeedReport:
        calls.append(kwargs)
        return _report(here, "optimized", {"optimized": 10.0, "fp32": 90.0})

    moved = served_variant(folder, None, "cpu", None, None, measure=fake_measure)
    assert (moved.name, moved.source, moved.pairs_per_s) == ("fp32", "measured at start", 90.0)
    assert len(calls) == 1
    assert served_variant(folder, None, "cpu", None, None, remeasure=False, measure=fake_measure).name is None
    assert served_variant(folder, "fp32", "cpu", None, None, measure=fake_measure).source == "configured"
    assert len(calls) == 1

    record(folder, _report(here, "optimized", {"optimized": 50.0, "fp32": 40.0}))
    same = served_variant(folder, None, "cpu", None, None, measure=fake_measure)
    assert (same.name, same.source, same.pairs_per_s) == (None, "manifest, measured on this CPU", 50.0)
    assert len(calls) == 1

    plain = _artifact_copy(tiny_artifact, tmp_path / "plain")  # never measured: the gate's default stands
    assert served_variant(plain, None, "cpu", None, None, measure=fake_measure).source == "manifest"
    assert len(calls) == 1


def test_cpu_info_reads_model_and_matrix_features(tmp_path: Path) -> None:
    fake = tmp_path / "cpuinfo"
    fake.write_text(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        "flags\t\t: fpu avx2 avx512f avx512_vnni avx512_bf16 amx_tile amx_bf16 amx_int8\n"
    )
    cpu = this_cpu(fake)
    assert cpu.model == "Intel(R) Xeon(R) Platinum 8480+"
    assert cpu.features == ("avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")
    assert cpu.matches(cpu.to_manifest())
    assert not cpu.matches({**cpu.to_manifest(), "features": ["avx512_vnni"]})
    assert not cpu.matches(None)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rescore_cli", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_bench_engines_cli_measures_real_timings_and_records_them(tiny_artifact: Path, tmp_path: Path) -> None:
    folder = _artifact_copy(tiny_artifact, tmp_path)
    quick = ("--pairs", "8", "--rounds", "1", "--max-length", "64")
    dry = _cli("bench-engines", str(folder), *quick, "--no-write", "--json")
    assert dry.returncode == 0, dry.stderr
    measured = json.loads(dry.stdout)
    accepted = {n for n, v in load_artifact(folder).variants().items() if v.accepted}
    assert {n for n, v in measured["variants"].items() if "pairs_per_s" in v} == accepted
    assert all(v["pairs_per_s"] > 0 for v in measured["variants"].values() if "pairs_per_s" in v)
    assert "engine_benchmark" not in json.loads((folder / "manifest.json").read_text())

    wrote = _cli("bench-engines", str(folder), *quick)
    assert wrote.returncode == 0, wrote.stderr
    assert "default variant is now" in wrote.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["default_variant"] == manifest["engine_benchmark"]["chosen"]
    assert manifest["engine_benchmark"]["cpu"]["model"] == this_cpu().model

    missing = _cli("bench-engines", str(tmp_path / "nothing"))
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "does not exist" in missing.stderr


def test_engines_option_resolves_against_what_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from onnx_export import engine_choice

    monkeypatch.setattr(engine_choice, "missing_packages", lambda: [])
    assert engine_choice.resolve_engines("onnxruntime", "cross-encoder") == (("onnxruntime",), False, None)
    assert engine_choice.resolve_engines("openvino", "cross-encoder")[:2] == (("onnxruntime", "openvino"), False)
    assert engine_choice.resolve_engines("auto", "cross-encoder")[:2] == (("onnxruntime", "openvino"), True)
    engines, measure, note = engine_choice.resolve_engines("auto", "embedding")
    assert (engines, measure) == (("onnxruntime",), True) and "cross-encoders only" in str(note)
    with pytest.raises(ValueError, match="cross-encoders only"):
        engine_choice.resolve_engines("openvino", "embedding")
    with pytest.raises(ValueError, match="--engines takes"):
        engine_choice.resolve_engines("onnxruntime,tvm", "cross-encoder")

    monkeypatch.setattr(engine_choice, "missing_packages", lambda: ["openvino", "nncf"])
    engines, measure, note = engine_choice.resolve_engines("auto", "cross-encoder")
    assert (engines, measure) == (("onnxruntime",), True) and "rescore-bridge[export,openvino]" in str(note)
    with pytest.raises(ValueError, match="needs openvino, nncf"):
        engine_choice.resolve_engines("openvino", "cross-encoder")
