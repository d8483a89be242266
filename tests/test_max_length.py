"""The max length an export uses: what the model can embed by default, a larger request refused (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from onnx_export.errors import ExportError
from onnx_export.max_length import LengthLimits, choose_max_length, model_limit, tokenizer_limit

REPO = Path(__file__).resolve().parents[1]


def test_model_limits_per_position_scheme() -> None:
    assert model_limit({"model_type": "bert", "max_position_embeddings": 128})[0] == 128
    # RoBERTa / XLM-R positions start after the pad id: 514 embeddings with pad 1 hold 512 tokens
    assert model_limit({"model_type": "xlm-roberta", "max_position_embeddings": 514, "pad_token_id": 1})[0] == 512
    assert model_limit({"model_type": "xlm-roberta", "max_position_embeddings": 8194, "pad_token_id": 1})[0] == 8192
    # DeBERTa-v3 has relative positions only: no table bounds it
    assert (
        model_limit({"model_type": "deberta-v2", "max_position_embeddings": 512, "position_biased_input": False})[0]
        is None
    )
    assert model_limit({"model_type": "deberta-v2", "max_position_embeddings": 512})[0] == 512
    assert model_limit({"model_type": "gpt2", "n_positions": 1024})[0] == 1024
    assert tokenizer_limit({"model_max_length": 1000000000000000019884624838656}) is None  # "no limit"
    assert tokenizer_limit({"model_max_length": 256}) == 256 and tokenizer_limit({}) is None


def test_default_is_the_smallest_limit_and_says_why() -> None:
    small = LengthLimits(model=128, model_reason="128 position embeddings", tokenizer=512)
    assert choose_max_length(small, None, "m") == (
        128,
        "max length 128 (the model's limit: 128 position embeddings; --max-length sets it)",
    )
    long = LengthLimits(model=8192, model_reason="8192 position embeddings", tokenizer=8192)
    assert choose_max_length(long, None, "m")[0] == 512  # the default caps long-context models
    trained_short = LengthLimits(model=512, model_reason="512 position embeddings", tokenizer=256)
    assert choose_max_length(trained_short, None, "m")[0] == 256
    # an explicit value above the tokenizer's declared length but within the model's table is allowed, noted
    chosen, why = choose_max_length(trained_short, 384, "m")
    assert chosen == 384 and "model_max_length 256" in why


def test_request_beyond_the_position_table_is_refused() -> None:
    limits = LengthLimits(model=128, model_reason="128 position embeddings", tokenizer=512)
    with pytest.raises(ExportError, match=r"--max-length 512 is more than m supports: 128 tokens"):
        choose_max_length(limits, 512, "m")
    assert choose_max_length(limits, 128, "m")[0] == 128


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rescore_cli", "export", *args], capture_output=True, text=True, cwd=REPO, timeout=600
    )


def test_cli_defaults_to_the_models_128_positions_and_refuses_512(tmp_path: Path) -> None:
    """The issue's case: a BERT with max_position_embeddings 128 once ended in a PyTorch traceback."""
    from tiny_model import build_tiny_cross_encoder

    model = build_tiny_cross_encoder(tmp_path / "bert128", max_position_embeddings=128)
    calibration = tmp_path / "calibration.jsonl"
    long_document = "the ocean tide follows the moon " * 60  # 300+ tokens: would overflow 128 positions
    calibration.write_text(json.dumps({"query": "tide", "documents": [long_document, "moon", "cats", "a b c"]}) + "\n")

    refused = _cli(str(model), "--out", str(tmp_path / "refused"), "--max-length", "512")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"error: --max-length 512 is more than {model} supports: 128 tokens (128 position embeddings); "
        "pass --max-length 128 or less, or leave it out"
    ]
    assert not (tmp_path / "refused").exists()

    out = tmp_path / "artifact"
    common = ["--quantization", "none", "--optimization", "none", "--calibration", str(calibration)]
    result = _cli(str(model), "--out", str(out), *common)
    assert result.returncode == 0, result.stderr
    assert "max length 128 (the model's limit: 128 position embeddings" in " ".join(result.stderr.split())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["max_length"] == 128
    assert manifest["max_length_limits"] == {"chosen": 128, "origin": "default", "model": 128, "tokenizer": 512}
    from plugin_bridge import Reranker

    detail = Reranker(out).score_detailed("tide", [long_document])
    assert detail.truncated == [True]  # served at the model's length, the cut reported
