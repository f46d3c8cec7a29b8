"""English functional hate tests of our own (issue 17 item 3's held-out suite is of this kind).

usage: .venv/bin/python bench/hate_functional.py [--models builtin:minilm-tox,builtin:linear-tox]

bench/data/hate_functional_en.json holds templated sentences by functionality: hate stated
without swear words (derogation, dehumanisation, threats, exclusion, questions, pronoun
reference, spelling variations), and what is not hate though it may look like it (negated hate,
neutral and positive mentions of a group, counter speech, abuse of a person or of a group that
is not protected, profanity). Prints, per model and in one run, the ROC-AUC of p(toxicity) and of
p(identity_attack) (where the model has it) for hateful against not hateful, and per
functionality the mean p(toxicity) and the share at or over 0.5. Scored through load_scorer,
as `moderation score-file` does. Also what the queue would flag at config.toml's thresholds
(any label at or over its threshold, moderation.triage.flagged_labels): hateful sentences, and
the non-hateful sentences that name a group (negated hate, neutral and positive mentions,
counter speech).
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

DATA = ROOT / "bench/data/hate_functional_en.json"


def cases() -> list[tuple[str, str, int]]:
    """(functionality, text, label)."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    out = []
    for name, spec in raw["functionalities"].items():
        for tpl in spec["templates"]:
            for g in raw["groups"]:
                out.append((name, tpl.replace("{g}", g).replace("{G}", g[:1].upper() + g[1:]),
                            spec["label"]))
    for name, spec in raw["no_group"].items():
        out.extend((name, tpl, spec["label"]) for tpl in spec["templates"])
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="builtin:minilm-tox,builtin:linear-tox")
    ap.add_argument("--config", type=Path, default=ROOT / "config.toml")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/hate_functional.json")
    args = ap.parse_args()
    thresholds = load_config(args.config).thresholds
    grouped = set(json.loads(DATA.read_text(encoding="utf-8"))["functionalities"])
    rows = cases()
    civil_group = np.array([f in grouped and lab == 0 for f, _t, lab in rows])
    texts = [t for _f, t, _y in rows]
    y = np.array([lab for _f, _t, lab in rows])
    names = list(dict.fromkeys(f for f, _t, _y in rows))
    report: dict = {"n": len(rows), "hateful": int(y.sum()), "models": {}}
    print(f"{len(rows)} sentences, {int(y.sum())} hateful")
    for model in args.models.split(","):
        scorer = load_scorer(model, device="cpu")
        res = scorer.score(texts)
        tox = np.array([r.labels.get("toxicity", 0.0) for r in res])
        ida = [r.labels.get("identity_attack") for r in res]
        flagged = np.array([bool(flagged_labels(r.flag_values(), thresholds)) for r in res])
        m: dict = {"auc_toxicity": float(roc_auc_score(y, tox)),
                   "flagged_hateful": int(flagged[y == 1].sum()),
                   "flagged_civil_naming_a_group": int(flagged[civil_group].sum())}
        if all(v is not None for v in ida):
            m["auc_identity_attack"] = float(roc_auc_score(y, np.array(ida, dtype=float)))
        m["functionalities"] = {}
        for f in names:
            idx = [i for i, (ff, _t, _y) in enumerate(rows) if ff == f]
            m["functionalities"][f] = {"label": int(y[idx[0]]), "mean": float(tox[idx].mean()),
                                       "flagged": float((tox[idx] >= 0.5).mean())}
        report["models"][model] = m
        ia = f", identity_attack {m['auc_identity_attack']:.3f}" if "auc_identity_attack" in m else ""
        print(f"{model}: ROC-AUC toxicity {m['auc_toxicity']:.3f}{ia}; flagged at "
              f"{args.config.name}'s thresholds: hateful {m['flagged_hateful']} of "
              f"{int(y.sum())}, not hateful but naming a group "
              f"{m['flagged_civil_naming_a_group']} of {int(civil_group.sum())}")
    print(f"\n{'functionality':<30} {'hate':>4}  " + "  ".join(f"{m.split(':')[-1][:16]:>16}" for m in report["models"]))
    for f in names:
        cells = "  ".join(f"{v['functionalities'][f]['mean']:>6.2f} ({v['functionalities'][f]['flagged']:>4.0%})"
                          for v in report["models"].values())
        print(f"{f:<30} {report['models'][next(iter(report['models']))]['functionalities'][f]['label']:>4}  {cells}")
    print("(cells: mean p(toxicity), in brackets the share at or over 0.5)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
