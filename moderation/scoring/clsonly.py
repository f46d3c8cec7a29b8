"""A BERT-family sequence classifier whose last layer is computed for [CLS] only.

A ``BertForSequenceClassification`` (its pooler) or a ``RobertaForSequenceClassification``
(its head) reads one vector after the encoder: the first token's. Every other token's output
of the last layer is computed and thrown away. :func:`wrap` returns a module that runs the
embeddings and all layers but the last as the model does, then the last layer for the first
token alone: its keys and values still come from every token, but its query, attention output
and feed-forward run on one row per comment instead of all of them. For a 12-layer bert-base
that is about a twelfth of the compute (a little less: the keys and values remain); the result
is the same computation in another order (differences of the order of 1e-7 in fp32, tested
against the unwrapped model in tests/test_clsonly.py).

Only plain encoders are wrapped: absolute position embeddings, no decoder, no cross-attention,
a last layer with the usual ``attention.self.query/key/value``, ``attention.output``,
``intermediate`` and ``output`` parts. Anything else is returned as it came.
"""

from __future__ import annotations

from typing import Any

# Switched off only to measure the difference (bench/detoxify_speed.py loads both).
ENABLED = True
BERT_TYPES = frozenset({"bert"})
ROBERTA_TYPES = frozenset({"roberta", "xlm-roberta", "camembert"})
_PARTS = ("attention.self.query", "attention.self.key", "attention.self.value",
          "attention.output", "intermediate", "output")


def _has_parts(layer: Any) -> bool:
    for path in _PARTS:
        node = layer
        for name in path.split("."):
            node = getattr(node, name, None)
            if node is None:
                return False
    return True


def wrappable(model: Any) -> bool:
    """True when ``model`` is a plain BERT or RoBERTa sequence classifier (see module doc)."""
    config = getattr(model, "config", None)
    kind = getattr(config, "model_type", None)
    if kind not in BERT_TYPES | ROBERTA_TYPES:
        return False
    if getattr(config, "is_decoder", False) or getattr(config, "add_cross_attention", False):
        return False
    if getattr(config, "position_embedding_type", "absolute") not in (None, "absolute"):
        return False
    base = getattr(model, "base_model", None)
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if layers is None or len(layers) < 2 or not _has_parts(layers[-1]):
        return False
    if kind in BERT_TYPES:
        return getattr(base, "pooler", None) is not None and hasattr(model, "classifier")
    return hasattr(model, "classifier")


def wrap(model: Any) -> Any:
    """``model`` with its last layer computed for [CLS] only, or ``model`` itself where that
    does not apply (:func:`wrappable`) or :data:`ENABLED` is false. The model's encoder is
    changed in place: use the returned module from then on."""
    if not ENABLED or not wrappable(model):
        return model
    import torch
    import torch.nn.functional as F

    base = model.base_model
    layers = base.encoder.layer
    last = layers[-1]
    base.encoder.layer = torch.nn.ModuleList(list(layers)[:-1])
    pooler = None
    if model.config.model_type in BERT_TYPES:
        pooler, base.pooler = base.pooler, None  # the pooler reads the last layer: ours

    class ClsOnlyLastLayer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.last = last
            self.pooler = pooler
            self.config = model.config

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            x = base(input_ids=input_ids, attention_mask=attention_mask)[0]
            attn = self.last.attention
            b, n, _ = x.shape
            heads = attn.self.num_attention_heads
            k, v = (part(x).view(b, n, heads, -1).transpose(1, 2)
                    for part in (attn.self.key, attn.self.value))
            first = x[:, :1]
            q = attn.self.query(first).view(b, 1, heads, -1).transpose(1, 2)
            mask = attention_mask.bool()[:, None, None, :]
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            a = attn.output(a.transpose(1, 2).reshape(b, 1, -1), first)
            out = self.last.output(self.last.intermediate(a), a)
            if self.pooler is not None:
                return self.model.classifier(self.model.dropout(self.pooler(out)))
            return self.model.classifier(out)

    return ClsOnlyLastLayer().eval()
