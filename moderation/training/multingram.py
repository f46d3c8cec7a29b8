"""Add per-language n-gram models to the multilingual model (``moderation.scoring.multi_ngrams``).

    python -m moderation.training.multingram --model models/multi-tox [--C 1.0] [--bits 18]

For each trained language: a logistic regression (liblinear, C) over hashed char 2-5-grams and
word 1-2-grams of that language's train rows (the split of ``moderation.training.multilingual``;
dev rows are never fitted on). On the dev rows, the n-gram logit and the shipped head's logit
are each standardized (their mean and spread over the dev texts, no labels) and averaged with
equal weights; one Platt scaling on the dev labels then calibrates the mix, as the heads
themselves are calibrated. The recipe (C = 1, equal weights) was chosen on the French and
Portuguese dev sets among four variants (C 1 or 4, n-gram weight 0.3 or 0.5); German, Danish
and Polish were measured only after. Writes ngrams.safetensors, adds ``ngrams`` and the file's
SHA-256 to manifest.json and the dev figures to metrics.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from moderation.training import data as en_data
from moderation.training import multidata
from moderation.training.evaluate import ece
from moderation.training.linear import design
from moderation.training.multiheads import _auc, _platt, _sig


def fit_language(train: list[Any], dev: list[Any], head_p: np.ndarray, feat: dict[str, Any],
                 C: float) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    ytr = np.array([e.labels["toxicity"] >= 0.5 for e in train], dtype=int)
    ydv = np.array([e.labels["toxicity"] >= 0.5 for e in dev], dtype=int)
    X, idf = design([e.text for e in train], None, feat)
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=300).fit(X, ytr)
    W = clf.coef_[0].astype(np.float16)  # what ships; the mix is fitted on these
    b = float(clf.intercept_[0])
    Xd, _ = design([e.text for e in dev], idf, feat)
    zn = Xd @ W.astype(np.float64) + b
    p = np.clip(head_p, 1e-7, 1 - 1e-7)
    zh = np.log(p / (1 - p))
    sn, sh = float(zn.std()) or 1.0, float(zh.std()) or 1.0
    mn, mh = float(zn.mean()), float(zh.mean())
    mixed = 0.5 * (zn - mn) / sn + 0.5 * (zh - mh) / sh
    a, c = _platt(mixed, ydv)
    # sigmoid(a * mixed + c) written over the raw logits: a_n * zn + a_h * zh + beta
    a_n, a_h = a * 0.5 / sn, a * 0.5 / sh
    beta = c - a * 0.5 * (mn / sn + mh / sh)
    p_mix = _sig(a_n * zn + a_h * zh + beta)
    return {"W": W, "b": b, "idf": idf, "mix": [a_n, a_h, beta],
            "metrics": {"dev_auc_head": _auc(ydv, head_p), "dev_auc_ngram": _auc(ydv, zn),
                        "dev_auc_mixed": _auc(ydv, p_mix), "ece_mixed": ece(ydv, p_mix),
                        "n_train": len(train), "n_dev": len(dev)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=Path("models/multi-tox"))
    ap.add_argument("--multi-data", type=Path, default=multidata.DEFAULT_MULTI)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--bits", type=int, default=18)
    args = ap.parse_args(argv)
    from safetensors.numpy import save_file

    from moderation.checksums import file_sha256
    from moderation.scoring import builtin

    feat = {"bits": args.bits, "char_ns": [2, 3, 4, 5], "word_ns": [1, 2]}
    if args.model.parent.resolve() != builtin_root():
        raise SystemExit(f"{args.model}: train the n-grams of a model under models/")
    manifest_path = args.model / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.pop("ngrams", None)
    manifest["files"].pop("ngrams.safetensors", None)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")  # heads alone
    scorer = builtin.load(args.model.name)
    tensors: dict[str, np.ndarray] = {}
    mix: dict[str, list[float]] = {}
    metrics: dict[str, Any] = {}
    for lang in manifest["trained_languages"]:
        t0 = time.time()
        train, dev = en_data.split(multidata.load_language(lang, args.multi_data))
        head_p = np.array([s.labels["toxicity"] for s in
                           scorer.score([e.text for e in dev], languages=[lang] * len(dev))])
        res = fit_language(train, dev, head_p, feat, args.C)
        tensors[f"W.{lang}"] = res["W"]
        tensors[f"b.{lang}"] = np.array([res["b"]], dtype=np.float32)
        tensors[f"idf.{lang}"] = res["idf"].astype(np.float16)
        mix[lang] = res["mix"]
        metrics[lang] = res["metrics"]
        print(lang, json.dumps(res["metrics"]), f"({time.time() - t0:.0f} s)", file=sys.stderr,
              flush=True)
    save_file(tensors, str(args.model / "ngrams.safetensors"))
    # 1: the heads alone; 3: with a trunk; 4: heads over two layers' pools
    manifest["version"] = ("3" if manifest.get("trunk") else
                           "4" if manifest.get("encoder", {}).get("pool_layers") else "2")
    manifest["ngrams"] = {"weights": "ngrams.safetensors", "features": feat, "mix": mix,
                          "training": {"command": "python -m moderation.training.multingram "
                                       f"--model {args.model} --C {args.C} --bits {args.bits}"}}
    mpath = args.model / "metrics.json"
    all_metrics = json.loads(mpath.read_text(encoding="utf-8")) if mpath.is_file() else {}
    all_metrics["ngram_mix"] = metrics
    mpath.write_text(json.dumps(all_metrics, indent=1, sort_keys=True) + "\n")
    manifest["files"]["ngrams.safetensors"] = file_sha256(args.model / "ngrams.safetensors")
    manifest["files"]["metrics.json"] = file_sha256(mpath)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(metrics, indent=1))
    return 0


def builtin_root() -> Path:
    from moderation.scoring import models_dir

    return models_dir().resolve()


if __name__ == "__main__":
    raise SystemExit(main())
