"""Would a second encoder help minilm-tox? An English head over multilingual-e5, ensembled.

    .venv/bin/python bench/e5_ensemble.py [--data DIR] [--work DIR] [--limit 4000]
        [--C 1] [--weights 0,0.25,0.4,0.5,1]

Issue #17 says more epochs of today's recipe do not move the held-out figures: what the model
is taught, and from what, does. The multilingual encoder (multilingual-e5-small, frozen, as
multi-tox reads it: layers 6 and 12 mean-pooled side by side) was pretrained on other text
than MiniLM, so this bench asks whether it knows what minilm-tox does not. It fits a logistic
regression head on the e5 embeddings of minilm-tox version 4's training rows (the same
stratified sample of the train splits, 16,000 rows, seed 13, and the same augmentation:
identity 3,000, counter speech 800, counterfactual copies 0.5, statements 2,000), Platt-scaled
on 2,000 other train rows, and mixes its logit with minilm-tox's: p = sigmoid((1 - w) *
logit(p_minilm) + w * logit(p_e5)). No dev row is trained on. Printed per set and weight (w = 0
is minilm-tox alone, w = 1 the e5 head alone): ROC-AUC of p(toxicity) on a seeded sample of
every source's dev split, the issue-#17 sets of bench/model_quality.py (bias templates and
identity statements: final bias metric / worst BPSN), the English functional hate tests and
the false-alarm set, and the ten seed comments' scores.

Embeddings are cached in ``--work`` (moderation.training.multiembed), about 6 minutes the
first time on 2 cores. JSON goes to bench/results/e5_ensemble.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from moderation.training import data, evaluate, identity, multiembed
from moderation.training.train_rows import augment, subsample

POOL = (6, 12)  # multi-tox's layers


def eval_sets(data_dir: str, limit: int) -> dict[str, list[tuple[str, int, object]]]:
    """name -> [(text, label, tag)]: the dev sample per source and the issue-#17 sets."""
    import false_alarms
    import hate_functional
    import model_quality

    sets = model_quality.extra_sets(data_dir)
    _, dev = data.split(data.load_all(data_dir))
    for e in random.Random(0).sample(dev, min(limit, len(dev))):
        if e.labels.get("toxicity") is not None:
            sets.setdefault(f"dev {e.source}", []).append(
                (e.text, int(e.labels["toxicity"] >= 0.5), None))
    sets["hate functional en"] = [(t, y, f) for f, t, y in hate_functional.cases()]
    sets["false alarms en"] = [(t, y, c) for c, t, y in false_alarms.cases()]
    return sets


def seed_texts() -> list[str]:
    from moderation.parse import parse_file

    return [c.text for p in sorted((ROOT / "seeds").glob("*.txt"))
            for a in parse_file(p).articles for c in a.comments]


def e5_head(data_dir: str, work: Path, C: float):
    """The head, fitted on minilm-tox v4's training rows: a function texts -> p(toxicity)."""
    from sklearn.linear_model import LogisticRegression

    train, _dev = data.split(data.load_all(data_dir))
    sample, rest = subsample(train, 16000, 13)
    rows = [e for e in sample + augment(sample, 3000, 800, 0.5, 13, 0, 2000)
            if e.labels.get("toxicity") is not None]
    calib = [e for e in subsample(rest, 2000, 14)[0] if e.labels.get("toxicity") is not None]
    X = multiembed.cached(work, "en-train", [e.text for e in rows], pool_layers=POOL)
    Xc = multiembed.cached(work, "en-calib", [e.text for e in calib], pool_layers=POOL)
    head = LogisticRegression(C=C, max_iter=3000).fit(
        X, [int(e.labels["toxicity"] >= 0.5) for e in rows])
    platt = LogisticRegression(C=1e6).fit(head.decision_function(Xc).reshape(-1, 1),
                                          [int(e.labels["toxicity"] >= 0.5) for e in calib])
    print(f"e5 head: {len(rows)} train rows, {len(calib)} calibration rows", file=sys.stderr)

    def score(name: str, texts: list[str]) -> np.ndarray:
        z = head.decision_function(multiembed.cached(work, name, texts, pool_layers=POOL))
        return platt.predict_proba(z.reshape(-1, 1))[:, 1]
    return score


def mix(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    def logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))
    return 1 / (1 + np.exp(-((1 - w) * logit(a) + w * logit(b))))


def figure(name: str, rows: list[tuple[str, int, object]], p: np.ndarray) -> str:
    y = [r[1] for r in rows]
    if name in ("bias_templates", "identity_statements"):
        m = identity.bias_metrics(y, p.tolist(), [[r[2]] for r in rows], identity.ALL_TERMS)
        return f"{m['final_bias_metric']:.3f}/{m['worst_bpsn'][1]:.2f}"
    return f"{evaluate.roc_auc(y, p.tolist()):.4f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(data.DEFAULT_DATA))
    ap.add_argument("--work", type=Path, default=Path("/tmp/e5_ensemble"))
    ap.add_argument("--limit", type=int, default=4000, help="dev rows sampled (seeded)")
    ap.add_argument("--C", type=float, default=1.0, help="the head's inverse regularization")
    ap.add_argument("--weights", default="0,0.25,0.4,0.5,1")
    a = ap.parse_args()
    weights = [float(w) for w in a.weights.split(",")]
    from moderation.scoring import builtin

    sets = eval_sets(a.data, a.limit)
    sets["seeds"] = [(t, -1, None) for t in seed_texts()]
    minilm = builtin.load("minilm-tox", device="cpu")
    e5 = e5_head(a.data, a.work, a.C)
    p = {k: (np.array([r.labels.get("toxicity", 0.0) for r in minilm.score([x[0] for x in rows])]),
             e5("eval-" + k.replace(" ", "_"), [x[0] for x in rows])) for k, rows in sets.items()}
    report: dict = {"C": a.C, "weights": weights, "sets": {}}
    print(f"{'set':22} " + " ".join(f"{'w=' + str(w):>10}" for w in weights))
    for k, rows in sets.items():
        if k == "seeds":
            continue
        vals = [figure(k, rows, mix(*p[k], w)) for w in weights]
        report["sets"][k] = dict(zip(map(str, weights), vals, strict=True))
        print(f"{k:22} " + " ".join(f"{v:>10}" for v in vals))
    for w in weights:
        s = mix(*p["seeds"], w)
        report.setdefault("seeds", {})[str(w)] = [round(float(x), 3) for x in s]
        print(f"seeds, w={w:<5}          " + " ".join(f"{x:.2f}" for x in s))
    out = ROOT / "bench/results/e5_ensemble.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
