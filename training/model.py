"""Build the model to train: a standard HF sequence classifier (num_labels=1), optionally shallower.

A standard head is deliberate: the exporter, the fidelity gate and the bridge all take any
`AutoModelForSequenceClassification` folder, so the trained model ships like a hub cross-encoder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel
from transformers.utils import logging as hf_logging

HEAD_PREFIXES = ("classifier.", "score.", "pre_classifier.")


class ModelError(ValueError):
    """The base model cannot be loaded or cut as asked."""


def evenly_spaced(total: int, keep: int) -> list[int]:
    """Indices of `keep` layers spread over `total`, always keeping the first and last layer."""
    if keep >= total:
        return list(range(total))
    if keep == 1:
        return [total - 1]
    return sorted({round(i * (total - 1) / (keep - 1)) for i in range(keep)})


def _layer_list(model: PreTrainedModel) -> tuple[Any, str]:
    base = getattr(model, model.base_model_prefix, model)
    for owner_name, attr in (("encoder", "layer"), ("transformer", "layer"), ("encoder", "layers")):
        owner = getattr(base, owner_name, None)
        layers = getattr(owner, attr, None)
        if isinstance(layers, torch.nn.ModuleList):
            return owner, attr
    raise ModelError(f"--layers: cannot find the encoder layer list of a {type(model).__name__}")


def shrink(model: PreTrainedModel, keep: int) -> list[int]:
    """Keep `keep` evenly spaced encoder layers in place; the config is updated so it saves and reloads."""
    owner, attr = _layer_list(model)
    layers = getattr(owner, attr)
    if keep > len(layers):
        raise ModelError(f"--layers {keep} is more than the base model's {len(layers)} layers")
    kept = evenly_spaced(len(layers), keep)
    setattr(owner, attr, torch.nn.ModuleList([layers[i] for i in kept]))
    for key in ("num_hidden_layers", "n_layers", "num_layers"):
        if hasattr(model.config, key):
            setattr(model.config, key, keep)
    return kept


def reset_pooler(model: PreTrainedModel) -> bool:
    """Start a BERT-style pooler (dense + tanh over [CLS]) at identity; returns whether there was one.

    Sentence-transformers checkpoints never train the pooler: in all-MiniLM-L6-v2 its outputs are
    about 0.06 in magnitude whatever the input, so the new classifier sees almost nothing and almost
    no gradient reaches the body (the listwise loss stays at ln(k+1)). At identity, tanh([CLS])
    passes the [CLS] vector through, and the architecture stays a stock sequence classifier.
    """
    base = getattr(model, model.base_model_prefix, model)
    dense = getattr(getattr(base, "pooler", None), "dense", None)
    if not isinstance(dense, torch.nn.Linear) or dense.in_features != dense.out_features:
        return False
    with torch.no_grad():
        dense.weight.copy_(torch.eye(dense.in_features))
        dense.bias.zero_()
    return True


def load_base(
    base: str, layers: int | None, pooler_identity: bool = False
) -> tuple[PreTrainedModel, Any, list[int] | None]:
    """Load `base` (a local HF folder) as a 1-logit sequence classifier and its fast tokenizer."""
    if not Path(base).is_dir():
        raise ModelError(f"--base {base}: not a local Hugging Face model folder (hub downloads are not used)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(base, use_fast=True)
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # "some weights are newly initialized" is expected: the head is new
        try:
            model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
        finally:
            hf_logging.set_verbosity(verbosity)
    except (OSError, ValueError) as exc:
        raise ModelError(f"--base {base}: cannot load as a sequence classifier ({str(exc).splitlines()[0]})") from exc
    if not tokenizer.is_fast:
        raise ModelError(f"--base {base}: needs a fast tokenizer (tokenizer.json) for the bridge")
    kept = shrink(model, layers) if layers is not None else None
    if pooler_identity:
        reset_pooler(model)
    return model, tokenizer, kept


def parameter_groups(model: torch.nn.Module, lr: float, head_lr: float, weight_decay: float) -> list[dict[str, Any]]:
    """The new head learns at `head_lr`, the pretrained body at `lr`; no decay on biases and norms.

    A freshly initialised head with the body's small learning rate barely moves in one epoch, which
    is one reason the plain recipe did not learn on SciFact.
    """
    groups: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        is_head = name.startswith(HEAD_PREFIXES)
        decay = param.ndim > 1
        groups.setdefault((is_head, decay), []).append(param)
    return [
        {"params": params, "lr": head_lr if is_head else lr, "weight_decay": weight_decay if decay else 0.0}
        for (is_head, decay), params in groups.items()
    ]
