"""Quick HTML loop over the DEV pages only (never the held-out ones), for rule work.

    PYTHONPATH=.:bench .venv/bin/python bench/parse_dev_html.py [--blind] [-v] [NAME-PART ...]

Parses every dev page (and every dev page whose HTML cut cleanly, ``parse_sites.cut_html``)
as HTML and prints issue 16's figures; ``-v`` a row for every page, else only the pages that
lose snippets, put them in the body, merge comments or invent some.

``--blind`` first renames every class and id token of the page to a meaningless one (the same
token always gets the same name, so repeated structure stays visible; ``itemprop``/``itemtype``
microdata, tag names and ``<time datetime>`` stay): a proxy for a site whose comment markup no
rule names, which is what most held-out HTML failures look like from outside. What the parser
still finds there comes from STRUCTURE alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from parse_metrics import page_figures, summary
from parse_sites import catalogue, page_options

ROOT = Path(__file__).resolve().parents[1]


def _anon(token: str) -> str:
    return "x" + hashlib.sha1(token.encode()).hexdigest()[:8]


def blind_html(data: bytes) -> bytes:
    """The page with every class and id token renamed (structure kept, names gone)."""
    import lxml.html

    root = lxml.html.document_fromstring(data)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("class"):
            el.set("class", " ".join(_anon(t) for t in el.get("class").split()))
        if el.get("id"):
            el.set("id", _anon(el.get("id")))
    return lxml.html.tostring(root, encoding="utf-8")


def parse_html_page(data: bytes, name: str) -> dict:
    from moderation.parse import parse_bytes

    r = parse_bytes(data, name + ".html", "html")
    a = r.articles[0]
    return {"body": a.body or "", "warnings": list(r.warnings),
            "comments": [{"text": c.text, "author": c.author, "date": c.date,
                          "date_iso": c.date_iso, "parent": c.parent, "id": c.id}
                         for c in a.comments if c.kind == "comment"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    page_options(ap)
    ap.add_argument("--blind", action="store_true", help="rename every class and id first")
    ap.add_argument("-v", action="store_true", help="a row for every page")
    ap.add_argument("--dump-json", type=Path, help="write every page's parse here")
    ap.add_argument("only", nargs="*", help="parse only pages whose name holds one of these")
    args = ap.parse_args(argv)
    dev = [p for p in catalogue(args.pages, args.dumps, args.render_python) if not p.held_out]
    rows, outs = [], {}
    for p in dev:
        if args.only and not any(o in p.name for o in args.only):
            continue
        data = p.html_data if p.group == "cut" else p.html.read_bytes()
        if data is None:
            continue
        if args.blind:
            data = blind_html(data)
        out = parse_html_page(data, p.name)
        outs[p.name] = out
        r = page_figures(replace(p), out, "html")
        rows.append((p, r))
        if args.v or r["in_body"] or r["found"] < r["snippets"] or r["apart"] < r["pairs"] or (
                r["negative"] and r["output"]):
            print(f"{p.name[:60]:60} snippets={r['snippets']:4} found={r['found']:4} "
                  f"body={r['in_body']:4} out={r['output']:3} apart={r['apart']}/{r['pairs']}")
    print("dev html", json.dumps(summary([r for p, r in rows if p.group != "cut"])))
    print("cut html", json.dumps({k: v for k, v in summary(
        [r for p, r in rows if p.group == "cut"]).items()
        if k in ("pages", "invented_on_negatives")}))
    if args.dump_json:
        args.dump_json.write_text(json.dumps(outs, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
