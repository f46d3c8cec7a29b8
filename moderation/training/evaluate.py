"""Dev-split metrics shared by training and the bench: ROC-AUC, ECE, span F1 (numpy only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from moderation.training import data


def roc_auc(y: Sequence[float], p: Sequence[float]) -> float | None:
    """Mann-Whitney ROC-AUC with tied scores averaged; None when a class is missing."""
    y_a = np.asarray(y, dtype=float) >= 0.5
    p_a = np.asarray(p, dtype=float)
    n_pos, n_neg = int(y_a.sum()), int((~y_a).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(p_a, kind="mergesort")
    ranks = np.empty(len(p_a))
    sp = p_a[order]
    # average ranks over ties
    bounds = np.flatnonzero(np.diff(sp)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(sp)]])
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y_a].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ece(y: Sequence[float], p: Sequence[float], bins: int = 10) -> float:
    """Expected calibration error, equal-width bins over [0, 1]."""
    y_a = (np.asarray(y, dtype=float) >= 0.5).astype(float)
    p_a = np.asarray(p, dtype=float)
    idx = np.minimum((p_a * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() * abs(p_a[m].mean() - y_a[m].mean())
    return float(total / max(1, len(p_a)))


def span_f1(pred: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]]) -> float:
    """SemEval-2021 Task 5 per-post F1 over character offsets (both empty: 1)."""
    ps = {c for s, e in pred for c in range(s, e)}
    gs = {c for s, e in gold for c in range(s, e)}
    if not gs:
        return 1.0 if not ps else 0.0
    if not ps:
        return 0.0
    tp = len(ps & gs)
    if tp == 0:
        return 0.0
    prec, rec = tp / len(ps), tp / len(gs)
    return 2 * prec * rec / (prec + rec)


def evaluate(dev: list[data.Example], probs: np.ndarray, labels: Sequence[str],
             spans: Sequence[Sequence[tuple[int, int]]] | None = None) -> dict:
    """Per source: n, per-label ROC-AUC (with positives), toxicity ECE; span F1 on Toxic Spans."""
    out: dict = {"sources": {}}
    for src in sorted({e.source for e in dev}):
        idx = [i for i, e in enumerate(dev) if e.source == src]
        res: dict = {"n": len(idx), "roc_auc": {}, "positives": {}}
        for j, lab in enumerate(labels):
            rows = [i for i in idx if dev[i].labels.get(lab) is not None]
            if not rows:
                continue
            y = [float(dev[i].labels[lab] or 0.0) for i in rows]  # rows hold no None
            auc = roc_auc(y, probs[rows, j].tolist())
            if auc is not None:
                res["roc_auc"][lab] = round(auc, 4)
                res["positives"][lab] = int(sum(v >= 0.5 for v in y))
        if "toxicity" in labels:
            j = list(labels).index("toxicity")
            yt = [float(dev[i].labels["toxicity"]) for i in idx]  # type: ignore[arg-type]
            res["ece_toxicity"] = round(ece(yt, probs[idx, j].tolist()), 4)
            res["mean_p_toxicity"] = round(float(np.mean(probs[idx, j])), 4)
            res["prevalence_toxicity"] = round(float(np.mean(np.asarray(yt) >= 0.5)), 4)
        out["sources"][src] = res
    if spans is not None:
        f1 = [span_f1(spans[i], e.spans or []) for i, e in enumerate(dev) if e.source == "toxic_spans"]
        if f1:
            out["span_f1_toxic_spans"] = round(float(np.mean(f1)), 4)
    return out


def score_examples(scorer, dev: list[data.Example], batch: int = 512,
                   progress: Callable[[int], None] | None = None):
    """Run a Scorer over examples; returns (probs array in scorer.labels order, spans)."""
    labels = list(scorer.labels)
    probs = np.zeros((len(dev), len(labels)))
    spans: list[list[tuple[int, int]]] = []
    for s in range(0, len(dev), batch):
        res = scorer.score([e.text for e in dev[s:s + batch]])
        for k, r in enumerate(res):
            for j, lab in enumerate(labels):
                probs[s + k, j] = r.labels.get(lab, 0.0)
            spans.append([(sp.start, sp.end) for sp in r.spans])
        if progress:
            progress(s + len(res))
    return probs, spans
