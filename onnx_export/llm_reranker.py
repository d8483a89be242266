"""LLM rerankers (Qwen3-Reranker style) as one-logit cross-encoders, so they fit the usual artifact contract.

A causal LM judges a pair inside a chat prompt; its published score is P("yes") of a softmax over
the "yes" and "no" logits of the token after the prompt, i.e. sigmoid(logit(yes) - logit(no)).

Exported as is, the graph would run the LM head over the whole vocabulary at every position (for
Qwen3-0.6B a quarter of the model's work) and hand the bridge [batch, tokens, 151k] logits. Only two
rows at one position matter, and their difference is a linear map of the last hidden state. So the
model is rebuilt as its own `...ForSequenceClassification` (pooling at the last non-pad token, a
bias-free one-output head) whose head weight is W[yes] - W[no], sharing the LM's decoder weights. The
graph then has the contract of every other artifact: input_ids + attention_mask in, one logit per
pair out, sigmoid for the score. The bridge pads with the pad id the graph pools by and lays pairs
out with the prompt template the manifest records (`plugin_bridge.prompt`).

The fidelity gate scores the original causal LM the published way (prefix + formatted pair + suffix
tokenized as the reference code does, left padding, logits of the last position), so the rebuild,
the template split and the tokenizer path are all checked against the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from plugin_bridge.prompt import DOCUMENT_FIELD, QUERY_FIELD, PromptTemplate

from .errors import ExportError

_INSTRUCTION_FIELD = "{instruction}"
_TORCH_BATCH = 16


@dataclass(frozen=True)
class PromptPreset:
    """A published LLM-reranker prompt: `body` holds {instruction}, {query} and {document}, in that order."""

    name: str
    model_types: tuple[str, ...]
    prefix: str
    body: str
    suffix: str
    default_instruction: str
    yes: str
    no: str

    def template(self, instruction: str) -> PromptTemplate:
        """Split the prompt at the document for the bridge: (prefix + body up to it) | (the document).

        Whitespace before the document moves to the document side: byte-level BPE attaches a space to the
        word after it, so ": " + "Paris" tokenizes as ":" + " Paris" only if the space travels with
        the document. The gate checks the split against the prompt tokenized whole.
        """
        filled = self.body.replace(_INSTRUCTION_FIELD, instruction)
        before, after = filled.split(DOCUMENT_FIELD)
        if after:
            raise ExportError(f"prompt preset {self.name}: text after {DOCUMENT_FIELD} belongs in its suffix")
        head = before.rstrip()
        return PromptTemplate(
            name=self.name,
            query=self.prefix + head,
            document=before[len(head) :] + DOCUMENT_FIELD,
            suffix=self.suffix,
        )

    def reference_text(self, instruction: str, query: str, document: str) -> str:
        """The pair's text between prefix and suffix, as the published reference code formats it."""
        before_query, rest = self.body.replace(_INSTRUCTION_FIELD, instruction).split(QUERY_FIELD)
        between, after_document = rest.split(DOCUMENT_FIELD)
        return before_query + query + between + document + after_document


QWEN3_RERANKER = PromptPreset(
    name="qwen3-reranker",
    model_types=("qwen3",),
    prefix=(
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
        'Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
    ),
    body="<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}",
    suffix="<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
    default_instruction="Given a web search query, retrieve relevant passages that answer the query",
    yes="yes",
    no="no",
)
PRESETS = (QWEN3_RERANKER,)


def preset_for(model_type: str) -> PromptPreset | None:
    return next((preset for preset in PRESETS if model_type in preset.model_types), None)


def supported_model_types() -> list[str]:
    return sorted(t for preset in PRESETS for t in preset.model_types)


@dataclass(frozen=True)
class YesNoReranker:
    """A causal LM read as a reranker: the original model (the gate's yardstick) and how it is scored."""

    causal_model: Any
    preset: PromptPreset
    instruction: str
    yes_id: int
    no_id: int
    pad_id: int

    @property
    def template(self) -> PromptTemplate:
        return self.preset.template(self.instruction)

    def to_manifest(self) -> dict[str, Any]:
        return {
            "kind": "yes-no",
            "prompt": self.preset.name,
            "instruction": self.instruction,
            "yes_token": {"text": self.preset.yes, "id": self.yes_id},
            "no_token": {"text": self.preset.no, "id": self.no_id},
            "logit": "logit(yes) - logit(no) at the last non-pad token (sigmoid: P(yes) of softmax over yes/no)",
            "graph_head": "sequence classifier with head weight W[yes] - W[no], pooled at the last non-pad token",
        }


def _single_token(tokenizer: Any, text: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False)
    if len(ids) != 1:
        raise ExportError(
            f"the tokenizer splits the answer '{text}' into {len(ids)} tokens; a yes/no reranker needs one"
        )
    return int(ids[0])


def as_sequence_classifier(
    causal_model: Any, tokenizer: Any, preset: PromptPreset, instruction: str | None
) -> tuple[Any, YesNoReranker]:
    """The causal LM as a one-logit sequence classifier sharing its weights, plus its scoring description."""
    import copy

    import torch
    from transformers import AutoModelForSequenceClassification

    yes_id, no_id = _single_token(tokenizer, preset.yes), _single_token(tokenizer, preset.no)
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        raise ExportError("the tokenizer names no pad token; the exported graph finds each pair's last token by it")
    template = preset.template(instruction or preset.default_instruction)
    if pad_id in tokenizer.encode(template.suffix, add_special_tokens=False):
        raise ExportError("the prompt's suffix contains the pad token; the last real token could not be found")
    config = copy.deepcopy(causal_model.config)
    config.num_labels = 1
    config.pad_token_id = int(pad_id)
    config.architectures = [type(causal_model).__name__.replace("ForCausalLM", "ForSequenceClassification")]
    try:
        with torch.device("meta"):  # skeleton only: the decoder is the causal LM's own, shared, not copied
            classifier = AutoModelForSequenceClassification.from_config(config)
    except ValueError as exc:
        raise ExportError(f"transformers has no sequence-classification class for {config.model_type}") from exc
    prefix = causal_model.base_model_prefix
    if getattr(classifier, "base_model_prefix", None) != prefix or not hasattr(classifier, "score"):
        raise ExportError(f"{type(classifier).__name__} is not laid out as decoder + score head; cannot rebuild it")
    setattr(classifier, prefix, getattr(causal_model, prefix))
    lm_head = causal_model.get_output_embeddings().weight
    head = torch.nn.Linear(lm_head.shape[1], 1, bias=False, dtype=lm_head.dtype)
    with torch.no_grad():
        head.weight.copy_((lm_head[yes_id] - lm_head[no_id]).unsqueeze(0))
    classifier.score = head
    if any(p.is_meta for p in classifier.parameters()):
        raise ExportError(f"{type(classifier).__name__} has parts beyond decoder + score; cannot rebuild it")
    classifier.eval()
    scoring = YesNoReranker(
        causal_model=causal_model.eval(),
        preset=preset,
        instruction=instruction or preset.default_instruction,
        yes_id=yes_id,
        no_id=no_id,
        pad_id=int(pad_id),
    )
    return classifier, scoring


def reference_logits(
    reranker: YesNoReranker, hf_tokenizer: Any, groups: list[tuple[str, list[str]]], max_length: int
) -> list[np.ndarray]:
    """logit(yes) - logit(no) of the original causal LM, tokenized and padded as the published code does."""
    import torch

    preset = reranker.preset
    prefix = hf_tokenizer.encode(preset.prefix, add_special_tokens=False)
    suffix = hf_tokenizer.encode(preset.suffix, add_special_tokens=False)
    room = max_length - len(prefix) - len(suffix)
    out = []
    for query, documents in groups:
        logits = []
        for start in range(0, len(documents), _TORCH_BATCH):
            texts = [reranker_text(reranker, query, doc) for doc in documents[start : start + _TORCH_BATCH]]
            body = hf_tokenizer(texts, truncation="longest_first", max_length=room, add_special_tokens=False)
            rows = [prefix + ids + suffix for ids in body["input_ids"]]
            width = max(len(row) for row in rows)
            ids = torch.full((len(rows), width), reranker.pad_id, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for i, row in enumerate(rows):  # left padding, as the reference code uses
                ids[i, width - len(row) :] = torch.tensor(row)
                mask[i, width - len(row) :] = 1
            with torch.inference_mode():
                last = reranker.causal_model(input_ids=ids, attention_mask=mask).logits[:, -1, :].float()
            logits.append((last[:, reranker.yes_id] - last[:, reranker.no_id]).double().numpy())
        out.append(np.concatenate(logits))
    return out


def reranker_text(reranker: YesNoReranker, query: str, document: str) -> str:
    return reranker.preset.reference_text(reranker.instruction, query, document)
