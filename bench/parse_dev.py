"""Quick text-dump loop over the DEV pages only (never the held-out ones), for rule work.

    PYTHONPATH=. .venv/bin/python bench/parse_dev.py [--render-python /tmp/rpvenv/bin/python]
        [--folds DIR] [--retrain] [--rules] [--blind [headings|above]] [-v] [NAME-PART ...]

Each dev site is parsed as a text dump by a line classifier trained without it (grouped
5-fold by site, as parse_unseen.py does); the fold models are cached as JSON in ``--folds``
and reused until ``--retrain`` (retrain after changing the features or anything they read,
e.g. the phrase tables). Prints the pages that lose snippets or invent comments, then issue 16's
figures for the dev pages and for the dev pages with their comments cut out (text dumps;
for HTML, the invented comments on the pages whose HTML cut cleanly, ``parse_sites.cut_html``). Much faster than
parse_quality.py (no old-tree run, no HTML, no trafilatura) when the folds are cached.

``--blind`` removes from every dump the lines the phrase tables know (comment headings,
counters, widget and form lines, "no comments" notices, sidebar headings) before parsing;
``--blind headings`` only the comment headings and counters: proxies for sites whose widget
or theme speaks a language or wording the tables lack, so that what the STRUCTURE alone
finds is measured (the fold models are the same; they were trained with those
lines present). ``--blind above`` removes all of them, but only above the first comment: the
heading unknown, the reply form, "load more" and sidebar lines under the comments known (the
zone must not start at those, late, and leave the comments in the body).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from parse_metrics import page_figures, summary
from parse_sites import FOLDS, catalogue, page_options, parse_page

from moderation.parse import chrome, dumplines, dumpzone
from moderation.training.dumplines import LabelledDump, design, export, fit

ROOT = Path(__file__).resolve().parents[1]


def _known(line: str, what: str) -> bool:
    s = line.strip()
    if not s or what == "headings":
        return bool(s) and chrome.is_zone_start(s)
    return (chrome.is_zone_start(s) or chrome.is_zone_end(s) or chrome.is_widget_line(s)
            or chrome.says_no_comments(s) or chrome.is_page_end(s))


def _first_comment_line(page, lines: list[str]) -> int:
    from parse_metrics import norm, snippets

    snips = [f" {s} " for g in page.silver for s in snippets(g.get("text") or "")]
    return next((i for i, ln in enumerate(lines) if any(s in f" {norm(ln)} " for s in snips)),
                len(lines))


def blind(page, what: str = "all"):
    """The page with the lines the phrase tables know (all, or the comment headings and
    counters only) removed from its dump; ``above``: all of them, but only above the first
    comment (the heading unknown, the reply form and sidebar below it known)."""
    lines = page.dump.split("\n")
    if what == "above":
        first = _first_comment_line(page, lines)
        return replace(page, dump="\n".join(ln for i, ln in enumerate(lines)
                                             if i >= first or not _known(ln, "all")))
    return replace(page, dump="\n".join(ln for ln in lines if not _known(ln, what)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    page_options(ap)
    ap.add_argument("--folds", type=Path, default=ROOT / "bench/results/dev_folds")
    ap.add_argument("--retrain", action="store_true")
    ap.add_argument("--rules", action="store_true", help="no learned classifier")
    ap.add_argument("--blind", nargs="?", const="all", choices=("all", "headings", "above"),
                    help="drop the lines the phrase tables know (all, or only the comment "
                         "headings and counters): what the structure alone finds")
    ap.add_argument("-v", action="store_true", help="a row for every page")
    ap.add_argument("only", nargs="*", help="parse only pages whose name holds one of these")
    args = ap.parse_args(argv)
    dev = [p for p in catalogue(args.pages, args.dumps, args.render_python) if not p.held_out]
    sites = sorted({p.site for p in dev})
    args.folds.mkdir(parents=True, exist_ok=True)
    outs, html_cut = {}, {}
    try:
        for k in range(FOLDS):
            test = set(sites[k::FOLDS])
            f = args.folds / f"{k}.json"
            if args.retrain or not f.exists():
                lab = [LabelledDump.of(p) for p in dev if p.site not in test]
                X, y, _g = design(lab)
                f.write_text(json.dumps(export(fit(X, y))))
            model = dumplines.LineModel(json.loads(f.read_text()))
            dumpzone.use_model(False if args.rules else model)
            for p in dev:
                if p.site in test and (not args.only or any(o in p.name for o in args.only)):
                    got = parse_page(blind(p, args.blind) if args.blind else p)
                    outs[p.name] = got["text"]
                    if p.group == "cut" and "html" in got:
                        html_cut[p.name] = got["html"]
    finally:
        dumpzone.use_model(None)
    rows = []
    for p in dev:
        if p.name not in outs:
            continue
        r = page_figures(blind(p, args.blind) if args.blind else p, outs[p.name], "text")
        rows.append((p, r))
        if args.v or r["in_body"] or r["found"] < r["snippets"] or (r["negative"] and r["output"]):
            print(f"{p.name[:60]:60} snippets={r['snippets']:4} found={r['found']:4} "
                  f"body={r['in_body']:4} out={r['output']:3} apart={r['apart']}/{r['pairs']}")
    print("dev ", json.dumps(summary([r for p, r in rows if p.group != "cut"])))
    print("cut ", json.dumps(summary([r for p, r in rows if p.group == "cut"])))
    cut_html = [(p, page_figures(p, html_cut[p.name], "html")) for p, _r in rows
                if p.name in html_cut]
    for p, r in cut_html:
        if r["output"] and (args.v or args.only):
            print(f"{p.name[:60]:60} html out={r['output']:3}")
    print("cut html", json.dumps({k: v for k, v in summary([r for _p, r in cut_html]).items()
                                  if k in ("pages", "invented_on_negatives")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
