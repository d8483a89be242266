"""The graphs onnxruntime actually runs on CPU: fusions whose CPU kernels are slow stay unfused."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnxruntime.quantization import QuantType, quantize_dynamic

from plugin_bridge.session import CPU_DISABLED_OPTIMIZERS, OnnxModel


def op_counts(path: Path) -> Counter[str]:
    return Counter(node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node)


def feed(batch: int = 3, length: int = 40) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "input_ids": rng.integers(5, 90, (batch, length)).astype(np.int64),
        "attention_mask": np.ones((batch, length), np.int64),
        "token_type_ids": np.zeros((batch, length), np.int64),
    }


def test_exported_cpu_graph_is_fused_except_the_slow_cpu_kernels(tiny_artifact: Path) -> None:
    ops = op_counts(tiny_artifact / "model_optimized.onnx")
    assert ops["Attention"] > 0  # the optimizer did run
    assert ops["SkipLayerNormalization"] == 0 and ops["BiasGelu"] == 0
    assert ops["LayerNormalization"] > 0 and ops["Gelu"] > 0


def test_cpu_session_skips_the_fusion_and_scores_do_not_change(tiny_artifact: Path, tmp_path: Path) -> None:
    # onnxruntime fuses at load time where a bias-free Add feeds LayerNormalization: in int8 graphs, whose
    # MatMulIntegerToFloat absorbs the bias (the tiny model's own int8 may be refused by the gate)
    source = tmp_path / "int8.onnx"
    quantize_dynamic(tiny_artifact / "model.onnx", source, per_channel=True, weight_type=QuantType.QInt8)
    bridge = OnnxModel(source, "cpu", optimized_model_path=tmp_path / "bridge.onnx")
    stock = OnnxModel(source, "cpu", disabled_optimizers=(), optimized_model_path=tmp_path / "stock.onnx")
    assert bridge.disabled_optimizers == CPU_DISABLED_OPTIMIZERS
    # without the switch onnxruntime would fuse Add + LayerNormalization here; with it, it does not
    assert op_counts(tmp_path / "stock.onnx")["SkipLayerNormalization"] > 0
    assert op_counts(tmp_path / "bridge.onnx")["SkipLayerNormalization"] == 0
    batch = feed()
    np.testing.assert_allclose(bridge.run(batch), stock.run(batch), atol=1e-5)


def test_int8_from_the_fused_graph_uses_qattention(tiny_artifact: Path, tmp_path: Path) -> None:
    from onnx_export import ExportConfig
    from onnx_export.convert import OPTIMIZED_FILE, int8_source_file, quantize_int8

    config = ExportConfig(model="unused", out_dir=tmp_path / "unused")
    assert int8_source_file(config) == OPTIMIZED_FILE
    shutil.copy(tiny_artifact / OPTIMIZED_FILE, tmp_path / OPTIMIZED_FILE)
    ops = op_counts(tmp_path / quantize_int8(config, tmp_path, OPTIMIZED_FILE))
    assert ops["QAttention"] > 0 and ops["Attention"] == 0
    # and it runs on the bridge's CPU session, scoring close to the fp32 graph it came from
    fp32 = OnnxModel(tiny_artifact / OPTIMIZED_FILE, "cpu").run(feed())
    int8 = OnnxModel(tmp_path / "model_int8.onnx", "cpu").run(feed())
    assert np.abs(int8 - fp32).max() < 0.1 * np.abs(fp32).max()


def test_int8_source_graph_choice() -> None:
    from onnx_export import ExportConfig
    from onnx_export.convert import FP32_FILE, int8_source_file

    assert int8_source_file(ExportConfig(model="m", out_dir=Path("o"), quant_source="plain")) == FP32_FILE
    assert int8_source_file(ExportConfig(model="m", out_dir=Path("o"), optimization=None)) == FP32_FILE


def test_unknown_excluded_node_is_an_error(tiny_artifact: Path, tmp_path: Path) -> None:
    from onnx_export import ExportConfig
    from onnx_export.convert import OPTIMIZED_FILE, quantize_int8
    from onnx_export.errors import ExportError

    shutil.copy(tiny_artifact / OPTIMIZED_FILE, tmp_path / OPTIMIZED_FILE)
    config = ExportConfig(model="m", out_dir=tmp_path / "o", quant_exclude_nodes=("/bert/no/such/MatMul",))
    with pytest.raises(ExportError, match="/bert/no/such/MatMul"):
        quantize_int8(config, tmp_path, OPTIMIZED_FILE)


@pytest.mark.filterwarnings("ignore:Specified provider 'CUDAExecutionProvider'")
def test_sessions_that_may_use_cuda_keep_every_rewrite(tiny_artifact: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import plugin_bridge.session as session

    # onnxruntime without CUDA warns and runs such a session on the CPU, which is all this needs
    monkeypatch.setattr(session, "resolve_providers", lambda provider: [session._CUDA, session._CPU])
    assert OnnxModel(tiny_artifact / "model.onnx", "auto").disabled_optimizers == ()
