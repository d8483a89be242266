"""Export -> fidelity gate -> serve for today's reranker architectures, on tiny random models built here.

XLM-RoBERTa (bge-reranker-v2-m3), ModernBERT (gte-reranker-modernbert), DeBERTa-v2 (mxbai-rerank-v1),
ELECTRA (ms-marco-electra) and a Qwen3 causal LM scored by its yes/no logits (Qwen3-Reranker). Every
artifact is served by one real bridge process over HTTP, and its scores are held to the original
PyTorch model, scored pair by pair (no padding at all) as the published reference code does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tiny_architectures import BUILDERS

from onnx_export import ExportConfig, export_model
from onnx_export.errors import ExportError
from plugin_bridge import Reranker
from plugin_bridge.artifact import load_artifact
from plugin_bridge.tokenization import PairTokenizer

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURES = sorted(BUILDERS)
# which graphs declare token_type_ids: BERT-style segment embeddings only where the model has them
TOKEN_TYPES = {"xlm-roberta": False, "modernbert": False, "deberta-v2": False, "electra": True, "qwen3": False}
EXPORTED_BY_CLI = "qwen3"  # one export through the command line, to check what it prints
QUERY = "how does bm25 rank documents"
DOCUMENTS = [
    "BM25 scores documents by term frequency saturated with k1 and length normalised with b.",
    "The Eiffel Tower is a wrought-iron lattice tower in Paris.",
    "bm25",
    "Vector search finds nearest neighbours of an embedding in a high-dimensional space. " * 3,
    "",
]
LONG_DOCUMENT = "the ocean tide follows the moon and the sun. " * 60


@dataclass(frozen=True)
class Exported:
    source: Path
    artifact: Path
    log: str

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(json.loads((self.artifact / "manifest.json").read_text()))


def _short_calibration(path: Path) -> Path:
    """4 queries x 24 short pooled documents: enough for Spearman and top-10, seconds to score."""
    rows = [json.loads(line) for line in (REPO / "onnx_export/data/calibration.jsonl").read_text().splitlines()]
    pool = [doc for row in rows for doc in row["documents"] if len(doc.split()) <= 30][:24]
    path.write_text("".join(json.dumps({"query": row["query"], "documents": pool}) + "\n" for row in rows[:4]))
    return path


@pytest.fixture(scope="session")
def architecture_artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exported]:
    root = tmp_path_factory.mktemp("architectures")
    calibration = _short_calibration(root / "calibration.jsonl")
    exported: dict[str, Exported] = {}
    for name in ARCHITECTURES:
        source = BUILDERS[name](root / f"{name}-hf")
        out = root / f"{name}-artifact"
        if name == EXPORTED_BY_CLI:
            args = ["export", str(source), "--out", str(out), "--calibration", str(calibration), "--allow-fallback"]
            result = subprocess.run(
                [sys.executable, "-m", "rescore_cli", *args], capture_output=True, text=True, cwd=REPO, timeout=600
            )
            assert result.returncode == 0, result.stderr
            log = result.stderr
        else:
            lines: list[str] = []
            config = ExportConfig(model=str(source), out_dir=out, calibration_file=calibration, allow_fallback=True)
            export_model(config, progress=lines.append)
            log = "\n".join(lines)
        exported[name] = Exported(source=source, artifact=out, log=log)
    return exported


@pytest.fixture(scope="session")
def architecture_bridge(
    architecture_artifacts: dict[str, Exported], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One bridge process serving every architecture's artifact, each under its architecture's name."""
    from bridge_process import BridgeProcess

    models = [(name, exported.artifact) for name, exported in architecture_artifacts.items()]
    with BridgeProcess(models, tmp_path_factory.mktemp("architecture-bridge")) as bridge:
        yield bridge.url


def original_logits(name: str, source: Path, query: str, documents: list[str]) -> np.ndarray:
    """The PyTorch model's relevance logit per document, one pair at a time as its own reference code scores.

    Written independently of the exporter: a classifier's single output, or for the Qwen3 reranker
    logit('yes') - logit('no') at the last position of the published prompt, tokenized whole.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    logits = []
    if name == "qwen3":
        model = AutoModelForCausalLM.from_pretrained(source).eval()
        yes, no = tokenizer.convert_tokens_to_ids("yes"), tokenizer.convert_tokens_to_ids("no")
        prefix = (
            "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
            'Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
        )
        suffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
        instruction = "Given a web search query, retrieve relevant passages that answer the query"
        for document in documents:
            text = f"{prefix}<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}{suffix}"
            ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)
            with torch.inference_mode():
                last = model(**ids).logits[0, -1]
            logits.append(float(last[yes] - last[no]))
    else:
        model = AutoModelForSequenceClassification.from_pretrained(source).eval()
        for document in documents:
            # a one-pair batch: given a lone "" as second text, a tokenizer encodes the query alone
            batch = tokenizer([query], [document], return_tensors="pt", truncation="only_second", max_length=512)
            with torch.inference_mode():
                logits.append(float(model(**batch).logits[0, 0]))
    return np.array(logits)


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_manifest_records_the_input_contract(name: str, architecture_artifacts: dict[str, Exported]) -> None:
    from transformers import AutoTokenizer

    exported = architecture_artifacts[name]
    manifest = exported.manifest
    expected_inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if TOKEN_TYPES[name] else [])
    assert manifest["inputs"] == expected_inputs
    assert manifest["uses_token_type_ids"] is TOKEN_TYPES[name]
    assert manifest["tokenizer"]["pad_token_id"] == AutoTokenizer.from_pretrained(exported.source).pad_token_id
    assert manifest["tokenizer"]["padding_side"] == "right"
    assert manifest["max_length"] == 512 and manifest["max_length_limits"]["origin"] == "default"
    if name == "qwen3":
        assert manifest["scoring"]["kind"] == "yes-no"
        assert manifest["scoring"]["yes_token"]["text"] == "yes" and manifest["scoring"]["no_token"]["text"] == "no"
        prompt = manifest["tokenizer"]["prompt"]
        assert prompt["name"] == "qwen3-reranker"
        assert prompt["query"].endswith("<Query>: {query}\n<Document>:") and prompt["document"] == " {document}"
        assert prompt["suffix"].startswith("<|im_end|>") and manifest["tokenizer"]["pad_token_id"] != 0
    else:
        assert manifest["scoring"]["kind"] == "sequence-classification"
        assert "prompt" not in manifest["tokenizer"]


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_gate_verdicts_and_skips_are_recorded(name: str, architecture_artifacts: dict[str, Exported]) -> None:
    manifest = architecture_artifacts[name].manifest
    variants, skipped = manifest["variants"], manifest["skipped_variants"]
    assert set(variants) | set(skipped) == {"fp32", "optimized", "int8"} and not set(variants) & set(skipped)
    for exact in ("fp32", "optimized"):
        if exact in variants:  # exact graphs reproduce the original model's logits
            assert variants[exact]["accepted"] and variants[exact]["fidelity"]["max_abs_logit_diff"] < 1e-3
    int8 = variants["int8"]
    assert int8["accepted"] == int8["fidelity"]["passed"] and isinstance(int8["fidelity"]["spearman_mean"], float)
    assert variants[manifest["default_variant"]]["accepted"]
    if name == "qwen3":  # onnxruntime's optimizer has no Qwen3 fusions: skipped, said why, int8 from the plain graph
        assert "no fusions" in skipped["optimized"] and manifest["optimization"]["status"] == "skipped"
        assert manifest["quantization"]["source_graph"] == "model.onnx"
        assert "attention_weights" not in manifest["quantization"]
    else:
        assert manifest["optimization"]["status"] == "applied" and not skipped
        has_attention = bool(manifest["optimization"]["fused_ops"].get("Attention"))
        assert ("attention_weights" in manifest["quantization"]) == has_attention


def test_cli_says_what_it_skipped_and_how_it_scores(architecture_artifacts: dict[str, Exported]) -> None:
    log = " ".join(architecture_artifacts[EXPORTED_BY_CLI].log.split())  # the console wraps long lines
    assert "max length 512" in log
    assert "scored as an LLM reranker: logit('yes') - logit('no') after the qwen3-reranker prompt" in log
    assert "optimized: skipped: onnxruntime's transformer optimizer" in log
    assert "Traceback" not in log


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_bridge_serves_the_original_models_scores(
    name: str, architecture_artifacts: dict[str, Exported], architecture_bridge: str
) -> None:
    exported = architecture_artifacts[name]
    documents = [*DOCUMENTS, LONG_DOCUMENT]
    response = httpx.post(
        architecture_bridge + "/v1/scores",
        json={"query": QUERY, "documents": documents, "model": name, "activation": "none"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["truncated"] == [len(documents) - 1]  # the long document was cut, and said so
    served = np.array(body["scores"])
    # over HTTP (padded, batched with other lengths) == in process with the same variant
    default = Reranker(exported.artifact)
    assert served == pytest.approx(default.score(QUERY, documents, activation="none"), abs=1e-5)
    # the exact graph reproduces the PyTorch model on every short document (the long one is cut differently)
    exact = Reranker(exported.artifact, variant="fp32").score(QUERY, DOCUMENTS, activation="none")
    assert exact == pytest.approx(original_logits(name, exported.source, QUERY, DOCUMENTS).tolist(), abs=1e-4)
    if default.variant.precision == "fp32":
        assert served[: len(DOCUMENTS)] == pytest.approx(exact, abs=1e-4)


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_token_type_ids_are_fed_exactly_when_the_graph_declares_them(
    name: str, architecture_artifacts: dict[str, Exported]
) -> None:
    reranker = Reranker(architecture_artifacts[name].artifact, variant="fp32")
    assert ("token_type_ids" in reranker.model.input_names) is TOKEN_TYPES[name]
    if not TOKEN_TYPES[name]:
        return
    # the graph really reads them: zeroed segment ids give other scores than the document's segment 1
    encoded = reranker.encode(QUERY, DOCUMENTS[:3])
    assert any(pair.type_ids.any() for pair in encoded.pairs)
    from plugin_bridge.tokenization import pad_batch

    feed = pad_batch(encoded.pairs, reranker.tokenizer.pad_id)
    zeroed = {**feed, "token_type_ids": np.zeros_like(feed["token_type_ids"])}
    assert not np.allclose(reranker.model.run(feed), reranker.model.run(zeroed), atol=1e-4)


@pytest.mark.parametrize("name", ["qwen3", "xlm-roberta"])
def test_chunking_keeps_the_prompt_and_special_tokens(name: str, architecture_artifacts: dict[str, Exported]) -> None:
    """Chunk windows carry the whole query side and the suffix; only the document is split."""
    reranker = Reranker(architecture_artifacts[name].artifact, variant="fp32")
    plain = reranker.score_detailed(QUERY, [LONG_DOCUMENT])
    first = reranker.score_detailed(QUERY, [LONG_DOCUMENT], chunking=True, aggregation="first")
    assert plain.truncated == [True] and first.chunks[0] > 1
    assert first.scores[0] == pytest.approx(plain.scores[0], abs=1e-6)
    encoded = reranker.encode(QUERY, [LONG_DOCUMENT], chunking=True)
    assert all(pair.length <= reranker.max_length for pair in encoded.pairs)
    tail = reranker.tokenizer.special_tokens if reranker.tokenizer.prompt is not None else 1
    assert len({tuple(pair.input_ids[-tail:].tolist()) for pair in encoded.pairs}) == 1  # same closing tokens


def test_llm_reranker_pads_with_the_manifest_pad_id(architecture_artifacts: dict[str, Exported]) -> None:
    """The graph finds each pair's last token by the pad id: padding with another id gives wrong scores."""
    artifact = load_artifact(architecture_artifacts["qwen3"].artifact)
    reranker = Reranker(artifact.root, variant="fp32")
    right = reranker.score(QUERY, DOCUMENTS, activation="none")
    wrong_pad = PairTokenizer(artifact.tokenizer_file, artifact.max_length, pad_id=0, prompt=artifact.prompt)
    reranker.tokenizer = wrong_pad
    assert not np.allclose(reranker.score(QUERY, DOCUMENTS, activation="none"), right, atol=1e-3)


def test_causal_lm_without_a_prompt_preset_is_one_clear_error(
    architecture_artifacts: dict[str, Exported], tmp_path: Path
) -> None:
    import shutil

    source = tmp_path / "llama-like"
    shutil.copytree(architecture_artifacts["qwen3"].source, source)
    config = json.loads((source / "config.json").read_text())
    (source / "config.json").write_text(
        json.dumps({**config, "model_type": "llama", "architectures": ["LlamaForCausalLM"]})
    )
    with pytest.raises(ExportError, match="yes/no rerankers for model types qwen3"):
        export_model(ExportConfig(model=str(source), out_dir=tmp_path / "out", quantization="none"))
    assert not (tmp_path / "out").exists()
