"""Leave-one-site-out and held-out-site figures, old parser against new in the same run.

The old parser is the tree of ``--baseline-ref`` (git archive into a temporary folder), run in
a subprocess over the same pages; the new one is this tree. The parser is rules only (no
learned model ships yet), and rules cannot be rebuilt without a site, so the leave-one-site-out
figure is the all-pages one; the figure that matters is the HELD-OUT one: sites nobody opened
while writing the rules (parse_sites.py). A learned model would plug in at ``collect_new``:
train without the site, parse the site.
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


def collect_new(pages: list[Page]) -> dict:
    """This tree's parse of every page (rules: the same parser for every site)."""
    return {p.name: parse_page(p) for p in pages}


def figures(pages: list[Page], outs: dict, kind: str, which) -> dict:
    return summary([page_figures(p, outs[p.name][kind], kind) for p in pages if which(p)])


GROUPS = {
    "all pages (= leave-one-site-out)": lambda p: p.group != "cut",
    "held-out sites (never opened)": lambda p: p.held_out,
    "dev sites": lambda p: not p.held_out and p.group != "cut",
    "dev pages, comments cut out": lambda p: p.group == "cut",
}


def run(pages_dir: Path, cache: Path, ref: str, render_python: str) -> dict:
    pages = catalogue(pages_dir, cache, render_python)
    old = collect_old(ref, pages_dir, cache)
    new = collect_new(pages)
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
