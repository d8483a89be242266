"""`rescore-bridge train` on a tiny random BERT and synthetic judgments: loss falls, resume, export."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402
from tiny_model import build_tiny_cross_encoder  # noqa: E402

from search_cluster.beir import load_judgments, load_run  # noqa: E402
from training.cli import train  # noqa: E402
from training.export import ffn_nodes  # noqa: E402
from training.first_stage import from_files  # noqa: E402
from training.loop import group_loss  # noqa: E402
from training.model import evenly_spaced, load_base  # noqa: E402
from training.pairs import mine_groups, split_queries  # noqa: E402

TOPICS = ["cat", "dog", "paris", "python", "ocean", "moon", "coffee", "sleep", "vitamin", "bone", "tower", "sky"]
FILLER = ["the", "a", "of", "in", "is", "with", "for", "on"]


def _write_collection(folder: Path) -> dict[str, Path]:
    """Queries about a topic; the relevant document says "answer" (an easy cue the model must learn)."""
    rng = random.Random(0)
    corpus, queries, qrels, run = [], [], ["query-id\tcorpus-id\tscore"], []
    for q, topic in enumerate(TOPICS):
        queries.append({"_id": f"q{q}", "text": f"what is the {topic}"})
        docs = [f"d{q}-{i}" for i in range(8)]
        for i, doc in enumerate(docs):
            words = [topic] * 2 + rng.sample(FILLER, 4) + (["answer", "relevance"] if i == 0 else ["ranking"])
            rng.shuffle(words)
            corpus.append({"_id": doc, "title": topic, "text": " ".join(words)})
        qrels.append(f"q{q}\t{docs[0]}\t1")
        ranked = docs[1:3] + docs[:1] + docs[3:]  # the first stage puts the positive third
        run += [f"q{q} Q0 {doc} {r} {10.0 - r} bm25" for r, doc in enumerate(ranked, start=1)]
    paths = {name: folder / name for name in ("corpus.jsonl", "queries.jsonl", "train.tsv", "eval.tsv", "run.trec")}
    paths["corpus.jsonl"].write_text("".join(json.dumps(d) + "\n" for d in corpus))
    paths["queries.jsonl"].write_text("".join(json.dumps(d) + "\n" for d in queries))
    paths["train.tsv"].write_text("\n".join(qrels[:10]) + "\n")  # header + q0..q8 train
    paths["eval.tsv"].write_text("\n".join([qrels[0], *qrels[10:]]) + "\n")  # q9..q11 held out
    paths["run.trec"].write_text("\n".join(run) + "\n")
    return paths


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("train-data")
    paths = _write_collection(folder)
    text = " ".join(p.read_text() for p in paths.values())
    paths["base"] = build_tiny_cross_encoder(folder / "base", seed=1, extra_text=text)
    return paths


def _args(paths: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "--base", str(paths["base"]), "--queries", str(paths["queries.jsonl"]), "--qrels", str(paths["train.tsv"]),
        "--run", str(paths["run.trec"]), "--corpus", str(paths["corpus.jsonl"]), "--out", str(out),
        "--negatives", "3", "--negative-pool", "7", "--queries-per-step", "2", "--val-fraction", "0.25",
        "--val-depth", "8", "--lr", "3e-3", "--head-lr", "1e-2", "--max-length", "64", "--threads", "2",
        "--patience", "100", *extra,
    ]  # fmt: skip


def _fixed_loss(model_dir: Path, paths: dict[str, Path], loss: str = "listwise") -> float:
    """Loss of the model on all training groups (epoch 0), in eval mode: no dropout noise."""
    judgments = load_judgments(paths["queries.jsonl"], paths["train.tsv"])
    stage = from_files(paths["run.trec"], paths["corpus.jsonl"], set(judgments.queries), 100)
    groups, _ = mine_groups(
        sorted(judgments.queries), judgments.queries, judgments.qrels, stage.run, stage.documents, 3, 7, 0, 42
    )
    model, tokenizer, _ = load_base(str(model_dir), None)
    model.eval()
    with torch.no_grad():
        return float(group_loss(model, tokenizer, groups, loss, 64))


def test_loss_falls_and_resume_continues(setup: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    first = runner.invoke(train, _args(setup, out, "--max-steps", "12", "--eval-every", "6", "--no-export"))
    assert first.exit_code == 0, first.output
    state = json.loads((out / "checkpoint" / "trainer_state.json").read_text())["state"]
    assert state["step"] == 12 and len(state["losses"]) == 12
    assert "plan: 12 steps" in first.output  # the time estimate is printed before training

    resumed = runner.invoke(
        train, _args(setup, out, "--max-steps", "40", "--eval-every", "14", "--no-export", "--resume")
    )
    assert resumed.exit_code == 0, resumed.output
    assert "resumed from" in resumed.output and "at step 12" in resumed.output
    after = json.loads((out / "checkpoint" / "trainer_state.json").read_text())["state"]
    assert after["step"] == 40 and after["losses"][:12] == state["losses"]

    # the model really learned: the loss on the training groups fell well below the untrained model's
    before, trained = _fixed_loss(setup["base"], setup), _fixed_loss(out / "checkpoint", setup)
    assert trained < 0.7 * before, (before, trained)

    again = runner.invoke(train, _args(setup, out, "--max-steps", "2", "--no-export"))
    assert again.exit_code != 0 and "--resume" in again.output  # never silently overwrite a checkpoint


def test_bce_loss_trains(setup: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "bce"
    result = CliRunner().invoke(train, _args(setup, out, "--max-steps", "30", "--loss", "bce", "--no-export"))
    assert result.exit_code == 0, result.output
    before, trained = _fixed_loss(setup["base"], setup, "bce"), _fixed_loss(out / "checkpoint", setup, "bce")
    assert trained < 0.7 * before, (before, trained)


def test_student_trains_exports_and_evaluates(setup: dict[str, Path], tmp_path: Path) -> None:
    pytest.importorskip("onnx_export")
    out = tmp_path / "student"
    args = _args(setup, out, "--max-steps", "20", "--eval-every", "10", "--layers", "1")
    result = CliRunner().invoke(train, [*args, "--eval-qrels", str(setup["eval.tsv"])])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["kept_layers"] == [1]
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["num_hidden_layers"] == 1 and len(config["id2label"]) == 1
    manifest = json.loads((out / "artifact" / "manifest.json").read_text())
    assert manifest["task"] == "cross-encoder" and "fp32" in manifest["variants"]
    # the int8 retry keeps these nodes in fp32: their names must exist in the exporter's graph
    onnx = pytest.importorskip("onnx")
    graph_nodes = {node.name for node in onnx.load(str(out / "artifact" / "model.onnx")).graph.node}
    wanted = ffn_nodes(out / "model")
    assert len(wanted) == 2 and set(wanted) <= graph_nodes
    rows = {row["system"]: row for row in report["evaluation"]}
    first_stage = rows.pop("first stage alone")
    assert first_stage["mrr@10"] == pytest.approx(1 / 3)  # the positive is third in every first-stage list
    assert rows and all(0.0 <= row["ndcg@10"] <= 1.0 and row["pairs"] == 3 * 8 for row in rows.values())


def test_evenly_spaced_layers() -> None:
    assert evenly_spaced(6, 3) == [0, 2, 5] or evenly_spaced(6, 3) == [0, 3, 5]
    assert evenly_spaced(6, 2) == [0, 5]
    assert evenly_spaced(6, 6) == list(range(6))
    assert evenly_spaced(12, 4) == [0, 4, 7, 11]


def test_mining_excludes_judged_positives_and_split_is_disjoint(setup: dict[str, Path]) -> None:
    judgments = load_judgments(setup["queries.jsonl"], setup["train.tsv"])
    stage = from_files(setup["run.trec"], setup["corpus.jsonl"], set(judgments.queries), 100)
    train_ids, val_ids = split_queries(sorted(judgments.queries), 0.25, seed=3)
    assert not set(train_ids) & set(val_ids) and len(train_ids) + len(val_ids) == len(judgments.queries)
    groups, stats = mine_groups(train_ids, judgments.queries, judgments.qrels, stage.run, stage.documents, 3, 7, 1, 5)
    assert stats.groups == len(train_ids) == len(groups)
    for group in groups:
        assert "answer" in group.positive and len(group.negatives) == 4
        assert not any("answer" in negative for negative in group.negatives[:3])  # hard ones: never judged relevant
        assert group.positive not in group.negatives


def test_bad_inputs_give_one_line_errors(setup: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        train, [*_args(setup, tmp_path / "x", "--no-export"), "--qrels", str(tmp_path / "nope.tsv")]
    )
    assert missing.exit_code != 0 and "file not found" in missing.output and "Traceback" not in missing.output
    bad_run = tmp_path / "bad.trec"
    bad_run.write_text("q0 Q0 d0-0 1\n")
    bad = runner.invoke(train, [*_args(setup, tmp_path / "y", "--no-export"), "--run", str(bad_run)])
    assert bad.exit_code != 0 and "expected 6 columns" in bad.output
    no_stage = runner.invoke(
        train,
        [
            "--base",
            str(setup["base"]),
            "--queries",
            str(setup["queries.jsonl"]),
            "--qrels",
            str(setup["train.tsv"]),
            "--out",
            str(tmp_path / "z"),
        ],
    )
    assert no_stage.exit_code == 2 and "--index NAME, or --run FILE" in no_stage.output
    assert load_run(setup["run.trec"])["q0"][2][0] == "d0-0"
    unknown_variant = runner.invoke(train, [*_args(setup, tmp_path / "w", "--no-export"), "--eval-variants", "int4"])
    assert unknown_variant.exit_code == 2 and "--eval-variants must name" in unknown_variant.output
