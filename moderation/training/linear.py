"""Train the hashed word + char n-gram logistic-regression model (scikit-learn at training
time only; the runtime in moderation.scoring.builtin is pure numpy).

    python -m moderation.training.linear --out models/linear-tox --seed 13

Every source is split train/dev by moderation.training.data (dev is only evaluated); 10 % of
train is held out to fit a per-label Platt calibration and the span threshold.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from moderation.checksums import file_sha256
from moderation.scoring.builtin import LinearScorer
from moderation.scoring.ngram_features import Features
from moderation.scoring.normalize import normalize
from moderation.training import data, evaluate

DEFAULT_FEATURES = {"bits": 20, "char_ns": [2, 3, 4, 5], "word_ns": [1, 2]}


def design(texts: list[str], idf: np.ndarray | None, feat: dict):
    """Sparse design matrix (scipy CSR) of normalized texts; fits idf when none is given."""
    from scipy.sparse import csr_matrix

    bits = feat["bits"]
    norm = [normalize(t).text for t in texts]
    rows, cols, vals = [], [], []
    for s in range(0, len(norm), 2000):
        f = Features(norm[s:s + 2000], bits, feat["char_ns"], feat["word_ns"])
        rows.append(f.row + s)
        cols.append(f.bucket)
    row, col = np.concatenate(rows), np.concatenate(cols)
    if idf is None:
        pairs = np.unique(row * (1 << bits) + col)
        df = np.bincount(pairs & ((1 << bits) - 1), minlength=1 << bits)
        idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float16)
    for s in range(0, len(norm), 2000):
        f = Features(norm[s:s + 2000], bits, feat["char_ns"], feat["word_ns"])
        r, b, v, _ = f.matrix(idf, bits)
        rows[s // 2000], cols[s // 2000] = r + s, b
        vals.append(v)
    X = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                   shape=(len(texts), 1 << bits), dtype=np.float64)
    return X, idf


def holdout(train: list[data.Example], frac: float, seed: int):
    rng = random.Random(seed)
    rows = train[:]
    rng.shuffle(rows)
    k = int(len(rows) * frac)
    return rows[k:], rows[:k]


def fit_platt(z: np.ndarray, y: np.ndarray) -> list[float]:
    from sklearn.linear_model import LogisticRegression

    if y.sum() < 5 or y.sum() > len(y) - 5:
        return [1.0, 0.0]
    m = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
    return [float(m.coef_[0, 0]), float(m.intercept_[0])]


def write_model(out: Path, W, b, idf, labels, feat, calib, spans_cfg, info) -> None:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file({"W": W.astype(np.float16), "b": b.astype(np.float32), "idf": idf.astype(np.float16)},
              str(out / "linear.safetensors"))
    manifest = {
        "name": out.name, "kind": "linear", "version": info["version"], "labels": list(labels),
        "weights": "linear.safetensors", "features": feat,
        "calibration": {"method": "platt", "params": dict(zip(labels, calib))},
        "spans": spans_cfg, "files": {"linear.safetensors": file_sha256(out / "linear.safetensors")},
        "training": info,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def tune_spans(scorer: LinearScorer, rows: list[data.Example]) -> dict[str, float]:
    """Pick the span gate and word threshold that maximize span F1 on held-out *train* rows."""
    best = (-1.0, {"gate": 0.5, "tau": 0.1})
    for gate in (0.3, 0.5, 0.7):
        for tau in (0.05, 0.1, 0.15, 0.2, 0.3):
            scorer.span_gate, scorer.span_tau = gate, tau
            res = scorer.score([e.text for e in rows])
            f1 = float(np.mean([evaluate.span_f1([(s.start, s.end) for s in r.spans], e.spans or [])
                                for r, e in zip(res, rows)]))
            if f1 > best[0]:
                best = (f1, {"gate": gate, "tau": tau})
    return {**best[1], "train_heldout_f1": round(best[0], 4)}


def train(data_dir: str, out: Path, seed: int, C: float, feat: dict, version: str,
          max_rows: int | None = None, sources: tuple[str, ...] = data.SOURCES,
          examples: list[data.Example] | None = None, log=print) -> dict:
    from sklearn.linear_model import LogisticRegression

    t0 = time.time()
    exs = examples if examples is not None else data.load_all(data_dir, sources)
    tr, dev = data.split(exs)
    if max_rows:
        tr = tr[:max_rows]
    fit, cal = holdout(tr, 0.1, seed)
    labels = [lab for lab in data.LABELS
              if sum(1 for e in fit if e.labels.get(lab) == 1.0) >= 5]
    log(f"fit {len(fit)} calibration {len(cal)} dev {len(dev)} labels {labels}")
    X, idf = design([e.text for e in fit], None, feat)
    Xc, _ = design([e.text for e in cal], idf, feat)
    W = np.zeros((1 << feat["bits"], len(labels)), dtype=np.float32)
    b = np.zeros(len(labels))
    calib = []
    for j, lab in enumerate(labels):
        rows = np.array([i for i, e in enumerate(fit) if e.labels.get(lab) is not None])
        y = np.array([fit[i].labels[lab] >= 0.5 for i in rows], dtype=int)
        m = LogisticRegression(C=C, solver="liblinear", max_iter=200, random_state=seed)
        m.fit(X[rows], y)
        W[:, j], b[j] = m.coef_[0], m.intercept_[0]
        crow = np.array([i for i, e in enumerate(cal) if e.labels.get(lab) is not None])
        cy = np.array([cal[i].labels[lab] >= 0.5 for i in crow], dtype=int)
        # Calibrate the float16-rounded weights that ship, not the float64 ones.
        Wq = W[:, j].astype(np.float16).astype(np.float64)
        z = Xc[crow] @ Wq + b[j]
        calib.append(fit_platt(z, cy))
        log(f"{lab}: {len(rows)} rows, {y.sum()} positive; platt {calib[-1]} ({time.time() - t0:.0f}s)")
    info = {"command": "python -m moderation.training.linear " + " ".join(sys.argv[1:]),
            "seed": seed, "split_seed": data.SPLIT_SEED, "C": C, "version": version,
            "fit_examples": len(fit), "calibration_examples": len(cal),
            "train_summary": data.summary(fit)}
    write_model(out, W, b, idf, labels, feat, calib, {"gate": 0.5, "tau": 0.1}, info)
    from moderation.scoring.builtin import read_manifest

    scorer = LinearScorer(out, read_manifest(out))
    ts = [e for e in cal if e.source == "toxic_spans"]
    spans_cfg = tune_spans(scorer, ts) if ts else {"gate": 0.5, "tau": 0.1}
    log(f"spans {spans_cfg}")
    write_model(out, W, b, idf, labels, feat, calib, spans_cfg, info)
    scorer = LinearScorer(out, read_manifest(out))
    probs, spans = evaluate.score_examples(scorer, dev)
    metrics = evaluate.evaluate(dev, probs, scorer.labels, spans)
    metrics["model"] = out.name
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    log(f"dev {json.dumps(metrics)} ({time.time() - t0:.0f}s)")
    return metrics


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(data.DEFAULT_DATA))
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--bits", type=int, default=DEFAULT_FEATURES["bits"])
    ap.add_argument("--max-rows", type=int, default=None, help="cap on train rows (smoke runs)")
    ap.add_argument("--version", default="1")
    a = ap.parse_args(argv)
    feat = {**DEFAULT_FEATURES, "bits": a.bits}
    train(a.data, Path(a.out), a.seed, a.C, feat, a.version, a.max_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
