"""Leave-one-site-out and held-out-site figures, old parser against new in the same run.

The old parser is the tree of ``--baseline-ref`` (git archive into a temporary folder), run in
a subprocess over the same pages; the new one is this tree, once with its rules only (the
learned text-dump line classifier switched off) and once whole. Rules cannot be rebuilt without
a site; the learned model can: for the leave-one-site-out figure every dev site is parsed by a
model trained without it (grouped 5-fold by site over the dev sites, ``moderation.training.
dumplines``), and the held-out sites by the shipped model (trained on all dev sites). The
figure that matters most is the HELD-OUT one: sites nobody opened while writing the rules or
designing the features (parse_sites.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from parse_metrics import page_figures, summary
from parse_sites import Page, by_site_folds, catalogue, extract_tree, parse_page

ROOT = Path(__file__).resolve().parents[1]


def collect_old(ref: str, pages: Path, cache: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        extract_tree(ref, Path(tmp), ROOT)
        out = Path(tmp) / "out.json"
        env = dict(os.environ, PYTHONPATH=tmp)
        subprocess.run([sys.executable, str(ROOT / "bench/parse_sites.py"), "collect",
                        str(pages), str(cache), str(out)], check=True, env=env, cwd=tmp)
        return json.loads(out.read_text())


def collect_rules(pages: list[Page]) -> dict:
    """This tree's rules alone (no learned line classifier) on every page."""
    from moderation.parse import dumpzone

    dumpzone.use_model(False)
    try:
        return {p.name: parse_page(p) for p in pages}
    finally:
        dumpzone.use_model(None)


def collect_new(pages: list[Page]) -> dict:
    """This tree's parse of every page; each dev site by a model trained without it."""
    out = {p.name: parse_page(p) for p in pages if p.held_out}  # the shipped model
    out.update({p.name: parse_page(p) for p in by_site_folds([p for p in pages
                                                               if not p.held_out])})
    return out


def figures(pages: list[Page], outs: dict, kind: str, which) -> dict:
    # (a cut page has HTML only where its comments' markup could be cut out cleanly)
    return summary([page_figures(p, outs[p.name][kind], kind) for p in pages
                    if which(p) and kind in outs[p.name]])


GROUPS = {
    "leave-one-site-out (all pages)": lambda p: p.group != "cut",
    "held-out sites (never opened)": lambda p: p.held_out,
    "dev sites": lambda p: not p.held_out and p.group != "cut",
    "dev pages, comments cut out": lambda p: p.group == "cut",
}


def run(pages_dir: Path, cache: Path, ref: str, render_python: str) -> dict:
    pages = catalogue(pages_dir, cache, render_python)
    old = collect_old(ref, pages_dir, cache)
    rules = collect_rules(pages)
    new = collect_new(pages)
    report: dict = {"baseline_ref": ref, "groups": {}, "dev_pages": {}}
    cols = ("found_in_one_comment_pct", "in_body_pct", "kept_apart_pct",
            "boilerplate_in_body_pct", "with_comments_none_output", "invented_on_negatives")
    print("\n== unseen sites: issue 16's figures, old (", ref, ") vs new")
    print(f"{'group':32} {'kind':4} {'who':3} {'found%':>6} {'body%':>6} {'apart%':>6} "
          f"{'boil%':>6} {'none out':>9} {'invent':>6}")
    for gname, which in GROUPS.items():
        for kind in ("html", "text"):
            for who, outs in (("old", old), ("rul", rules), ("new", new)):
                s = figures(pages, outs, kind, which)
                report["groups"].setdefault(gname, {}).setdefault(kind, {})[who] = s
                print(f"{gname[:32]:32} {kind:4} {who:3} " + " ".join(
                    f"{s[c]!s:>{9 if c.startswith('with') else 6}}" for c in cols))
    for p in pages:  # per page rows for dev sites only: held-out pages stay unread
        if not p.held_out:
            report["dev_pages"][p.name] = {
                kind: {who: page_figures(p, outs[p.name][kind], kind)
                       for who, outs in (("old", old), ("new", new))}
                for kind in ("html", "text") if kind in outs[p.name]}
    return report
