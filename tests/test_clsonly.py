"""The last layer computed for [CLS] only gives the unwrapped classifier's logits."""

from __future__ import annotations

import copy

import pytest
import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
)

from moderation.scoring import clsonly

SMALL = {"vocab_size": 300, "hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4,
         "intermediate_size": 64, "num_labels": 6, "max_position_embeddings": 64}


def _batch(pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(5, 300, (5, 24), generator=gen)
    mask = torch.ones_like(ids)
    for row, length in enumerate((24, 17, 9, 3, 2)):
        mask[row, length:] = 0
    ids[mask == 0] = pad
    return ids, mask


@pytest.mark.parametrize("family", [
    (BertConfig, BertForSequenceClassification),
    (RobertaConfig, RobertaForSequenceClassification),
    (XLMRobertaConfig, XLMRobertaForSequenceClassification),
])
def test_wrapped_model_gives_the_same_logits_on_a_padded_batch(family) -> None:
    config_class, model_class = family
    torch.manual_seed(0)
    model = model_class(config_class(**SMALL)).eval()
    reference = copy.deepcopy(model)
    wrapped = clsonly.wrap(model)
    assert wrapped is not model
    assert len(model.base_model.encoder.layer) == SMALL["num_hidden_layers"] - 1
    ids, mask = _batch(model.config.pad_token_id or 0)
    with torch.inference_mode():
        want = reference(input_ids=ids, attention_mask=mask).logits
        got = wrapped(input_ids=ids, attention_mask=mask)
    assert got.shape == want.shape
    assert (got - want).abs().max().item() < 1e-6
    # the padding really is ignored: a row alone scores as it does in the batch
    with torch.inference_mode():
        alone = wrapped(input_ids=ids[2:3, :9], attention_mask=mask[2:3, :9])
    assert (alone - got[2:3]).abs().max().item() < 1e-6


def test_models_it_does_not_know_are_returned_unchanged() -> None:
    relative = BertForSequenceClassification(
        BertConfig(**SMALL, position_embedding_type="relative_key")).eval()
    assert clsonly.wrap(relative) is relative
    one_layer = BertForSequenceClassification(BertConfig(**{**SMALL, "num_hidden_layers": 1}))
    assert clsonly.wrap(one_layer) is one_layer
    assert clsonly.wrap(torch.nn.Linear(2, 2)).__class__ is torch.nn.Linear


def test_switched_off_it_leaves_the_model_alone(monkeypatch) -> None:
    model = BertForSequenceClassification(BertConfig(**SMALL)).eval()
    monkeypatch.setattr(clsonly, "ENABLED", False)
    assert clsonly.wrap(model) is model
    assert len(model.bert.encoder.layer) == SMALL["num_hidden_layers"]
