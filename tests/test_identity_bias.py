"""The issue-#17 bias / counter-speech sets: dev and training templates stay disjoint, held-out
terms stay out of training, and the Jigsaw bias metrics behave on known cases."""

from __future__ import annotations

import random
import re

import pytest

from moderation.training import identity


def test_dev_and_training_templates_are_disjoint() -> None:
    norm = lambda s: s.lower().rstrip(".")  # noqa: E731
    dev = {norm(t) for t in (*identity.DEV_NONTOXIC, *identity.DEV_TOXIC, *identity.DEV_COUNTER,
                             *identity.DEV_DIRECT)}
    train = {norm(t) for t in (*identity.TRAIN_NONTOXIC, *identity.TRAIN_TOXIC,
                               *identity.TRAIN_COUNTER, *identity.TRAIN_DIRECT)}
    assert not dev & train
    dev_texts = {norm(t) for t, _, _ in identity.bias_dev_set()} | {
        norm(t) for t, _, _ in identity.counter_speech_dev_set()}
    aug = identity.train_augmentation(seed=1, n_identity=2000, n_counter=500)
    assert not dev_texts & {norm(t) for t, _ in aug}


def test_held_out_terms_and_insults_never_reach_training() -> None:
    assert identity.DEV_ONLY_TERMS <= set(identity.ALL_TERMS)
    assert not identity.DEV_ONLY_TERMS & set(identity.TRAIN_TERMS)
    assert not identity.DEV_ONLY_INSULTS & set(identity.TRAIN_INSULTS)
    aug = " ".join(t.lower() for t, _ in identity.train_augmentation(seed=2, n_identity=3000, n_counter=800))
    for w in identity.DEV_ONLY_TERMS | identity.DEV_ONLY_INSULTS:
        assert f" {w} " not in f" {aug} "
    rng = random.Random(0)
    for _ in range(200):
        out = identity.swap_terms("The Muslim and gay neighbours, both deaf.", rng)
        assert out is not None and not any(f" {w}" in out.lower() for w in identity.DEV_ONLY_TERMS)
    assert identity.swap_terms("nothing to see here", rng) is None


def test_bias_dev_set_is_balanced_per_term() -> None:
    rows = identity.bias_dev_set()
    for t in identity.ALL_TERMS:
        ys = [y for _, y, term in rows if term == t]
        assert sum(ys) == len(ys) - sum(ys) > 0
    cs = identity.counter_speech_dev_set()
    assert sum(y for _, y, _ in cs) * 2 == len(cs)


def test_bias_metrics_on_known_cases() -> None:
    # A perfect scorer: every AUC 1, final metric 1.
    rows = identity.bias_dev_set()
    y = [r[1] for r in rows]
    m = identity.bias_metrics(y, [float(v) for v in y], [[r[2]] for r in rows], identity.ALL_TERMS)
    assert m["final_bias_metric"] == pytest.approx(1.0)
    # A scorer that adds 0.6 for one term: its BPSN falls, its BNSP stays perfect.
    p = [0.2 + 0.5 * r[1] + (0.6 if r[2] == "queer" else 0.0) for r in rows]
    m = identity.bias_metrics(y, p, [[r[2]] for r in rows], identity.ALL_TERMS)
    q = m["per_term"]["queer"]
    assert q["bpsn_auc"] == 0.0 and q["bnsp_auc"] == 1.0 and q["subgroup_auc"] == 1.0
    assert m["worst_bpsn"][0] == "queer" and m["final_bias_metric"] < 0.9
    assert identity.power_mean([1.0, 1.0]) == pytest.approx(1.0)
    assert identity.power_mean([0.5, 1.0]) < 0.6  # p = -5 punishes the worst term


def _runs(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Runs of n words, identity placeholders and the words they fill masked as one token."""
    words = re.sub(r"\{[a-zA-Z]\}", " X ", text.lower())
    words = re.sub(r"[^a-z' ]+", " ", words).split()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_hate_templates_share_no_wording_with_dev_sets() -> None:
    """The version-3 templates were written blind to the dev sets: no 5-word run in common with
    the bias / counter-speech dev templates or the functional hate dev set."""
    import json
    from pathlib import Path

    from moderation.training import hate_templates

    train = [*hate_templates.TRAIN_THREAT, *hate_templates.TRAIN_DEROGATION,
             *hate_templates.TRAIN_NEGATED, *hate_templates.TRAIN_CIVIL_MENTION,
             *hate_templates.TRAIN_SAME_SETTING, *hate_templates.TRAIN_REJECTED]
    assert len(train) == len({t.lower() for t in train}) == 112
    assert len(hate_templates.TRAIN_SAME_SETTING) == len(hate_templates.TRAIN_REJECTED) == len(
        hate_templates.TRAIN_THREAT + hate_templates.TRAIN_DEROGATION)
    assert all(t.count("{t}") == 1 for t in train)
    dev = [*identity.DEV_NONTOXIC, *identity.DEV_TOXIC, *identity.DEV_COUNTER,
           *identity.DEV_DIRECT]
    functional = Path(__file__).resolve().parents[1] / "bench/data/hate_functional_en.json"
    if functional.exists():  # in the repository, not in a wheel's test run
        raw = json.loads(functional.read_text(encoding="utf-8"))
        for part in (raw["functionalities"], raw["no_group"]):
            dev += [t for v in part.values() for t in v["templates"]]
    assert len(dev) > 100
    dev_runs = set().union(*(_runs(t) for t in dev))
    shared = {t: _runs(t) & dev_runs for t in train}
    assert not any(shared.values()), {t: r for t, r in shared.items() if r}


def test_augmentation_labels_threats_and_fills_articles() -> None:
    from moderation.training import hate_templates

    rows = identity.train_augmentation(seed=3, n_identity=4000, n_counter=0)
    threats = [(t, labs) for t, labs in rows if labs.get("threat") == 1.0]
    assert threats and all(labs["toxicity"] == labs["identity_attack"] == 1.0 for _t, labs in threats)
    negated = {identity._fill(tpl, "t", "muslim").lower() for tpl in hate_templates.TRAIN_NEGATED}
    assert any(t.lower() in negated for t, _ in rows)
    assert all(labs["toxicity"] == 0.0 for t, labs in rows if t.lower() in negated)
    assert not any(re.search(r"\ba (?:old|elderly|african|asian|arab|indian|iranian|afghan|"
                             r"atheist|american)\b", t, re.IGNORECASE) for t, _ in rows)
    assert identity._fill("An {t} or a {t}?", "t", "old") == "An old or an old?"


def test_lookalike_templates_share_no_wording_with_dev_sets_and_label_their_contrast() -> None:
    """Version 4's look-alike / mild-word training sentences and bench/data/false_alarms_en.json
    were written by two helpers that never saw each other's file: no 5-word run in common, nor
    with the other dev sets; the dev set shares none with any training template either."""
    import json
    from pathlib import Path

    from moderation.training import hate_templates, lookalike_templates as lt

    train = [*lt.TRAIN_LOOKALIKE_CIVIL, *lt.TRAIN_MILD_AT_THING, *lt.TRAIN_MILD_AT_PERSON,
             *lt.TRAIN_LOOKALIKE_INSULT]
    assert len(train) == len({t.lower() for t in train}) == 200
    bench = Path(__file__).resolve().parents[1] / "bench/data"
    dev = [*identity.DEV_NONTOXIC, *identity.DEV_TOXIC, *identity.DEV_COUNTER, *identity.DEV_DIRECT]
    if (bench / "false_alarms_en.json").exists():  # in the repository, not in a wheel's test run
        alarms = json.loads((bench / "false_alarms_en.json").read_text(encoding="utf-8"))
        dev += [t for v in alarms["categories"].values() for t in v["sentences"]]
        raw = json.loads((bench / "hate_functional_en.json").read_text(encoding="utf-8"))
        for part in (raw["functionalities"], raw["no_group"]):
            dev += [t for v in part.values() for t in v["templates"]]
        assert len(dev) > 350
    dev_runs = set().union(*(_runs(t) for t in dev))
    everything_trained = [*train, *identity.TRAIN_NONTOXIC, *identity.TRAIN_TOXIC,
                          *identity.TRAIN_COUNTER, *identity.TRAIN_DIRECT,
                          *hate_templates.TRAIN_THREAT, *hate_templates.TRAIN_DEROGATION,
                          *hate_templates.TRAIN_NEGATED, *hate_templates.TRAIN_CIVIL_MENTION,
                          *hate_templates.TRAIN_SAME_SETTING, *hate_templates.TRAIN_REJECTED]
    shared = {t: _runs(t) & dev_runs for t in everything_trained}
    assert not any(shared.values()), {t: r for t, r in shared.items() if r}

    rows = lt.augmentation(seed=5, n=2000)
    civil = {t for t in (*lt.TRAIN_LOOKALIKE_CIVIL, *lt.TRAIN_MILD_AT_THING)}
    assert sum(t in civil for t, _ in rows) == 1000
    for text, labs in rows:
        if text in civil:
            assert set(labs.values()) == {0.0}
        else:
            assert labs["toxicity"] == labs["insult"] == 1.0 and labs["threat"] is None
            assert labs["obscene"] == (1.0 if text in lt.TRAIN_LOOKALIKE_INSULT else 0.0)
    assert {t for t, _ in rows} >= set(lt.TRAIN_LOOKALIKE_INSULT)
