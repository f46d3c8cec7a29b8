"""False alarms a moderator sees, and their contrast (issue 17: "a moderator who sees that twice
stops trusting the queue").

usage: .venv/bin/python bench/false_alarms.py [--models builtin:minilm-tox,builtin:linear-tox]
           [--set alarms|statements]

bench/data/false_alarms_en.json holds sentences by category, written by a helper from category
descriptions alone (it never saw the repository, the training templates or the other dev sets):

* civil, label 0: innocent words that contain or look like swear words (Scunthorpe, cockpit, a
  misspelt sect name), mild words such as "stupid" aimed at a thing, a decision or oneself, and
  ordinary sentences naming a group (religion, ethnicity, orientation, disability, age...);
* flagged, label 1: the same mild words aimed at a person, and hostility to a group with no
  swear word.

``--set statements`` scores bench/data/identity_statements_dev.json instead (also written blind
by a helper): short statements that name an identity, civil (C1 self-identification, C2 equal
rights, C3 facts, C4 warm words, C5 civil correction) and toxic (T1 mild negative words, T2
disgust, T3 personal insults by identity, T4 exclusion), each template filled with every term of
``moderation.training.identity`` (57; 10 of them never trained on).

Prints, per model in one run: ROC-AUC of p(toxicity) (1 against 0), and per category the mean
p(toxicity) and the share a moderator would see flagged: any label at or over its threshold in
config.toml, as the queue decides (moderation.triage.flagged_labels). Scored through load_scorer
as `moderation score-file` does. JSON to bench/results/false_alarms.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.config import load_config
from moderation.scoring import load_scorer
from moderation.triage import flagged_labels

DATA = ROOT / "bench/data/false_alarms_en.json"
STATEMENTS = ROOT / "bench/data/identity_statements_dev.json"


def cases(which: str = "alarms") -> list[tuple[str, str, int]]:
    """(category, text, label)."""
    if which == "statements":
        from moderation.training.identity import statements_dev_set

        return [(cat, text, y) for text, y, _t, cat in statements_dev_set(STATEMENTS)]
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return [(name, text, int(spec["label"])) for name, spec in raw["categories"].items()
            for text in spec["sentences"]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="builtin:minilm-tox,builtin:linear-tox")
    ap.add_argument("--config", type=Path, default=ROOT / "config.toml")
    ap.add_argument("--set", choices=("alarms", "statements"), default="alarms",
                    help="false_alarms_en.json, or the identity statements dev templates")
    ap.add_argument("--out", type=Path, default=None,
                    help="default bench/results/false_alarms.json (or identity_statements.json)")
    args = ap.parse_args()
    if args.out is None:
        args.out = ROOT / "bench/results" / (
            "false_alarms.json" if args.set == "alarms" else "identity_statements.json")
    thresholds = load_config(args.config).thresholds
    rows = cases(args.set)
    texts = [t for _c, t, _y in rows]
    y = np.array([lab for _c, _t, lab in rows])
    names = list(dict.fromkeys(c for c, _t, _y in rows))
    report: dict = {"n": len(rows), "flag_worthy": int(y.sum()), "models": {}}
    print(f"{len(rows)} sentences, {int(y.sum())} that should be flagged; thresholds from "
          f"{args.config.name}")
    for model in args.models.split(","):
        res = load_scorer(model, device="cpu").score(texts)
        tox = np.array([r.labels.get("toxicity", 0.0) for r in res])
        flagged = np.array([bool(flagged_labels(r.flag_values(), thresholds)) for r in res])
        m: dict = {"auc_toxicity": float(roc_auc_score(y, tox)),
                   "flagged_civil": float(flagged[y == 0].mean()),
                   "flagged_flag_worthy": float(flagged[y == 1].mean()), "categories": {}}
        for c in names:
            idx = [i for i, (cc, _t, _y) in enumerate(rows) if cc == c]
            m["categories"][c] = {"label": int(y[idx[0]]), "n": len(idx),
                                  "mean": float(tox[idx].mean()),
                                  "flagged": float(flagged[idx].mean())}
        report["models"][model] = m
        print(f"{model}: ROC-AUC toxicity {m['auc_toxicity']:.3f}; flagged: civil "
              f"{m['flagged_civil']:.1%}, should be flagged {m['flagged_flag_worthy']:.1%}")
    print(f"\n{'category':<24} {'label':>5} {'n':>4}  "
          + "  ".join(f"{k.split(':')[-1][:16]:>16}" for k in report["models"]))
    for c in names:
        first = report["models"][next(iter(report["models"]))]["categories"][c]
        cells = "  ".join(f"{v['categories'][c]['mean']:>6.2f} ({v['categories'][c]['flagged']:>5.0%})"
                          for v in report["models"].values())
        print(f"{c:<24} {first['label']:>5} {first['n']:>4}  {cells}")
    print("(cells: mean p(toxicity), in brackets the share flagged at config.toml's thresholds)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
