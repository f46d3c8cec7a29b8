"""The issue-#17 bias / counter-speech sets: dev and training templates stay disjoint, held-out
terms stay out of training, and the Jigsaw bias metrics behave on known cases."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys

import pytest

from moderation.training import identity


def test_dev_and_training_templates_are_disjoint() -> None:
    norm = lambda s: s.lower().rstrip(".")
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


def test_counterfactual_copies_do_not_depend_on_the_process_hash_seed() -> None:
    """Training reproduces a model: the same seed gives the same copies in any process (the
    terms found in a text were once swapped in set order, which each process's hash seed
    changes)."""
    code = ("import random; from moderation.training import identity; rng = random.Random(5); "
            "print([identity.swap_terms('Muslim, gay, deaf, Christian, Black and Jewish "
            "neighbours.', rng) for _ in range(30)])")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout
            for h in (1, 2, 3, 4)}
    assert len(outs) == 1


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


def _words(text: str) -> list[str]:
    """Lower-case words; {t} and {T} (identity), {x} (insult), {g} (group noun): one token per
    kind of slot."""
    return re.sub(r"[^a-z' ]+", " ", re.sub(r"\{([a-z])\}", r" slot\1 ", text.lower())).split()


def _runs(text: str | list[str], n: int = 5) -> set[tuple[str, ...]]:
    """Runs of n words (of ``text``, or of a list of ``_words``), slots masked as one token."""
    words = _words(text) if isinstance(text, str) else text
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

    from moderation.training import hate_templates
    from moderation.training import lookalike_templates as lt

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


def _dev_templates() -> list[str]:
    """Every English dev template and sentence of issue #17 (those in bench/data only where the
    repository is checked out, not in a wheel's test run)."""
    import json
    from pathlib import Path

    dev = [*identity.DEV_NONTOXIC, *identity.DEV_TOXIC, *identity.DEV_COUNTER, *identity.DEV_DIRECT]
    bench = Path(__file__).resolve().parents[1] / "bench/data"
    if (bench / "identity_statements_dev.json").exists():
        raw = json.loads((bench / "false_alarms_en.json").read_text(encoding="utf-8"))
        dev += [t for v in raw["categories"].values() for t in v["sentences"]]
        raw = json.loads((bench / "hate_functional_en.json").read_text(encoding="utf-8"))
        for part in (raw["functionalities"], raw["no_group"]):
            dev += [t for v in part.values() for t in v["templates"]]
        raw = json.loads((bench / "identity_statements_dev.json").read_text(encoding="utf-8"))
        dev += [t for part in ("civil", "toxic") for v in raw[part].values() for t in v]
        assert len(dev) > 440
    return dev


def test_statement_templates_share_no_wording_with_any_dev_set() -> None:
    """minilm-tox version 4's statements and bench/data/identity_statements_dev.json were
    written by two blind helpers from the same category descriptions; every training template
    sharing five words in a row (or the whole of a shorter one) with a dev template was removed.
    Short templates are held to their whole length: "i am {t}" is "I am {t}."."""
    from moderation.training import statement_templates as st

    train = [*st.CIVIL, *st.TOXIC]
    assert len(st.CIVIL) == 59 and len(st.TOXIC) == 53
    assert len({t.lower() for t in train}) == len(train)
    assert all(t.count("{t}") == 1 and not re.search(r"\ban \{t\}", t, re.IGNORECASE) for t in train)

    dev = [_words(d) for d in _dev_templates()]
    for t in train:
        w = _words(t)
        hits = [d for d in dev if _runs(w, min(5, len(w), len(d))) & _runs(d, min(5, len(w), len(d)))]
        assert not hits, (t, hits[:3])
    assert _words("I am {T}.") == _words("i am {t}")  # the check reads through case and stops


def test_the_statements_dev_set_shares_no_wording_with_any_training_template() -> None:
    """Every template any minilm-tox version trained on (identity, counter speech, hate,
    look-alike, statements) against bench/data/identity_statements_dev.json: no five words in a
    row in common (or the whole of a shorter template). Stop 41 removed the four dev templates
    that shared wording with earlier versions' training templates."""
    import json
    from pathlib import Path

    from moderation.training import hate_templates as ht
    from moderation.training import lookalike_templates as lt
    from moderation.training import statement_templates as st

    path = Path(__file__).resolve().parents[1] / "bench/data/identity_statements_dev.json"
    if not path.exists():
        pytest.skip("bench/data is in the repository, not in a wheel's test run")
    raw = json.loads(path.read_text(encoding="utf-8"))
    dev = [t for part in ("civil", "toxic") for v in raw[part].values() for t in v]
    assert len(dev) == 86
    train = [*identity.TRAIN_NONTOXIC, *identity.TRAIN_TOXIC, *identity.TRAIN_COUNTER,
             *identity.TRAIN_DIRECT, *ht.TRAIN_THREAT, *ht.TRAIN_DEROGATION, *ht.TRAIN_NEGATED,
             *ht.TRAIN_CIVIL_MENTION, *ht.TRAIN_SAME_SETTING, *ht.TRAIN_REJECTED,
             *lt.TRAIN_LOOKALIKE_CIVIL, *lt.TRAIN_MILD_AT_THING, *lt.TRAIN_MILD_AT_PERSON,
             *lt.TRAIN_LOOKALIKE_INSULT, *st.CIVIL, *st.TOXIC]
    hits = []
    for d in map(_words, dev):
        for t in map(_words, train):
            n = min(5, len(t), len(d))
            if _runs(t, n) & _runs(d, n):
                hits.append((" ".join(d), " ".join(t)))
    assert not hits, hits[:4]


def test_statement_augmentation_labels_and_terms() -> None:
    from moderation.training import statement_templates as st

    rows = st.augmentation(seed=2, n=3000)
    assert len(rows) == 3000
    personal = {identity._fill(tpl, "t", t).lower() for tpl in st.TRAIN_PERSONAL
                for t in identity.TRAIN_TERMS}
    for k, (text, labs) in enumerate(rows):
        if k % 2 == 0:
            assert set(labs.values()) == {0.0}, text
        else:
            assert labs["toxicity"] == labs["identity_attack"] == 1.0
            assert labs["threat"] is None and labs["obscene"] is None
            assert labs["insult"] == (1.0 if text.lower() in personal else None), text
    named = " ".join(t.lower() for t, _ in rows)
    assert not [t for t in identity.DEV_ONLY_TERMS if re.search(rf"\b{t}\b", named)]
    assert not re.search(r"\ba (?:old|elderly|african|asian|arab|atheist)\b", named)


def test_statements_dev_set_fills_every_term_in_each_category(tmp_path) -> None:
    import json

    spec = {"_about": "x", "civil": {"C1": ["I am {t}.", "{T} people are welcome."]},
            "toxic": {"T1": ["Being {t} is awful."]}}
    f = tmp_path / "s.json"
    f.write_text(json.dumps(spec), encoding="utf-8")
    rows = identity.statements_dev_set(f, terms=("old", "deaf"))
    assert rows == [("I am old.", 0, "old", "C1"), ("I am deaf.", 0, "deaf", "C1"),
                    ("Old people are welcome.", 0, "old", "C1"),
                    ("Deaf people are welcome.", 0, "deaf", "C1"),
                    ("Being old is awful.", 1, "old", "T1"), ("Being deaf is awful.", 1, "deaf", "T1")]
