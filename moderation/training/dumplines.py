"""Train the text-dump line classifier (moderation/parse/dumplines.json) from labelled pages.

    python -m moderation.training.dumplines --pages ../shared/data/pages \\
        --dumps bench/results/dumps --render-python /tmp/rpvenv/bin/python \\
        --out moderation/parse/dumplines.json [--cv 5]

Pages: every page of ../shared/data/pages and pages2 that bench/parse_sites.py's catalogue
lists, EXCEPT the held-out sites (never used for training or for designing the features),
plus the dev pages with their comments cut out (negatives; their article lines are labelled
against the whole page's reference body, as on the page itself, not all as boilerplate). Each non-blank dump line is
labelled by matching it against the page's silver comments and a reference article body
(trafilatura on the HTML, comments excluded): ``text`` (the line is part of a silver comment's
text), ``header`` (the line is a comment's author, or holds its displayed date), ``body``
(in the reference body, or the title), else ``boiler``. scikit-learn's
GradientBoostingClassifier (zero init, small trees) is fitted and written as JSON trees.
``--cv K`` first prints grouped K-fold (by site) line accuracy per class.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation.parse.dumplines import CLASSES, FEATURES, LineModel, line_features

ROOT = Path(__file__).resolve().parents[2]
PARAMS = {"n_estimators": 80, "max_depth": 3, "learning_rate": 0.15, "subsample": 0.8,
          "random_state": 16}


def norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").lower()).split())


@dataclass
class LabelledDump:
    site: str
    name: str
    lines: list[str]
    silver: list[dict]
    reference: str  # normalised reference body, padded with spaces
    title: str | None = None

    @classmethod
    def of(cls, page: Any) -> LabelledDump:
        """A bench catalogue page (bench/parse_sites.Page) as a labelled dump: its seed-style
        dump's lines, its silver comments, and its HTML's reference body (trafilatura), against
        which the article's own lines are labelled (on pages with their comments cut out too)."""
        sys.path.insert(0, str(ROOT / "bench"))
        from parse_metrics import reference_body

        return cls(page.site, page.name, page.dump.split("\n"), page.silver,
                   reference_body(str(page.html)))


def label_lines(d: LabelledDump) -> tuple[list[int], list[int]]:
    """(non-blank line indexes, class index per line)."""
    texts = [f" {norm(g.get('text'))} " for g in d.silver]
    whole = {norm(g.get("text")) for g in d.silver}
    authors = {norm(g.get("author")) for g in d.silver} - {""}
    dates = {norm(g.get("date")) for g in d.silver} - {""}
    idx, labels = [], []
    first = True
    for i, line in enumerate(d.lines):
        if not line.strip():
            continue
        n = norm(line)
        words = len(n.split())
        if n and (n in authors or words <= 15 and any(f" {x} " in f" {n} " for x in dates)):
            lab = "header"
        elif n and ((words >= 3 and any(f" {n} " in t for t in texts)) or n in whole):
            lab = "text"
        elif first or (n and f" {n} " in d.reference):
            lab = "body"
        else:
            lab = "boiler"
        first = False
        idx.append(i)
        labels.append(CLASSES.index(lab))
    return idx, labels


def design(dumps: list[LabelledDump]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels and a group (site) per row."""
    xs, ys, gs = [], [], []
    for d in dumps:
        idx, X = line_features(d.lines)
        idx2, y = label_lines(d)
        assert idx == idx2
        xs.append(X)
        ys.append(np.array(y, dtype=np.int64))
        gs += [d.site] * len(y)
    return np.vstack(xs), np.concatenate(ys), np.array(gs)


def fit(X: np.ndarray, y: np.ndarray, params: dict | None = None):
    from sklearn.ensemble import GradientBoostingClassifier

    clf = GradientBoostingClassifier(init="zero", **(params or PARAMS))
    clf.fit(X, y)
    return clf


def export(clf) -> dict:
    """The fitted classifier as plain JSON (trees per stage and class)."""
    classes = [CLASSES[int(c)] for c in clf.classes_]
    if classes != list(CLASSES):
        raise ValueError(f"every class must occur in training: got {classes}")
    trees = []
    for stage in clf.estimators_:
        row = []
        for est in stage:
            t = est.tree_
            row.append({"feature": t.feature.tolist(),
                        "threshold": [round(float(v), 9) for v in t.threshold],
                        "left": t.children_left.tolist(), "right": t.children_right.tolist(),
                        "value": [float(v) for v in t.value[:, 0, 0]]})
        trees.append(row)
    return {"format": "moderation.dumplines/1", "features": list(FEATURES),
            "classes": classes, "learning_rate": clf.learning_rate,
            "max_depth": clf.max_depth, "trees": trees}


def train_model(dumps: list[LabelledDump], params: dict | None = None) -> LineModel:
    X, y, _g = design(dumps)
    return LineModel(export(fit(X, y, params)))


def catalogue_dumps(pages: Path, cache: Path, render_python: str,
                    held_out: bool = False) -> list[LabelledDump]:
    """The bench's page catalogue (dev pages, or the held-out ones) as labelled dumps."""
    sys.path.insert(0, str(ROOT / "bench"))
    from parse_sites import catalogue

    return [LabelledDump.of(p) for p in catalogue(pages, cache, render_python)
            if p.held_out == held_out]


def cross_validate(dumps: list[LabelledDump], k: int) -> dict:
    from sklearn.model_selection import GroupKFold

    X, y, g = design(dumps)
    pred = np.zeros_like(y)
    for tr, te in GroupKFold(n_splits=k).split(X, y, g):
        pred[te] = fit(X[tr], y[tr]).predict(X[te])
    report = {"lines": len(y), "accuracy": round(float((pred == y).mean()), 3)}
    for c, name in enumerate(CLASSES):
        tp = int(((pred == c) & (y == c)).sum())
        p, r = tp / max(1, int((pred == c).sum())), tp / max(1, int((y == c).sum()))
        report[name] = {"n": int((y == c).sum()), "precision": round(p, 3), "recall": round(r, 3)}
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=Path, default=ROOT.parent / "shared/data/pages")
    ap.add_argument("--dumps", type=Path, default=ROOT / "bench/results/dumps")
    ap.add_argument("--render-python", default=sys.executable)
    ap.add_argument("--out", type=Path, default=ROOT / "moderation/parse/dumplines.json")
    ap.add_argument("--cv", type=int, default=0, help="grouped K-fold by site first")
    args = ap.parse_args(argv)
    dumps = catalogue_dumps(args.pages, args.dumps, args.render_python)
    print(f"{len(dumps)} dev dumps from {len({d.site for d in dumps})} sites", file=sys.stderr)
    if args.cv:
        print(json.dumps(cross_validate(dumps, args.cv), indent=1))
    X, y, g = design(dumps)
    spec = export(fit(X, y))
    spec["trained_on"] = {
        "data": "../shared/data/pages: html/ with text_dumps/ and silver_comments/; pages2/html "
                "(dev sites only, dumps rendered by tools/render_like_seed.py) with "
                "silver_comments/; the same dev pages with their comments cut out",
        "held_out_sites_excluded": True, "dumps": len(dumps), "sites": len(set(g.tolist())),
        "lines": len(y), "labels": "silver (matched per line, see the training module)",
        "params": PARAMS}
    args.out.write_text(json.dumps(spec, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(y)} lines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
