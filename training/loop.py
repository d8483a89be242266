"""The training loop: seeded, validated, early-stopped and resumable, with progress bars.

Layout of `out_dir` while training:
  checkpoint/  the latest state (model, tokenizer, optimizer, scheduler, RNG, counters); `--resume` reads it
  model/       the best model so far on validation NDCG@10: a plain HF sequence-classification folder
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from search_cluster.beir import Judgments

from .config import TrainConfig
from .evaluate import Scorer, measure, rerank
from .first_stage import FirstStage
from .model import load_base, parameter_groups
from .pairs import Group, MiningStats, mine_groups

CHECKPOINT = "checkpoint"
BEST = "model"
STATE_FILE = "trainer_state.json"
Say = Callable[[str], None]


class TrainingError(RuntimeError):
    """Training cannot start or continue as asked."""


@dataclass
class TrainState:
    step: int = 0
    epoch: int = 0
    step_in_epoch: int = 0
    best_metric: float | None = None
    best_step: int | None = None
    bad_evals: int = 0
    stopped_early: bool = False
    losses: list[float] = field(default_factory=list)
    validations: list[dict[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class TrainResult:
    model_dir: Path
    state: TrainState
    kept_layers: list[int] | None
    first_stage_val: dict[str, float]
    seconds: float


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def torch_scorer(model: Any, tokenizer: Any, max_length: int, batch_size: int = 32) -> Scorer:
    """Relevance logits from the torch model, in the documents' order (eval mode, no grad)."""
    from onnx_export.fidelity import torch_pair_logits

    def score(query: str, documents: list[str]) -> list[float]:
        was_training = model.training
        model.eval()
        try:
            return torch_pair_logits(model, tokenizer, query, documents, max_length, batch_size).tolist()
        finally:
            model.train(was_training)

    return score


def group_loss(model: Any, tokenizer: Any, groups: Sequence[Group], loss: str, max_length: int) -> torch.Tensor:
    """Listwise: softmax cross-entropy with the positive at index 0. BCE: each pair on its own."""
    size = len(groups[0].texts)
    batch = tokenizer(
        [g.query for g in groups for _ in range(size)],
        [t for g in groups for t in g.texts],
        truncation="only_second",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )
    logits = model(**batch).logits[:, 0].view(len(groups), size)
    if loss == "listwise":
        return torch.nn.functional.cross_entropy(logits, torch.zeros(len(groups), dtype=torch.long))
    labels = torch.zeros_like(logits)
    labels[:, 0] = 1.0
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)


class Trainer:
    """Holds the model, optimizer and counters of one run; `fit` trains until done or stopped early."""

    def __init__(
        self,
        config: TrainConfig,
        judgments: Judgments,
        first_stage: FirstStage,
        train_ids: list[str],
        val_ids: list[str],
        resume: bool,
        say: Say,
    ) -> None:
        self.config = config
        self.judgments = judgments
        self.first_stage = first_stage
        self.train_ids = train_ids
        self.val_ids = val_ids
        self.say = say
        self.out = config.out_dir
        self.checkpoint = self.out / CHECKPOINT
        if config.threads:
            torch.set_num_threads(config.threads)
        seed_everything(config.seed)
        has_checkpoint = (self.checkpoint / STATE_FILE).is_file()
        if has_checkpoint and not resume:
            raise TrainingError(f"{self.out} already holds a checkpoint: pass --resume or pick a new --out")
        if resume and not has_checkpoint:
            raise TrainingError(f"--resume: no checkpoint in {self.checkpoint}")
        self.model, self.tokenizer, self.kept_layers = load_base(
            str(self.checkpoint) if resume else config.base,
            None if resume else config.layers,
            pooler_identity=config.pooler_identity and not resume,
        )
        if resume:
            saved = json.loads((self.checkpoint / STATE_FILE).read_text())
            self.kept_layers = saved.get("kept_layers")
        groups, stats = self._mine(0)
        self.groups_per_epoch = len(groups)
        if stats.positives_missing_text or stats.queries_without_negatives:
            say(
                f"mining: {stats.positives_missing_text} judged positives have no text (not in the first stage; "
                f"pass --corpus), {stats.queries_without_negatives} queries have no first-stage negative"
            )
        if self.groups_per_epoch == 0:
            raise TrainingError("no training group: no judged positive has first-stage hits to use as negatives")
        self.steps_per_epoch = math.ceil(self.groups_per_epoch / config.queries_per_step)
        # like transformers' Trainer: --max-steps, when given, overrides --epochs (cycling epochs as needed)
        self.total_steps = config.max_steps or self.steps_per_epoch * config.epochs
        self.eval_every = config.eval_every or max(1, self.steps_per_epoch // 4)
        self.optimizer = torch.optim.AdamW(parameter_groups(self.model, config.lr, config.head_lr, config.weight_decay))
        self.scheduler = get_linear_schedule_with_warmup(
            self.optimizer, int(config.warmup_ratio * self.total_steps), self.total_steps
        )
        self.state = TrainState()
        if resume:
            self._load_checkpoint()

    # data ----------------------------------------------------------------------------------------
    def _groups(self, epoch: int) -> list[Group]:
        return self._mine(epoch)[0]

    def _mine(self, epoch: int) -> tuple[list[Group], MiningStats]:
        c = self.config
        return mine_groups(
            self.train_ids,
            self.judgments.queries,
            self.judgments.qrels,
            self.first_stage.run,
            self.first_stage.documents,
            c.negatives,
            c.negative_pool,
            c.random_negatives,
            c.seed,
            epoch,
        )

    # checkpoints ---------------------------------------------------------------------------------
    def _save_model(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        self.model.save_pretrained(tmp)
        self.tokenizer.save_pretrained(tmp)
        if folder == self.checkpoint:
            torch.save(self.optimizer.state_dict(), tmp / "optimizer.pt")
            torch.save(self.scheduler.state_dict(), tmp / "scheduler.pt")
            torch.save(
                {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()},
                tmp / "rng.pt",
            )
            body = {"state": asdict(self.state), "kept_layers": self.kept_layers, "config": self.config.to_json()}
            (tmp / STATE_FILE).write_text(json.dumps(body, indent=2))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def _load_checkpoint(self) -> None:
        body = json.loads((self.checkpoint / STATE_FILE).read_text())
        self.state = TrainState(**body["state"])
        self.optimizer.load_state_dict(torch.load(self.checkpoint / "optimizer.pt", weights_only=False))
        self.scheduler.load_state_dict(torch.load(self.checkpoint / "scheduler.pt", weights_only=False))
        rng = torch.load(self.checkpoint / "rng.pt", weights_only=False)
        random.setstate(rng["python"])
        np.random.set_state(rng["numpy"])
        torch.set_rng_state(rng["torch"])
        self.say(f"resumed from {self.checkpoint} at step {self.state.step} (epoch {self.state.epoch + 1})")

    # validation ----------------------------------------------------------------------------------
    def validate(self) -> float:
        c = self.config
        scorer = torch_scorer(self.model, self.tokenizer, c.max_length)
        result = rerank(
            self.first_stage.run,
            self.judgments.queries,
            self.first_stage.documents,
            scorer,
            c.val_depth,
            self.val_ids,
            desc="validate",
        )
        metrics = measure(result.run, self.judgments.qrels)
        self.state.validations.append({"step": self.state.step, **metrics})
        ndcg = metrics["ndcg@10"]
        if self.state.best_metric is None or ndcg > self.state.best_metric:
            self.state.best_metric, self.state.best_step, self.state.bad_evals = ndcg, self.state.step, 0
            self._save_model(self.out / BEST)
            verdict = "best so far, saved"
        else:
            self.state.bad_evals += 1
            verdict = f"no gain ({self.state.bad_evals}/{c.patience})"
        self.say(f"step {self.state.step}: validation NDCG@10 {ndcg:.4f} MRR@10 {metrics['mrr@10']:.4f} -> {verdict}")
        return ndcg

    # time estimate -------------------------------------------------------------------------------
    def estimate(self, sample: Sequence[Group]) -> float:
        """Time one forward+backward on a real batch (then discard it) and print the expected duration."""
        started = time.perf_counter()
        with torch.random.fork_rng(devices=[]):  # dropout draws here must not shift the training run's RNG
            group_loss(self.model, self.tokenizer, sample, self.config.loss, self.config.max_length).backward()
        self.optimizer.zero_grad(set_to_none=True)
        per_step = time.perf_counter() - started
        remaining = self.total_steps - self.state.step
        val_pairs = len(self.val_ids) * self.config.val_depth
        per_pair = per_step / (3 * len(sample) * len(sample[0].texts))  # inference is about 1/3 of a train step
        n_vals = remaining // self.eval_every + 1
        total = remaining * per_step + n_vals * val_pairs * per_pair
        self.say(
            f"plan: {remaining} steps x {per_step:.1f}s + {n_vals} validations of {val_pairs} pairs "
            f"= about {total / 60:.1f} min on {torch.get_num_threads()} threads"
        )
        return total

    # training ------------------------------------------------------------------------------------
    def fit(self, first_stage_val: dict[str, float]) -> TrainResult:
        c = self.config
        started = time.perf_counter()
        self.model.train()
        epoch_groups = self._groups(self.state.epoch)
        self.estimate(epoch_groups[: c.queries_per_step])
        bar = tqdm(total=self.total_steps, initial=self.state.step, desc="train", unit="step")
        try:
            while self.state.step < self.total_steps and not self.state.stopped_early:
                if self.state.step_in_epoch >= self.steps_per_epoch:
                    self.state.epoch += 1
                    self.state.step_in_epoch = 0
                    epoch_groups = self._groups(self.state.epoch)
                start = self.state.step_in_epoch * c.queries_per_step
                batch = epoch_groups[start : start + c.queries_per_step]
                loss = group_loss(self.model, self.tokenizer, batch, c.loss, c.max_length)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.scheduler.step()
                self.optimizer.zero_grad(set_to_none=True)
                self.state.step += 1
                self.state.step_in_epoch += 1
                self.state.losses.append(float(loss.detach()))
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(self.state.losses[-20:]):.4f}", epoch=self.state.epoch + 1)
                if self.state.step % self.eval_every == 0 or self.state.step == self.total_steps:
                    self.validate()
                    self.state.stopped_early = self.state.bad_evals >= c.patience and self.state.step < self.total_steps
                    self.model.train()
                    self._save_model(self.checkpoint)
        except KeyboardInterrupt:
            self._save_model(self.checkpoint)
            message = f"interrupted at step {self.state.step}: checkpoint saved, continue with --resume"
            raise TrainingError(message) from None
        finally:
            bar.close()
        if self.state.stopped_early:
            self.say(f"stopped early at step {self.state.step}: no validation gain in {c.patience} validations")
        if not (self.out / BEST).is_dir():
            self.validate()
        return TrainResult(
            self.out / BEST, self.state, self.kept_layers, first_stage_val, time.perf_counter() - started
        )
