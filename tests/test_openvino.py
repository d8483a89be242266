"""The OpenVINO engine on the tiny model: export variants, gate, scores against onnxruntime, serving.

Skipped only when the optional `openvino` extra (openvino + nncf) is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("openvino", reason="the openvino extra is not installed")
pytest.importorskip("nncf", reason="the openvino extra is not installed")

from plugin_bridge import Reranker
from plugin_bridge.errors import ArtifactError
from plugin_bridge.openvino_engine import OpenVinoModel, cpu_capabilities
from plugin_bridge.tokenization import PairTokenizer, pad_batch
from plugin_bridge.variant_speed import this_cpu

REPO = Path(__file__).resolve().parents[1]
QUERY = "what is bm25 ranking"
DOCUMENTS = [
    "bm25 is a ranking function used by search engines",
    "cats sleep most of the day",
    "the capital of france is paris",
    "vector search ranks documents by embedding similarity " * 6,
]


@pytest.fixture(scope="module")
def openvino_artifact(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model exported as `--engines auto` does: onnxruntime and OpenVINO variants, then measured."""
    from onnx_export import ExportConfig, export_model

    out = tmp_path_factory.mktemp("ov-artifact") / "artifact"
    export_model(
        ExportConfig(
            model=str(tiny_model_dir),
            out_dir=out,
            max_length=128,
            allow_fallback=True,
            engines=("onnxruntime", "openvino"),
            measure_engines=True,
        )
    )
    return out


def test_export_records_engine_and_gate_for_every_openvino_variant(openvino_artifact: Path) -> None:
    manifest = json.loads((openvino_artifact / "manifest.json").read_text())
    variants = manifest["variants"]
    assert variants["fp32"]["engine"] == "onnxruntime"
    assert variants["openvino_fp32"]["engine"] == "openvino"
    assert variants["openvino_fp32"]["file"] == "model.onnx"  # read straight from the ONNX graph
    assert variants["openvino_fp32"]["accepted"] is True
    assert variants["openvino_int8"]["fidelity"]["status"] == "measured"  # gated like every variant
    assert manifest["openvino_quantization"]["mode"] == "nncf-static-int8"
    assert manifest["versions"]["openvino"] and manifest["versions"]["nncf"]
    ir_files = {"model_openvino_int8.xml", "model_openvino_int8.bin"}
    if variants["openvino_int8"]["accepted"]:
        assert ir_files <= set(manifest["files"])
    else:  # a refused variant leaves no file behind
        assert not ir_files & set(manifest["files"])
        assert not any((openvino_artifact / name).exists() for name in ir_files)
    bench = manifest["engine_benchmark"]  # real timings on this machine, every accepted variant measured
    assert bench["cpu"] == this_cpu().to_manifest() and bench["max_length"] == 128
    measured = {name for name, entry in bench["variants"].items() if "pairs_per_s" in entry}
    assert measured == {name for name, entry in variants.items() if entry["accepted"]}
    assert manifest["default_variant"] == bench["chosen"] in measured
    if "BF16" in cpu_capabilities():
        assert (
            variants["openvino_bf16"]["fidelity"]["spearman_mean"] >= 0.999 or not variants["openvino_bf16"]["accepted"]
        )
    else:  # never built, so never offered, where the CPU has no native bf16
        assert "openvino_bf16" not in variants


def test_openvino_scores_match_onnxruntime_fp32(openvino_artifact: Path) -> None:
    onnxruntime = Reranker(openvino_artifact, variant="fp32")
    openvino = Reranker(openvino_artifact, variant="openvino_fp32")
    assert openvino.variant.engine == "openvino" and openvino.model.provider == "cpu"
    expected = np.array(onnxruntime.score(QUERY, DOCUMENTS, activation="none"))
    got = np.array(openvino.score(QUERY, DOCUMENTS, activation="none"))
    assert np.abs(expected - got).max() < 1e-4
    # same rows through the batcher path (several length-sorted batches) give the same logits
    encoded = openvino.encode(QUERY, DOCUMENTS * 8)
    batched = openvino.infer(encoded.pairs)
    assert np.abs(batched - np.tile(expected, 8)).max() < 1e-4


def test_nncf_int8_ir_runs_int8_kernels(openvino_artifact: Path, tmp_path: Path) -> None:
    """Quantize again into a scratch folder (the artifact may have refused it) and look at what runs."""
    from onnx_export.calibration import load_calibration
    from onnx_export.openvino_variants import quantize_int8

    for name in ("model.onnx", "tokenizer.json"):
        shutil.copy(openvino_artifact / name, tmp_path / name)
    ir = tmp_path / quantize_int8(tmp_path, load_calibration(None), 128, limit=16)
    model = OpenVinoModel(ir, "int8")
    kernels = {
        (info["layerType"].astype(str), info["runtimePrecision"].astype(str))
        for info in (op.get_rt_info() for op in model.compiled.get_runtime_model().get_ordered_ops())
    }
    assert {("FullyConnected", "i8"), ("FullyConnected", "u8")} & kernels  # int8 GEMMs, not fp32 ones
    assert not {kernel for kernel in kernels if kernel == ("FullyConnected", "f32")}
    tokenizer = PairTokenizer(openvino_artifact / "tokenizer.json", 128)
    feed = pad_batch(tokenizer.encode(QUERY, DOCUMENTS).pairs, tokenizer.pad_id)
    fp32 = OpenVinoModel(openvino_artifact / "model.onnx", "fp32").run(feed)
    int8 = model.run(feed)
    assert int8.shape == fp32.shape and np.isfinite(int8).all()
    assert np.abs(int8 - fp32).max() < 0.5  # quantized, not broken (tiny random logits sit near 0.3)


def test_bf16_is_refused_where_the_cpu_cannot_run_it(openvino_artifact: Path) -> None:
    if "BF16" in cpu_capabilities():
        model = OpenVinoModel(openvino_artifact / "model.onnx", "bf16")
        assert model.precision == "bf16"
        return
    with pytest.raises(ArtifactError, match="no native bf16"):
        OpenVinoModel(openvino_artifact / "model.onnx", "bf16")


def test_unknown_engine_and_cuda_for_openvino_are_clear_errors(openvino_artifact: Path) -> None:
    from plugin_bridge.engines import open_model

    with pytest.raises(ArtifactError, match="unknown engine 'tvm'"):
        open_model(openvino_artifact / "model.onnx", "tvm")
    with pytest.raises(ArtifactError, match="OpenVINO \\(CPU\\) variant"):
        open_model(openvino_artifact / "model.onnx", "openvino", provider="cuda")


@pytest.fixture(scope="module")
def openvino_bridge(openvino_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from bridge_process import BridgeProcess

    folder = tmp_path_factory.mktemp("ov-bridge")
    config = folder / "bridge.toml"
    config.write_text(
        f'[[models]]\nname = "ov"\npath = "{openvino_artifact}"\nvariant = "openvino_fp32"\n'
        f'[[models]]\nname = "ort"\npath = "{openvino_artifact}"\nvariant = "fp32"\n'
    )
    with BridgeProcess([], folder, extra_args=["--config", str(config), "--cache-entries", "0"]) as process:
        yield process


@pytest.mark.integration
def test_bridge_serves_openvino_and_names_the_engine(openvino_bridge: object) -> None:
    import httpx

    url = openvino_bridge.url  # type: ignore[attr-defined]
    cards = {card["id"]: card for card in httpx.get(url + "/v1/models").json()["data"]}
    assert cards["ov"]["engine"] == "openvino" and cards["ov"]["precision"] == "fp32"
    assert cards["ov"]["variant"] == "openvino_fp32" and cards["ov"]["variant_source"] == "configured"
    assert cards["ort"]["engine"] == "onnxruntime"
    body = {"query": QUERY, "documents": DOCUMENTS}
    ov = httpx.post(url + "/v1/scores", json={**body, "model": "ov"}).json()["scores"]
    ort = httpx.post(url + "/v1/scores", json={**body, "model": "ort"}).json()["scores"]
    assert np.abs(np.array(ov) - np.array(ort)).max() < 1e-5
    metrics = httpx.get(url + "/metrics").text  # same batcher and metrics as the onnxruntime engine
    assert 'rescore_bridge_pairs_scored_total{model="ov"}' in metrics


def test_export_cli_engines_option_errors_are_one_line(tiny_model_dir: Path, tmp_path: Path) -> None:
    args = ["export", str(tiny_model_dir), "--out", str(tmp_path / "x"), "--engines", "tensorrt"]
    result = subprocess.run(
        [sys.executable, "-m", "rescore_cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: --engines takes onnxruntime, openvino, auto")
    assert result.stderr.strip().count("\n") == 0


def test_serving_an_openvino_variant_imports_no_torch(openvino_artifact: Path) -> None:
    code = (
        "import sys\n"
        "from plugin_bridge import Reranker\n"
        "import plugin_bridge.variant_speed, plugin_bridge.engine_cli\n"
        f"Reranker({str(openvino_artifact)!r}, variant='openvino_fp32').score('q', ['d'])\n"
        "bad = [m for m in ('torch', 'transformers', 'optimum', 'nncf') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120)
