"""Tiny random rerankers of today's popular architectures, with tokenizers trained here (no hub access).

Each builder writes a Hugging Face folder (config, random weights, fast tokenizer) shaped like a
published reranker of that family, a few layers and 32 dimensions wide, so an export, its fidelity
gate and a bridge serving it take seconds:

| builder       | stands in for                          | tokenizer                     | token_type_ids |
|---------------|----------------------------------------|-------------------------------|----------------|
| `xlm-roberta` | BAAI/bge-reranker-v2-m3                | Unigram + Metaspace           | no             |
| `modernbert`  | Alibaba-NLP/gte-reranker-modernbert-base | byte-level BPE, [CLS]/[SEP] | no             |
| `deberta-v2`  | mixedbread-ai/mxbai-rerank-*-v1        | Unigram + Metaspace, [CLS]    | no (type_vocab_size 0) |
| `electra`     | cross-encoder/ms-marco-electra-base    | WordPiece                     | yes            |
| `qwen3`       | Qwen/Qwen3-Reranker-0.6B (causal LM)   | byte-level BPE, chat tokens   | no             |

Random heads give near-constant scores; each builder widens its final projection so rankings are
well defined (the gate's Spearman and top-10 checks then mean something).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tiny_model import _BASE_WORDS, _vocabulary

REPO = Path(__file__).resolve().parents[1]
_HEAD_SCALE = 20.0
_QWEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _corpus() -> list[str]:
    """Text the tiny tokenizers learn from: the calibration set plus common words, so tests stay in vocabulary."""
    lines = [" ".join(_BASE_WORDS), *(["yes", "no"] * 20)]  # LLM rerankers read "yes"/"no" as one token each
    calibration = REPO / "onnx_export" / "data" / "calibration.jsonl"
    for line in calibration.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        lines.append(record["query"])
        lines.extend(record["documents"])
    return lines


def _widen(*linears: Any) -> None:
    import torch

    with torch.no_grad():
        for linear in linears:
            linear.weight.mul_(_HEAD_SCALE)


def _unigram_tokenizer(specials: list[str], unk: str, vocab_size: int = 600) -> Any:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=specials, unk_token=unk)
    tokenizer.train_from_iterator(_corpus(), trainer)
    return tokenizer


def _byte_level_bpe(specials: list[str], vocab_size: int = 700, qwen_split: bool = False) -> Any:
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    if qwen_split:  # Qwen2/3's own pre-tokenizer: the regex split, then bytes without a prefix space
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(_QWEN_SPLIT), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(_corpus(), trainer)
    return tokenizer


def _bert_style_pairs(tokenizer: Any, cls: str, sep: str) -> None:
    from tokenizers import processors

    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}",
        pair=f"{cls} $A {sep} $B:1 {sep}:1",
        special_tokens=[(cls, tokenizer.token_to_id(cls)), (sep, tokenizer.token_to_id(sep))],
    )


def build_tiny_xlm_roberta(folder: Path, seed: int = 0) -> Path:
    """bge-reranker-v2-m3's shape: XLM-R, `<s> q </s></s> d </s>`, no token_type_ids, positions offset by pad+1."""
    import torch
    from tokenizers import processors
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification, XLMRobertaTokenizerFast

    backend = _unigram_tokenizer(["<s>", "<pad>", "</s>", "<unk>"], unk="<unk>")
    backend.add_special_tokens(["<mask>"])
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    tokenizer = XLMRobertaTokenizerFast(tokenizer_object=backend, model_max_length=512)
    config = XLMRobertaConfig(
        initializer_range=0.1,  # 5x the default: a random encoder's [CLS] then differs per pair
        vocab_size=backend.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        num_labels=1,
    )
    torch.manual_seed(seed)
    model = XLMRobertaForSequenceClassification(config)
    _widen(model.classifier.dense, model.classifier.out_proj)
    return _save(folder, model, tokenizer)


def build_tiny_modernbert(folder: Path, seed: int = 0) -> Path:
    """gte-reranker-modernbert-base's shape: ModernBERT (RoPE, local/global attention, mean pooling)."""
    import torch
    from transformers import ModernBertConfig, ModernBertForSequenceClassification, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    backend = _byte_level_bpe(specials)
    _bert_style_pairs(backend, "[CLS]", "[SEP]")
    ids = {token: backend.token_to_id(token) for token in specials}
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_input_names=["input_ids", "attention_mask"],
        model_max_length=8192,
    )
    config = ModernBertConfig(
        vocab_size=backend.get_vocab_size(),
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=3,  # layer 0 global attention, 1-2 local (window 16): both kinds are exported
        num_attention_heads=2,
        local_attention=16,
        max_position_embeddings=8192,
        pad_token_id=ids["[PAD]"],
        bos_token_id=ids["[CLS]"],
        eos_token_id=ids["[SEP]"],
        cls_token_id=ids["[CLS]"],
        sep_token_id=ids["[SEP]"],
        classifier_pooling="mean",
        reference_compile=False,
        num_labels=1,
    )
    torch.manual_seed(seed)
    model = ModernBertForSequenceClassification(config)
    _widen(model.classifier)
    return _save(folder, model, tokenizer)


def build_tiny_deberta_v2(folder: Path, seed: int = 0) -> Path:
    """mxbai-rerank-v1's shape: DeBERTa-v3 (relative positions only, type_vocab_size 0, so no token_type_ids)."""
    import torch
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2TokenizerFast

    backend = _unigram_tokenizer(["[PAD]", "[CLS]", "[SEP]", "[UNK]"], unk="[UNK]")
    backend.add_special_tokens(["[MASK]"])
    _bert_style_pairs(backend, "[CLS]", "[SEP]")
    tokenizer = DebertaV2TokenizerFast(tokenizer_object=backend, model_max_length=512)
    config = DebertaV2Config(
        initializer_range=0.1,  # 5x the default: a random encoder's [CLS] then differs per pair
        vocab_size=backend.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        type_vocab_size=0,
        position_biased_input=False,
        relative_attention=True,
        pos_att_type=["p2c", "c2p"],
        max_relative_positions=-1,
        position_buckets=32,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        pad_token_id=0,
        num_labels=1,
    )
    torch.manual_seed(seed)
    model = DebertaV2ForSequenceClassification(config)
    _widen(model.pooler.dense, model.classifier)
    return _save(folder, model, tokenizer)


def build_tiny_electra(folder: Path, seed: int = 0, max_position_embeddings: int = 512) -> Path:
    """ms-marco-electra's shape: ELECTRA discriminator with a classification head and token_type_ids."""
    import torch
    from transformers import ElectraConfig, ElectraForSequenceClassification, ElectraTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(_vocabulary(" ".join(_corpus()))) + "\n", encoding="utf-8")
    tokenizer = ElectraTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True, model_max_length=512)
    config = ElectraConfig(
        initializer_range=0.1,  # 5x the default: a random encoder's [CLS] then differs per pair
        vocab_size=tokenizer.vocab_size,
        embedding_size=16,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
        num_labels=1,
    )
    torch.manual_seed(seed)
    model = ElectraForSequenceClassification(config)
    _widen(model.classifier.dense, model.classifier.out_proj)
    return _save(folder, model, tokenizer)


def build_tiny_qwen3_reranker(folder: Path, seed: int = 0) -> Path:
    """Qwen3-Reranker's shape: a Qwen3 causal LM (GQA, tied embeddings) judged by its 'yes'/'no' logits."""
    import torch
    from transformers import Qwen2TokenizerFast, Qwen3Config, Qwen3ForCausalLM

    backend = _byte_level_bpe([], qwen_split=True)
    # after the vocabulary, as in Qwen's own: the pad token's id is then not 0, which padding must not assume
    backend.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    backend.add_tokens(["<think>", "</think>"])  # Qwen3 keeps these as plain added tokens, not special ones
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=backend,
        unk_token=None,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=131072,
    )
    for word in ("yes", "no"):
        if backend.token_to_id(word) is None:
            raise AssertionError(f"the tiny BPE vocabulary has no single token for '{word}'")
    config = Qwen3Config(
        vocab_size=backend.get_vocab_size(),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=40960,
        tie_word_embeddings=True,
        rope_theta=1_000_000.0,
        pad_token_id=backend.token_to_id("<|endoftext|>"),
        eos_token_id=backend.token_to_id("<|im_end|>"),
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config)
    with torch.no_grad():  # spread the yes/no logits (their rows of the tied embedding)
        weights = model.get_output_embeddings().weight
        for word in ("yes", "no"):
            weights[backend.token_to_id(word)].mul_(_HEAD_SCALE)
    return _save(folder, model, tokenizer)


def _save(folder: Path, model: Any, tokenizer: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model.eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


BUILDERS: dict[str, Callable[..., Path]] = {
    "xlm-roberta": build_tiny_xlm_roberta,
    "modernbert": build_tiny_modernbert,
    "deberta-v2": build_tiny_deberta_v2,
    "electra": build_tiny_electra,
    "qwen3": build_tiny_qwen3_reranker,
}
