"""End-to-end export of a tiny random BERT cross-encoder: manifest, gate, CLI/API parity, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from onnx_export import ExportConfig, GateThresholds, export_model
from onnx_export.errors import ExportError, FidelityGateError
from plugin_bridge import ArtifactError, Reranker
from plugin_bridge.artifact import load_artifact, sha256_file

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "rescore_cli"]


def run_cli(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=REPO, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"cli failed ({result.returncode}): {result.stderr}")
    return result


def test_manifest_is_complete(tiny_artifact: Path, tiny_model_dir: Path) -> None:
    manifest = json.loads((tiny_artifact / "manifest.json").read_text())
    assert manifest["task"] == "cross-encoder"
    assert manifest["source"]["kind"] == "folder"
    assert len(manifest["source"]["folder_sha256"]) == 64
    assert manifest["opset"] == 18 and manifest["max_length"] == 128
    assert manifest["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
    assert manifest["uses_token_type_ids"] is True
    assert manifest["activation"] == "sigmoid"
    assert manifest["quantization"]["mode"] == "dynamic-int8"
    assert manifest["quantization"]["arch_preset"] in ("avx2", "avx512", "avx512_vnni", "arm64")
    assert manifest["quantization"]["source_graph"] == "model_optimized.onnx"
    for tool in ("onnxruntime", "optimum", "transformers", "torch"):
        assert manifest["versions"][tool]
    # every file listed with a correct hash, and nothing unlisted
    listed = set(manifest["files"])
    on_disk = {p.name for p in tiny_artifact.iterdir() if p.name != "manifest.json"}
    assert listed == on_disk
    for name, digest in manifest["files"].items():
        assert sha256_file(tiny_artifact / name) == digest
    assert "tokenizer.json" in listed


def test_fidelity_passes_for_exact_variants_and_int8_is_recorded(tiny_artifact: Path) -> None:
    variants = json.loads((tiny_artifact / "manifest.json").read_text())["variants"]
    for name in ("fp32", "optimized"):
        fidelity = variants[name]["fidelity"]
        assert variants[name]["accepted"] and fidelity["passed"]
        assert fidelity["max_abs_logit_diff"] < 1e-3
        assert fidelity["spearman_mean"] > 0.999
    int8 = variants["int8"]
    for key in ("max_abs_logit_diff", "spearman_mean", "spearman_min", "top10_agreement_mean"):
        assert isinstance(int8["fidelity"][key], float)
    assert int8["accepted"] == int8["fidelity"]["passed"]
    if not int8["accepted"]:
        assert int8["file"] is None and not (tiny_artifact / "model_int8.onnx").exists()


def test_reranker_scores_match_torch(tiny_artifact: Path, tiny_model_dir: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    query, docs = "what is the capital of france", ["paris is the capital of france", "cats sleep a lot", ""]
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    batch = tokenizer([query] * 3, docs, truncation="only_second", max_length=128, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = torch.sigmoid(model(**batch).logits[:, 0]).tolist()
    got = Reranker(tiny_artifact, variant="fp32").score(query, docs)
    assert got == pytest.approx(expected, abs=1e-5)
    ranked = Reranker(tiny_artifact).rank(query, docs, top_k=2)
    assert [r.index for r in ranked] == sorted(range(3), key=lambda i: -expected[i])[:2]


def test_score_cli_equals_python_api(tiny_artifact: Path) -> None:
    docs = ["paris is the capital of france", "the ocean tide follows the moon", "python list code"]
    result = run_cli(
        "score", "--model", str(tiny_artifact), "--query", "capital of france", "--json", *docs, check=True
    )
    printed = json.loads(result.stdout.strip())
    assert printed["scores"] == Reranker(tiny_artifact).score("capital of france", docs)


def test_score_cli_reads_jsonl(tiny_artifact: Path, tmp_path: Path) -> None:
    lines = [{"query": "blue sky", "documents": ["the sky is blue", "a cat"]}, {"query": "tide", "documents": ["moon"]}]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = [
        json.loads(x)
        for x in run_cli(
            "score", "--model", str(tiny_artifact), "--input", str(path), "--json", check=True
        ).stdout.splitlines()
    ]
    reranker = Reranker(tiny_artifact)
    assert [o["scores"] for o in out] == [reranker.score(x["query"], x["documents"]) for x in lines]


def test_serving_imports_no_torch(tiny_artifact: Path) -> None:
    code = (
        "import sys\n"
        "from plugin_bridge import Reranker\n"
        "import plugin_bridge.server.app, plugin_bridge.server.run, plugin_bridge.cli\n"
        f"Reranker({str(tiny_artifact)!r}).score('q', ['d'])\n"
        "bad = [m for m in ('torch', 'transformers', 'optimum') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120)


def test_unknown_model_path_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run_cli("export", str(tmp_path / "no-such-model"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_base_encoder_is_refused_without_allow_new_head(tmp_path: Path) -> None:
    from tiny_model import build_tiny_cross_encoder

    encoder = build_tiny_cross_encoder(tmp_path / "encoder", base_encoder=True)
    result = run_cli("export", str(encoder), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "not a sequence-classification cross-encoder" in result.stderr
    assert "Traceback" not in result.stderr
    # a folder that is not a model at all
    (tmp_path / "junk").mkdir()
    result = run_cli("export", str(tmp_path / "junk"), "--out", str(tmp_path / "out2"))
    assert result.returncode == 2 and "no config.json" in result.stderr


def test_read_only_output_path(tiny_model_dir: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/rescore-bridge-out")  # root ignores mode bits; /proc refuses everyone
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out"
    result = run_cli("export", str(tiny_model_dir), "--out", str(target), "--quantization", "none")
    assert result.returncode == 2, result.stderr
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_gate_refusal_leaves_no_artifact(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "refused"
    strict = GateThresholds(max_logit_diff=0.0, min_spearman=1.1, min_top10=1.1)
    with pytest.raises(FidelityGateError, match="refused"):
        export_model(
            ExportConfig(model=str(tiny_model_dir), out_dir=out, quantization="none", max_length=64, thresholds=strict)
        )
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".refused")]  # staging cleaned up
    result = run_cli(
        "export",
        str(tiny_model_dir),
        "--out",
        str(out),
        "--quantization",
        "none",
        "--max-length",
        "64",
        "--min-spearman",
        "1.1",
    )
    # a refusal is exit 1 (the export ran, its result failed the gate), bad input exit 2
    assert result.returncode == 1 and "fidelity gate refused" in result.stderr and not out.exists()
    assert result.stderr.strip().splitlines()[-1].startswith("error: fidelity gate refused")
    assert "Traceback" not in result.stderr


def test_corrupt_or_partial_artifact_is_refused(tiny_artifact: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_artifact, broken)
    model_file = broken / load_artifact(broken).variant("fp32").file  # type: ignore[operator]
    model_file.write_bytes(model_file.read_bytes()[:1000])
    with pytest.raises(ArtifactError, match="corrupt"):
        Reranker(broken, variant="fp32")
    partial = tmp_path / "partial"
    shutil.copytree(tiny_artifact, partial)
    (partial / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match=r"no manifest\.json"):
        Reranker(partial)
    result = run_cli("score", "--model", str(partial), "--query", "q", "doc")
    assert result.returncode == 2 and "no manifest.json" in result.stderr and "Traceback" not in result.stderr


def test_existing_output_needs_overwrite(tiny_model_dir: Path, tiny_artifact: Path) -> None:
    with pytest.raises(ExportError, match="not empty"):
        export_model(ExportConfig(model=str(tiny_model_dir), out_dir=tiny_artifact, quantization="none"))


def test_interrupted_export_leaves_nothing_loadable(tiny_model_dir: Path, tmp_path: Path) -> None:
    """Kill the exporter mid-way: the target folder must not exist or must not load."""
    import signal
    import time

    out = tmp_path / "killed"
    process = subprocess.Popen(
        [*CLI, "export", str(tiny_model_dir), "--out", str(out), "--max-length", "64"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging_seen = False
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if any(p.name.startswith(".killed.partial") and (p / "model.onnx").exists() for p in tmp_path.iterdir()):
            staging_seen = True
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait(timeout=30)
    assert staging_seen, "export finished before it could be interrupted"
    assert not out.exists()
    with pytest.raises(ArtifactError):
        Reranker(out)


def test_query_too_long_is_a_clear_error(tiny_artifact: Path) -> None:
    from plugin_bridge import InputError

    with pytest.raises(InputError, match="query is"):
        Reranker(tiny_artifact).score("word " * 400, ["doc"])


def test_long_document_truncation_is_reported_and_chunking_aggregates(tiny_artifact: Path) -> None:
    reranker = Reranker(tiny_artifact)
    long_doc = "paris is the capital of france. " * 80
    plain = reranker.score_detailed("capital", [long_doc, "short"])
    assert plain.truncated == [True, False]
    chunked = reranker.score_detailed("capital", [long_doc, "short"], chunking=True, aggregation="max")
    assert chunked.chunks[0] > 1 and chunked.chunks[1] == 1 and chunked.truncated == [False, False]
    first = reranker.score_detailed("capital", [long_doc], chunking=True, aggregation="first")
    assert first.scores[0] == pytest.approx(plain.scores[0], abs=1e-6)
    mean = reranker.score_detailed("capital", [long_doc], chunking=True, aggregation="mean")
    assert min(first.scores[0], chunked.scores[0]) <= chunked.scores[0]
    assert mean.scores[0] <= chunked.scores[0] + 1e-9


def test_embedding_export_handles_long_texts(tmp_path: Path) -> None:
    from tiny_model import build_tiny_cross_encoder

    from plugin_bridge.embedder import Embedder

    encoder = build_tiny_cross_encoder(tmp_path / "encoder", base_encoder=True)
    out = tmp_path / "embedder"
    export_model(ExportConfig(model=str(encoder), out_dir=out, task="embedding", max_length=64, quantization="none"))
    embedder = Embedder(out)
    vectors = embedder.embed(["short text", "paris france capital " * 200])  # the second is cut to 64 tokens
    assert vectors.shape == (2, embedder.dim)
    assert abs(float((vectors**2).sum(axis=1)[1]) - 1.0) < 1e-5


def test_chunking_stride_adapts_to_long_queries_and_short_max_lengths(tiny_artifact: Path) -> None:
    reranker = Reranker(tiny_artifact)  # max length 128, stride 32
    long_query = "capital of france " * 30  # ~90 tokens: leaves less than 2x the stride for the document
    detail = reranker.score_detailed(long_query, ["paris " * 200], chunking=True)
    assert detail.chunks[0] > 1 and len(detail.scores) == 1
    from plugin_bridge.tokenization import PairTokenizer

    tiny = PairTokenizer(tiny_artifact / "tokenizer.json", max_length=20)
    encoded = tiny.encode("capital", ["paris is the capital of france " * 5], chunking=True)
    assert encoded.chunks_per_document[0] > 1 and all(p.length <= 20 for p in encoded.pairs)


def test_score_cli_names_the_bad_jsonl_line(tiny_artifact: Path, tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"query": "q", "documents": ["a"]}\n{"query": "q", "documents": "not a list"}\n')
    result = run_cli("score", "--model", str(tiny_artifact), "--input", str(path), "--json")
    assert result.returncode == 2 and "line 2" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 1  # the good line was scored first


def test_calibration_file_errors_name_the_line(tiny_model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "calibration.jsonl"
    path.write_text('{"query": "q", "documents": ["a", "b"]}\nnot json\n')
    with pytest.raises(ExportError, match="line 2: not valid JSON"):
        export_model(
            ExportConfig(
                model=str(tiny_model_dir), out_dir=tmp_path / "out", quantization="none", calibration_file=path
            )
        )
    assert not (tmp_path / "out").exists()
