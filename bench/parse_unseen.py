"""Leave-one-site-out and held-out-site figures, old parser against new in the same run.

The old parser is the tree of ``--baseline-ref`` (git archive into a temporary folder), run in
a subprocess over the same pages; the new one is this tree. Where the text-dump parser uses a
learned line model, each site is parsed by a model trained without any page of that site
(``moderation.training.dumplines``); rules cannot be rebuilt per site, so for them the figure
that matters is the HELD-OUT one: sites nobody opened while writing them (parse_sites.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from parse_metrics import page_figures, summary
from parse_sites import Page, catalogue, parse_page

ROOT = Path(__file__).resolve().parents[1]


def collect_old(ref: str, pages: Path, cache: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "moderation"],
                                 check=True, capture_output=True).stdout
        tar = Path(tmp) / "old.tar"
        tar.write_bytes(archive)
        with tarfile.open(tar) as t:
            t.extractall(tmp, filter="data")
        out = Path(tmp) / "out.json"
        env = dict(os.environ, PYTHONPATH=tmp)
        subprocess.run([sys.executable, str(ROOT / "bench/parse_sites.py"), "collect",
                        str(pages), str(cache), str(out)], check=True, env=env, cwd=tmp)
        return json.loads(out.read_text())


def collect_new(pages: list[Page], loso: bool) -> dict:
    """This tree's parse; with a line model, each site read by a model trained without it."""
    try:
        from moderation.parse import dumpmodel
        from moderation.training import dumplines
    except ImportError:
        return {p.name: parse_page(p) for p in pages}
    if not loso:
        return {p.name: parse_page(p) for p in pages}
    out = {}
    by_site: dict[str, list[Page]] = {}
    for p in pages:
        by_site.setdefault(p.site, []).append(p)
    for site, own in by_site.items():
        model = dumplines.train([q for q in pages if q.site != site and not q.held_out])
        with dumpmodel.using(model):
            for p in own:
                out[p.name] = parse_page(p)
    return out


def figures(pages: list[Page], outs: dict, kind: str, which) -> dict:
    return summary([page_figures(p, outs[p.name][kind], kind) for p in pages if which(p)])


GROUPS = {
    "all pages (leave-one-site-out)": lambda p: p.group != "cut",
    "held-out sites (never opened)": lambda p: p.held_out,
    "dev sites": lambda p: not p.held_out and p.group != "cut",
    "dev pages, comments cut out": lambda p: p.group == "cut",
}


def run(pages_dir: Path, cache: Path, ref: str, render_python: str, loso: bool = True) -> dict:
    pages = catalogue(pages_dir, cache, render_python)
    old = collect_old(ref, pages_dir, cache)
    new = collect_new(pages, loso)
    report: dict = {"baseline_ref": ref, "groups": {}, "dev_pages": {}}
    cols = ("found_in_one_comment_pct", "in_body_pct", "kept_apart_pct",
            "boilerplate_in_body_pct", "with_comments_none_output", "invented_on_negatives")
    print("\n== unseen sites: issue 16's figures, old (", ref, ") vs new")
    print(f"{'group':32} {'kind':4} {'who':3} {'found%':>6} {'body%':>6} {'apart%':>6} "
          f"{'boil%':>6} {'none out':>9} {'invent':>6}")
    for gname, which in GROUPS.items():
        for kind in ("html", "text") if not gname.endswith("cut out") else ("text",):
            for who, outs in (("old", old), ("new", new)):
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
