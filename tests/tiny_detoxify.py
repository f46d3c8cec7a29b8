"""Builds a tiny Detoxify-format checkpoint for tests: small BERT, trained WordPiece, seeded weights.

The directory it writes is what ``--model detoxify:DIR`` expects: one ``*.ckpt`` (a dict with
``config`` and ``state_dict``, as Detoxify's own checkpoints) beside the Hugging Face config and
tokenizer files. Weights are random (fixed seed) except for a hand-set "trigger" circuit: the
word ``idiot`` anywhere in a window drives ``toxicity`` and ``insult`` close to 1, and any text
without it scores close to 0 on those labels. That makes truncation observable: a trigger past
token 512 is missed by Detoxify's own ``predict`` and caught by windowed scoring.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

TRIGGER = "idiot"
# Detoxify's "original" class names, before its own renaming (toxic -> toxicity, ...).
ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

WORDS = [
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "if",
    "then",
    "of",
    "to",
    "in",
    "on",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "from",
    "up",
    "down",
    "out",
    "off",
    "over",
    "under",
    "again",
    "further",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "can",
    "will",
    "just",
    "should",
    "now",
    "article",
    "comment",
    "reader",
    "writer",
    "people",
    "city",
    "council",
    "vote",
    "budget",
    "school",
    "road",
    "park",
    "river",
    "bridge",
    "train",
    "bus",
    "car",
    "house",
    "home",
    "street",
    "market",
    "price",
    "money",
    "tax",
    "job",
    "work",
    "week",
    "year",
    "day",
    "night",
    "morning",
    "evening",
    "policy",
    "police",
    "report",
    "story",
    "news",
    "paper",
    "author",
    "editor",
    "agree",
    "disagree",
    "think",
    "believe",
    "know",
    "say",
    "said",
    "good",
    "bad",
    "great",
    "small",
    "large",
    "long",
    "short",
    "new",
    "old",
    "right",
    "wrong",
    "true",
    "false",
    "point",
    "fact",
    "opinion",
    "question",
    "answer",
    "thanks",
    "please",
    "sorry",
    "maybe",
    "really",
    "always",
    "never",
    "often",
    "sometimes",
    "everyone",
    "nobody",
    "somebody",
    "government",
    "mayor",
    "president",
    "minister",
    "election",
    "party",
    "plan",
    "law",
    "court",
    "judge",
    "case",
    "trial",
    "weather",
    "rain",
    "snow",
    "sun",
    "summer",
    "winter",
    "spring",
    "autumn",
    "water",
    "food",
    "coffee",
    "music",
    "film",
    "book",
    "game",
    "team",
    "player",
    "coach",
    "season",
    "win",
    "lose",
    "score",
    "goal",
    "match",
    "fans",
    "stadium",
    "ticket",
    "crowd",
]


def filler(n_words: int, seed: int = 0) -> str:
    """Neutral English-looking text of about ``n_words`` words (never contains the trigger)."""
    rng = random.Random(seed)
    sentences = []
    count = 0
    while count < n_words:
        k = rng.randint(6, 14)
        words = [rng.choice(WORDS) for _ in range(k)]
        sentences.append(" ".join(words).capitalize() + ".")
        count += k
    return " ".join(sentences)


def _corpus() -> list[str]:
    lines = [filler(40, seed=i) for i in range(200)]
    lines += [f"you are an {TRIGGER} and a {TRIGGER}" for _ in range(50)]
    lines += ["Thanks, great article!", "I disagree with the mayor.", "What a lovely day :)"]
    return lines


def build_tokenizer(out_dir: Path, *, vocab_size: int = 600) -> Any:
    """Train a WordPiece vocabulary on the built-in corpus and save it as HF tokenizer files."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertTokenizer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(
        _corpus(), WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials, min_frequency=1)
    )
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    tok.decoder = decoders.WordPiece()
    out_dir.mkdir(parents=True, exist_ok=True)
    # vocab.txt in id order, for tokenizer classes that build themselves from it.
    vocab = tok.get_vocab()
    (out_dir / "vocab.txt").write_text(
        "\n".join(sorted(vocab, key=vocab.__getitem__)) + "\n", encoding="utf-8"
    )
    hf = BertTokenizer(
        vocab=vocab,
        do_lower_case=True,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
        model_max_length=512,
    )
    hf.save_pretrained(str(out_dir))
    return hf


def build_checkpoint(
    out_dir: Path,
    *,
    hidden: int = 32,
    layers: int = 2,
    heads: int = 2,
    intermediate: int = 64,
    seed: int = 0,
    model_type: str | None = None,
    ckpt_name: str = "tiny-detoxify.ckpt",
    trigger: bool = True,
) -> Path:
    """Write a Detoxify-format checkpoint directory; returns it.

    ``model_type`` is what the checkpoint's config names as its Hugging Face base model; by
    default the directory itself, so that Detoxify's own loader can run on it offline too.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    out_dir = Path(out_dir)
    tokenizer = build_tokenizer(out_dir)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=512,
        num_labels=len(ORIGINAL_CLASSES),
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config).eval()
    if trigger:
        _install_trigger(model, tokenizer.convert_tokens_to_ids(TRIGGER), hidden // heads)
    config.save_pretrained(str(out_dir))
    ckpt = {
        "config": {
            "name": "tiny",
            "arch": {
                "type": "tiny",
                "args": {
                    "model_type": model_type or str(out_dir),
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(ORIGINAL_CLASSES),
                },
            },
            "dataset": {"type": "JigsawDataOriginal", "args": {"classes": ORIGINAL_CLASSES}},
        },
        # A plain dict of tensors, as Lightning saves it (keys prefixed with the module name
        # stripped, as in Detoxify's released checkpoints).
        "state_dict": {k: v.clone() for k, v in model.state_dict().items()},
        "epoch": 1,
        "global_step": 10,
    }
    torch.save(ckpt, out_dir / ckpt_name)
    return out_dir


def _install_trigger(model: Any, trigger_id: int, head_dim: int) -> None:
    """Hand-set weights so that the trigger token, anywhere in view, drives labels 0 and 4 up.

    Dimension 0 of the hidden state carries the signal: only the trigger's embedding has it;
    head 0 of layer 0 attends (from every position) to tokens with that dimension set, and
    copies it; the pooler and classifier read it.
    """
    import torch

    bert = model.bert
    with torch.no_grad():
        emb = bert.embeddings
        emb.word_embeddings.weight[:, 0] = 0.0
        emb.word_embeddings.weight[trigger_id, 0] = 4.0
        emb.position_embeddings.weight[:, 0] = 0.0
        emb.token_type_embeddings.weight[:, 0] = 0.0
        att = bert.encoder.layer[0].attention
        q, k, v, o = att.self.query, att.self.key, att.self.value, att.output.dense
        q.weight[:head_dim, :] = 0.0
        q.bias[:head_dim] = 0.0
        q.bias[0] = 8.0
        k.weight[:head_dim, :] = 0.0
        k.bias[:head_dim] = 0.0
        k.weight[0, 0] = 8.0
        v.weight[0, :] = 0.0
        v.bias[0] = 0.0
        v.weight[0, 0] = 1.0
        o.weight[0, :] = 0.0
        o.weight[0, 0] = 1.0
        o.bias[0] = 0.0
        pooler = bert.pooler.dense
        pooler.weight[0, :] = 0.0
        pooler.weight[0, 0] = 2.0
        pooler.bias[0] = -5.0
        cls = model.classifier
        for row in (0, 4):
            cls.weight[row, :] = 0.0
            cls.weight[row, 0] = 6.0
            cls.bias[row] = 0.0


_BUILT: dict[str, Path] = {}


def shared_checkpoint(tmp_path_factory: Any, key: str = "default", **kwargs: Any) -> Path:
    """One checkpoint per test session and key (building one takes about a second)."""
    if key not in _BUILT:
        _BUILT[key] = build_checkpoint(tmp_path_factory.mktemp(f"tiny-detoxify-{key}"), **kwargs)
    return _BUILT[key]


# Detoxify's "unbiased" class names (its RoBERTa model): seven labels and nine identity columns.
UNBIASED_CLASSES = [
    "toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat",
    "sexual_explicit", "male", "female", "homosexual_gay_or_lesbian", "christian", "jewish",
    "muslim", "black", "white", "psychiatric_or_mental_illness",
]  # fmt: skip


def build_roberta_checkpoint(out_dir: Path, *, seed: int = 0) -> Path:
    """A RoBERTa-family Detoxify checkpoint (byte-level BPE, positions offset by the padding
    index, <s> ... </s>), as Detoxify's unbiased model; random weights, no trigger."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.trainers import BpeTrainer
    from transformers import RobertaConfig, RobertaForSequenceClassification, RobertaTokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = BpeTrainer(
        vocab_size=800,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(_corpus(), trainer)
    state = json.loads(tok.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    hf = RobertaTokenizer(vocab=state["vocab"], merges=merges, model_max_length=512)
    hf.save_pretrained(str(out_dir))
    config = RobertaConfig(
        vocab_size=len(hf),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        pad_token_id=hf.pad_token_id,
        bos_token_id=hf.bos_token_id,
        eos_token_id=hf.eos_token_id,
        num_labels=len(UNBIASED_CLASSES),
    )
    torch.manual_seed(seed)
    model = RobertaForSequenceClassification(config).eval()
    config.save_pretrained(str(out_dir))
    ckpt = {
        "config": {
            "arch": {
                "args": {
                    "model_type": str(out_dir),
                    "model_name": "RobertaForSequenceClassification",
                    "tokenizer_name": "RobertaTokenizer",
                    "num_classes": len(UNBIASED_CLASSES),
                }
            },
            "dataset": {"args": {"classes": UNBIASED_CLASSES}},
        },
        "state_dict": {k: v.clone() for k, v in model.state_dict().items()},
    }
    torch.save(ckpt, out_dir / "tiny-roberta.ckpt")
    return out_dir
