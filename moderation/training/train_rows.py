"""Which rows a fine-tuning run (``training.finetune``) trains on: the stratified subsample of
the train split, the template augmentation and counterfactual copies, length-bucketed batches,
and the masked target matrix."""

from __future__ import annotations

import random
from collections import defaultdict

from moderation.training import data

# Share of the subsample per source (the rest of jigsaw, the smallest, is taken whole first).
# Version 1 used the first three (0.42 / 0.30 / 0.28); the hate sources take their share from
# the rest when they are in the data.
SOURCE_SHARE = {"toxic_spans": 0.42, "olid2019": 0.30, "davidson2017": 0.28}
HATE_SHARE = {"hateval2019": 0.17, "stormfront2018": 0.17}


def subsample(train: list[data.Example], n: int, seed: int) -> tuple[list[data.Example], list[data.Example]]:
    """Stratified (source x toxicity) sample of about n train rows; returns (sample, rest)."""
    rng = random.Random(seed)
    by_src: dict[str, list[data.Example]] = defaultdict(list)
    for ex in train:
        by_src[ex.source].append(ex)
    quota = {"jigsaw2018": min(len(by_src["jigsaw2018"]), n // 6)}
    left = n - quota["jigsaw2018"]
    hate = {s: sh for s, sh in HATE_SHARE.items() if by_src.get(s)}
    scale = 1.0 - sum(hate.values())
    for s, share in {**{k: v * scale for k, v in SOURCE_SHARE.items()}, **hate}.items():
        quota[s] = min(len(by_src[s]), round(left * share))
    sample, rest = [], []
    for s, rows in by_src.items():
        strata: dict[float | None, list[data.Example]] = defaultdict(list)
        for ex in rows:
            strata[ex.labels["toxicity"]].append(ex)
        for key in sorted(strata, key=str):
            part = strata[key][:]
            rng.shuffle(part)
            k = round(quota.get(s, 0) * len(part) / len(rows))
            sample.extend(part[:k])
            rest.extend(part[k:])
    # Rare labels: keep every threat and every Civil Comments / Wikipedia identity attack.
    extra = [e for e in rest if e.labels["threat"] == 1.0 or (
        e.labels["identity_attack"] == 1.0 and e.source in ("toxic_spans", "jigsaw2018"))]
    if n >= 1000:
        ids = {id(e) for e in extra}
        sample.extend(extra)
        rest = [e for e in rest if id(e) not in ids]
    rng.shuffle(sample)
    return sample, rest


def batches(rows: list[data.Example], bs: int, seed: int) -> list[list[data.Example]]:
    """Length-grouped batches (sorted inside chunks of 50 batches, then shuffled): far less
    padding on CPU, still random order."""
    rng = random.Random(seed)
    out: list[list[data.Example]] = []
    chunk = bs * 50
    for i in range(0, len(rows), chunk):
        part = sorted(rows[i:i + chunk], key=lambda e: len(e.text))
        out.extend(part[j:j + bs] for j in range(0, len(part), bs))
    rng.shuffle(out)
    return out


def augment(sample: list[data.Example], n_identity: int, n_counter: int, cda: float,
            seed: int, n_lookalike: int = 0, n_statements: int = 0) -> list[data.Example]:
    """Identity-term augmentation (moderation/training/identity.py, training templates and
    terms only): civil and hateful template sentences over identity terms, counter speech
    against direct insults, and counterfactual copies (identity terms swapped within their
    category, labels kept) of a ``cda`` share of the sampled comments that name an identity;
    ``n_statements`` short civil and toxic statements that name an identity
    (``statement_templates``)."""
    from moderation.training import identity, lookalike_templates, statement_templates

    rng = random.Random(seed + 7)
    out = [data.Example("augment", f"tpl{k}", t, labs) for k, (t, labs) in
           enumerate(identity.train_augmentation(seed, n_identity, n_counter))]
    out += [data.Example("augment", f"look{k}", t, labs) for k, (t, labs) in
            enumerate(lookalike_templates.augmentation(seed, n_lookalike))]
    out += [data.Example("augment", f"stmt{k}", t, labs) for k, (t, labs) in
            enumerate(statement_templates.augmentation(seed, n_statements))]
    for ex in sample:
        if cda > 0 and rng.random() < cda:
            sw = identity.swap_terms(ex.text, rng)
            if sw is not None and sw != ex.text:
                out.append(data.Example("cda", f"cda:{ex.source}:{ex.id}", sw, dict(ex.labels)))
    return out


def targets(rows: list[data.Example], labels: tuple[str, ...]):
    import torch

    y = torch.zeros(len(rows), len(labels))
    m = torch.zeros(len(rows), len(labels))
    for i, ex in enumerate(rows):
        for j, lab in enumerate(labels):
            v = ex.labels.get(lab)
            if v is not None:
                y[i, j] = v
                m[i, j] = 1.0
    return y, m
