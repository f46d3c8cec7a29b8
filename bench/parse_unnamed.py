"""Real pages whose markup and phrases no rule names: dev pages renamed, dumps unphrased.

    .venv/bin/python bench/parse_unnamed.py [--baseline-ref REF] [--pages DIR]
        [--dumps DIR] [--render-python /tmp/rpvenv/bin/python]

Issue 16 asks for comments found from the STRUCTURE of markup no rule names. The synthetic
pages of parse_synthetic.py are made here; this bench takes the real dev pages of
../shared/data/pages (held-out sites never: bench/parse_sites.py) and renames every class and
id token to a hash of itself, the same token the same way throughout a page, as a CSS-in-JS
build or an unknown theme prints them. Schema.org microdata (itemprop/itemtype) and the
document's shape stay. So a comment list is found only by what htmlrepeat reads (alike
sibling subtrees with a name, a date and text), by microdata, or by the page's headings.

The same for the seed-style TEXT dumps of those pages: every line the phrase tables know
(comment headings and counters, the reply form's prompt and notices, reply/like/sort lines,
"says:"; chrome.py) gets its words replaced by made-up words, the same word the same way,
except the words of the page's title and any date or age line, as a theme in a language no
table knows would print them. Each dump is parsed by a line classifier trained without its
site (5-fold by site, as parse_unseen.py does).

And once more with every date or age line taken out of the dump ("dates lost"): some
renderers drop each comment's date, and the comments must still be found by their names and
their list's shape. And once as a language no table knows would print the page ("unknown
language"): the phrase lines made up as above and the words of every date or age line made up
too, its digits kept ("50 Minuten 46 Sekunden her" -> "50 Debuziha 46 Fubafedak debu").

Printed per tree (this one and ``--baseline-ref``'s, parsed in a child process over the same
bytes): issue 16's figures on the changed pages with comments and on the dev pages with
their comments cut out (negatives), and the unchanged pages beside them. The HTML article
body comes from trafilatura, which reads class names too: "article lines kept" falls on
renamed pages for that reason, not because of the comment cutting.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def rename(data: bytes, salt: str) -> bytes:
    """The page with each class and id token replaced by a hash of it (salted per page)."""
    import lxml.html

    from moderation.parse.decode import decode

    text, _enc = decode(data, salt)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    text = re.sub(r"(?i)<meta[^>]*charset[^>]*>", "", text)  # re-encoded as UTF-8 below
    root = lxml.html.fromstring(text)

    def tok(t: str) -> str:
        return "x" + hashlib.sha1((salt + t).encode()).hexdigest()[:7]

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("class"):
            el.set("class", " ".join(tok(t) for t in el.get("class", "").split()))
        if el.get("id"):
            el.set("id", tok(el.get("id", "")))
    out = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    out = re.sub(r"(?i)<head([^>]*)>", r'<head\1><meta charset="utf-8">', out, count=1)
    return out.encode("utf-8")


def _made_up(word: str) -> str:
    h = hashlib.sha1(word.lower().encode()).hexdigest()
    out = "".join("bcdfghklmnprstvz"[int(c, 16)] if i % 2 == 0 else "aeiou"[int(c, 16) % 5]
                  for i, c in enumerate(h[:len(word)]))
    return out.capitalize() if word[:1].isupper() else out


def unphrase(dump: str) -> str:
    """The dump with the words of every line the phrase tables know made up (title words and
    date lines kept)."""
    from moderation.parse import bylines, chrome

    head = [ln for ln in dump.split("\n") if ln.strip()][:3]
    keep = {w.lower() for ln in head for w in re.findall(r"[^\W\d_]+", ln)}
    out = []
    for line in dump.split("\n"):
        s = line.strip()
        if s and not bylines.is_date_line(s) and (
                chrome.is_zone_start(s) or chrome.is_zone_end(s) or chrome.is_widget_line(s)
                or chrome.is_counter(s) or chrome.says_no_comments(s) or chrome.is_meta_line(s)):
            line = re.sub(r"[^\W\d_]+", lambda m: m.group() if m.group().lower() in keep
                          else _made_up(m.group()), line)
        out.append(line)
    return "\n".join(out)


def undated(dump: str) -> str:
    """The dump without its date and age lines."""
    from moderation.parse import bylines

    return "\n".join(ln for ln in dump.split("\n") if not bylines.is_date_line(ln.strip()))


def unknown_language(dump: str) -> str:
    """The dump unphrased, and its date and age lines' words made up (digits kept)."""
    from moderation.parse import bylines

    out = []
    for line in unphrase(dump).split("\n"):
        if bylines.is_date_line(line.strip()):
            line = re.sub(r"[^\W\d_]+", lambda m: _made_up(m.group() + "§"), line)
        out.append(line)
    return "\n".join(out)


def _figures(page, data: bytes, fmt: str) -> dict:
    from parse_metrics import page_figures

    from moderation.errors import InputError
    from moderation.parse import parse_bytes

    try:
        a = parse_bytes(data, page.name + (".html" if fmt == "html" else ".txt"), fmt).articles[0]
        got = {"body": a.body or "", "comments": [{"text": c.text} for c in a.comments]}
    except InputError:
        got = {"body": "", "comments": []}
    return page_figures(page, got, fmt)


def collect(pages_dir: Path, cache: Path, render_python: str) -> dict:
    """Issue 16's counts per dev page, plain and changed, by the importable parser."""
    from parse_sites import by_site_folds, catalogue

    dev = [p for p in catalogue(pages_dir, cache, render_python) if not p.held_out]
    out: dict = {}
    for p in dev:
        data = p.html_data if p.group == "cut" else p.html.read_bytes()
        if data is not None:
            out[p.name] = {"cut": p.group == "cut", "html": {
                "plain": _figures(p, data, "html"),
                "changed": _figures(p, rename(data, p.name), "html")}}
    for p in by_site_folds(dev):
        out.setdefault(p.name, {"cut": p.group == "cut"})["text"] = {
            "plain": _figures(p, p.dump.encode(), "text"),
            "changed": _figures(p, unphrase(p.dump).encode(), "text"),
            "undated": _figures(p, undated(p.dump).encode(), "text"),
            "unknown": _figures(p, unknown_language(p.dump).encode(), "text")}
    return out


def baseline(ref: str, args: argparse.Namespace) -> dict:
    from parse_sites import extract_tree

    with tempfile.TemporaryDirectory() as tmp:
        extract_tree(ref, Path(tmp), ROOT)
        out = Path(tmp) / "out.json"
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(out),
                        "--pages", str(args.pages), "--dumps", str(args.dumps),
                        "--render-python", args.render_python],
                       check=True, cwd=tmp, env=dict(os.environ, PYTHONPATH=tmp))
        return json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=Path, default=ROOT.parent / "shared/data/pages")
    ap.add_argument("--dumps", type=Path, default=ROOT / "bench/results/dumps")
    ap.add_argument("--render-python", default=sys.executable)
    ap.add_argument("--baseline-ref", default=None)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.pages.is_dir():
        print(f"no pages at {args.pages}; pass --pages", file=sys.stderr)
        return 2
    now = collect(args.pages, args.dumps, args.render_python)
    if args.child:
        args.child.write_text(json.dumps(now))
        return 0
    from parse_metrics import summary

    trees = [("this tree", now)] + (
        [(args.baseline_ref, baseline(args.baseline_ref, args))] if args.baseline_ref else [])
    cols = ("found_in_one_comment_pct", "in_body_pct", "kept_apart_pct",
            "boilerplate_in_body_pct", "article_lines_kept_pct", "with_comments_none_output",
            "invented_on_negatives")
    print(f"{'tree':12} {'pages':21} {'found%':>6} {'body%':>6} {'apart%':>6} {'boil%':>6} "
          f"{'art%':>6} {'none out':>9} {'invent':>6}")
    report: dict = {"baseline_ref": args.baseline_ref, "figures": {}}
    labels = {("html", "plain"): "html", ("html", "changed"): "html renamed",
              ("text", "plain"): "text", ("text", "changed"): "text unphrased",
              ("text", "undated"): "text dates lost", ("text", "unknown"): "text unknown lang"}
    for who, rows in trees:
        for (fmt, kind), label in labels.items():
            for group, cut in (("with comments", False), ("comments cut out", True)):
                s = summary([r[fmt][kind] for r in rows.values()
                             if r["cut"] == cut and kind in r.get(fmt, {})])
                report["figures"].setdefault(who, {})[f"{label}, {group}"] = s
                print(f"{who[:12]:12} {label + (', cut' if cut else ''):21} " + " ".join(
                    f"{s[c]!s:>{9 if c.startswith('with') else 6}}" for c in cols))
    if args.baseline_ref:
        old = trees[1][1]
        for name, row in now.items():
            for fmt, kind in (("html", "changed"), ("text", "changed"), ("text", "undated"),
                              ("text", "unknown")):
                if fmt not in row or kind not in old[name].get(fmt, {}):
                    continue
                a, b = old[name][fmt][kind], row[fmt][kind]
                if (a["found"], a["output"]) != (b["found"], b["output"]):
                    print(f"  changed ({labels[fmt, kind]}) {name}: found {a['found']} -> "
                          f"{b['found']} of {b['snippets']}, comments output {a['output']} -> "
                          f"{b['output']}")
    res = ROOT / "bench/results/parse_unnamed.json"
    res.parent.mkdir(parents=True, exist_ok=True)
    res.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
