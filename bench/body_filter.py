"""Could the text-dump line classifier keep boilerplate out of the article body? (issue 16)

    PYTHONPATH=. .venv/bin/python bench/body_filter.py [--render-python /tmp/rpvenv/bin/python]

The classifier (moderation/parse/dumplines.json) labels every dump line ``body``, ``header``,
``text`` or ``boiler``. This bench asks what using its ``body`` / ``boiler`` split as a filter
on the parsed body would cost: each dev page (never a held-out one) is parsed as a text dump
by the fold model trained without its site (parse_dev.py's cached folds, grouped 5-fold by
site), and every body line whose P(boiler) / (P(boiler) + P(body)) reaches the threshold is
dropped. Prints, per threshold, the boilerplate left in the body and the article lines kept
(parse_metrics.py's definitions: lines against trafilatura's extraction of the HTML), for the
dev pages and for the dev pages with their comments cut out. Threshold "off" is the parser as
it ships.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parse_metrics import norm, page_figures, summary
from parse_sites import FOLDS, catalogue, page_options, parse_page

from moderation.parse import dumplines, dumpzone

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (None, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5)


def boiler_share(model: dumplines.LineModel, dump: str) -> dict[str, float]:
    """P(boiler) / (P(boiler) + P(body)) per normalized dump line (its lowest, where it
    repeats)."""
    lines = dump.split("\n")
    idx, X = dumplines.line_features(lines)
    if not idx:
        return {}
    P = model.proba(X)
    b, a = dumplines.CLASSES.index("boiler"), dumplines.CLASSES.index("body")
    out: dict[str, float] = {}
    for i, p in zip(idx, P, strict=True):
        n = norm(lines[i])
        out[n] = min(out.get(n, 1.0), float(p[b] / max(p[b] + p[a], 1e-9)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    page_options(ap)
    ap.add_argument("--folds", type=Path, default=ROOT / "bench/results/dev_folds")
    args = ap.parse_args(argv)
    dev = [p for p in catalogue(args.pages, args.dumps, args.render_python) if not p.held_out]
    sites = sorted({p.site for p in dev})
    missing = [k for k in range(FOLDS) if not (args.folds / f"{k}.json").exists()]
    if missing:
        sys.exit(f"no fold models in {args.folds}: run bench/parse_dev.py first")
    parsed = []
    try:
        for k in range(FOLDS):
            test = set(sites[k::FOLDS])
            model = dumplines.LineModel(json.loads((args.folds / f"{k}.json").read_text()))
            dumpzone.use_model(model)
            for p in dev:
                if p.site in test:
                    parsed.append((p, parse_page(p)["text"], boiler_share(model, p.dump)))
    finally:
        dumpzone.use_model(None)
    print(f"{'threshold':>9}  {'dev boiler%':>11} {'article kept%':>13}  "
          f"{'cut boiler%':>11} {'article kept%':>13}")
    for t in THRESHOLDS:
        cells = []
        for cut in (False, True):
            rows = []
            for p, out, share in parsed:
                if (p.group == "cut") != cut:
                    continue
                body = out["body"].split("\n")
                kept = body if t is None else [ln for ln in body
                                              if share.get(norm(ln), 0.0) < t]
                rows.append(page_figures(p, {**out, "body": "\n".join(kept)}, "text"))
            s = summary(rows)
            cells.append(f"{s['boilerplate_in_body_pct']:>11} {s['article_lines_kept_pct']:>13}")
        print(f"{'off' if t is None else t:>9}  " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
