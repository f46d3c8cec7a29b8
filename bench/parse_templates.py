"""Our own HTML comment templates through the real seed-style renderer, then the text parser.

    PYTHONPATH=. .venv/bin/python bench/parse_templates.py --render-python /tmp/rpvenv/bin/python

The HTML pages of tests/test_parse_html_languages.py (unnamed comment markup and one-line
bylines) and five systems' markup of our own (WordPress, Drupal, phpBB, a news CMS, an avatar
table), eight languages, with and without a heading, are rendered as seed-style text dumps by
../shared/data/pages/tools/render_like_seed.py (resiliparse's main-content text, then the
line filters) in the Python that has resiliparse, and each dump is parsed as a text dump.
This is the text parser's development loop on pages nobody saved from a site: the renderer
glues inline elements ("Anna Berg3. März 2024"), drops one-word lines and sometimes the whole
comment section. Prints, per template kind, how many dumps kept their comments and how many
of those come out exact (texts; then authors where the renderer kept the name, and dates),
with an example of each imperfect kind.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
TOOL = ROOT.parent / "shared" / "data" / "pages" / "tools"

RENDER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from render_like_seed import render
pages = json.load(open(sys.argv[2]))
json.dump({k: render(v) for k, v in pages.items()}, open(sys.argv[3], "w"))
"""


def _systems():
    """Comment markup as five kinds of systems print it (ours, no site's): WordPress' default
    theme, Drupal's, a phpBB forum, a news CMS with action links and a counter, an avatar table."""
    from test_parse_languages import LANGS, TITLE, _date

    def wp(lang, k, who, t):
        _h, says, reply, *_ = LANGS[lang]
        return (f"<li class='comment'><article class='comment-body'><footer class='comment-meta'>"
                f"<div class='comment-author vcard'><img alt='' src='a.png' class='avatar'> "
                f"<b class='fn'>{who}</b> <span class='says'>{says}</span></div>"
                f"<div class='comment-metadata'><a href='#c{k}'><time>{_date(lang, k)}</time>"
                f"</a></div></footer><div class='comment-content'><p>{t}</p></div>"
                f"<div class='reply'><a class='comment-reply-link' href='#'>{reply}</a></div>"
                "</article></li>")

    def drupal(lang, k, who, t):
        return (f"<article class='comment'><footer class='comment__meta'><p class='comment__author'>"
                f"<span>{who}</span></p><p class='comment__time'>{_date(lang, k)}</p>"
                "<p><a href='#'>Permalink</a></p></footer><div class='comment__content'><h3>"
                f"<a href='#'>{' '.join(t.split()[:2])}</a></h3><div class='field'><p>{t}</p>"
                "</div><ul class='links'><li><a href='#'>Reply</a></li></ul></div></article>")

    def phpbb(lang, k, who, t):
        return (f"<div class='post'><h3><a href='#'>Re: {TITLE}</a></h3><p class='author'>by "
                f"<strong><a href='#'>{who}</a></strong> » {_date(lang, k)}</p>"
                f"<div class='content'>{t}</div></div>")

    def news(lang, k, who, t):
        return (f"<div class='cmt'><div class='cmt-head'><span class='cmt-name'>{who}</span>"
                f"<span class='cmt-date'>{_date(lang, k)}</span></div><div class='cmt-text'>{t}"
                "</div><div class='cmt-actions'><a>Antworten</a> <a>Melden</a> <span>12</span>"
                "</div></div>")

    def avatar_table(lang, k, who, t):
        return (f"<div class='c'><table><tr><td><img src='a.png'></td><td><b>{who}</b><br>"
                f"<small>{_date(lang, k)}</small></td></tr></table><p>{t}</p></div>")
    return {"wp": ("ol", wp), "drupal": ("div", drupal), "phpbb": ("div", phpbb),
            "news": ("div", news), "avatar_table": ("div", avatar_table)}


def pages() -> dict[str, str]:
    import test_parse_html_languages as H
    from test_parse_languages import LANGS, NAMES, TITLE

    out = {}
    for kind, (outer, record) in _systems().items():
        for lang in LANGS:
            for heading in (True, False):
                texts = LANGS[lang][6]
                items = "".join(record(lang, k, NAMES[k], texts[k]) for k in range(4))
                head = f"<h2>{LANGS[lang][0].format(n=4, t=TITLE)}</h2>" if heading else ""
                out[f"system_{kind}__{lang}__{int(heading)}"] = (
                    f"<!doctype html><html><head><title>{TITLE}</title></head><body><header><nav>"
                    f"<a href='/'>Start</a> <a href='/p'>Politik</a></nav></header><main><article>"
                    f"<h1>{TITLE}</h1>{H.ARTICLE}</article><section id='comments'>{head}"
                    f"<{outer} class='list'>{items}</{outer}></section></main><footer>"
                    "<p>Impressum Datenschutz</p></footer></body></html>")
    for lang in LANGS:
        for heading in (True, False):
            for kind in H.KINDS:
                out[f"{kind}__{lang}__{int(heading)}"] = H.page(kind, lang, heading).decode()
            for kind, record in H.BYLINE_RECORDS.items():
                texts = LANGS[lang][6]
                items = "".join(record(lang, k, NAMES[k], texts[k]) for k in range(4))
                head = f"<h2>{LANGS[lang][0].format(n=4, t=TITLE)}</h2>" if heading else ""
                out[f"byline_{kind}__{lang}__{int(heading)}"] = (
                    f"<!doctype html><html><head><title>{TITLE}</title></head><body><main>"
                    f"<article><h1>{TITLE}</h1>{H.ARTICLE}</article><section class='x-zone'>"
                    f"{head}<div class='list'>{items}</div></section></main></body></html>")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--render-python", default=sys.executable)
    args = ap.parse_args(argv)
    if not (TOOL / "render_like_seed.py").is_file():
        sys.exit(f"missing {TOOL}/render_like_seed.py: the bench renders with ../shared's tool")
    from test_parse_languages import LANGS, NAMES

    from moderation.parse.text import parse_text

    html = pages()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.json", Path(tmp) / "out.json"
        src.write_text(json.dumps(html))
        subprocess.run([args.render_python, "-c", RENDER, str(TOOL), str(src), str(dst)],
                       check=True)
        dumps = json.loads(dst.read_text())
    kinds: dict[str, dict] = {}
    for name, dump in sorted(dumps.items()):
        kind, lang, _heading = name.split("__")
        row = kinds.setdefault(kind, {"pages": 0, "kept": 0, "texts": 0, "exact": 0,
                                      "example": None})
        row["pages"] += 1
        texts = list(LANGS[lang][6])
        if texts[0] not in dump:
            continue  # the renderer dropped the comment section
        row["kept"] += 1
        article = parse_text(dump)
        # a name the renderer dropped (a one-word line) cannot come out
        names = [n if n in dump else None for n in NAMES]
        texts_ok = [c.text for c in article.comments] == texts
        row["texts"] += texts_ok
        if texts_ok and all(c.date for c in article.comments) \
                and [c.author for c in article.comments] == names:
            row["exact"] += 1
        elif row["example"] is None:
            row["example"] = (name, [(c.author, c.date, c.text[:20]) for c in article.comments][:2])
    total = {k: sum(r[k] for r in kinds.values()) for k in ("pages", "kept", "texts", "exact")}
    for kind, r in kinds.items():
        print(f"{kind:26} {r['pages']:3} pages, {r['kept']:3} kept their comments, "
              f"{r['texts']:3} every text exact, {r['exact']:3} and every author and date"
              + (f"   e.g. {r['example']}" if r["example"] else ""))
    print(f"all: {total['pages']} pages, {total['kept']} kept their comments; of those "
          f"{total['texts']} give every comment's text exactly, {total['exact']} also every "
          "author (where the renderer kept it) and date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
