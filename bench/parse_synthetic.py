"""Comment sections nobody tuned to, made here: markup no rule names, and pages without comments
that end in a comment widget's leftovers (issue 16). This tree against a baseline commit.

    .venv/bin/python bench/parse_synthetic.py [--baseline-ref REF] [--seeds 1,2] [--per 8]
        [--render-python /tmp/rpvenv/bin/python]

1. UNKNOWN MARKUP: per structure (div/span header over the text, li with <time>, article with
   header and footer, table rows, dt/dd, the text first and a "Name — date" footer after it),
   ``--per`` pages per seed, each with 3-8 comments whose class names are random per page (the
   same for every comment, as a theme or a CSS-in-JS hash prints them), names and dates in
   several languages, under a heading or none. Figure: comments found (the text in one output
   comment), and teaser lists of the same structures (headline, date, excerpt) that must give
   none.
2. UNKNOWN TEXT-DUMP STRUCTURES: the same comments as seed-style dumps under the same article,
   seven header layouts (name / date / text; "Name · age"; date / name / text; text then "—
   Name, date"; "Name says:" / date / text / Reply; name / text / "date | Reply | 12 likes";
   "@handle 2d" / text / "▲ 12 ▼"), one date or age format per page from nine date formats
   and ten ages in eight languages, under a heading the phrase tables know ("12 Comments",
   "Kommentare (5)", "Leserkommentare", "Reacties"), one they do not ("Reactions",
   "Discussion") or none. Figures: comments found, and comment texts left in the body, per
   layout and per heading kind.
3. WIDGETS WITHOUT COMMENTS (needs ../shared/data/pages): the dev pages with their comments cut
   out (``parse_sites.cut_comments``; held-out sites never), each with one widget appended, as
   a text dump and as HTML: a recent-comments sidebar, a comment section loaded by JavaScript,
   an empty reply form, a paywalled comment teaser, a numbered FAQ, related posts with dates
   and excerpts, product reviews; as text also (stop 41) a "latest comments" box with dated
   excerpts, an author's bio, a German "popular posts" box. Figure: comments invented, and on how many pages. (Reviews
   are readers' words too; they are listed, not counted as wrong.) Parsed with the shipped
   line classifier, which was trained on these sites: a check for inventions, not a
   generalization figure. Counted: comments beyond those the page gives without the widget.

With ``--baseline-ref`` the same run parses everything with that commit's ``moderation``
(``git archive`` into a temporary folder, a child process) and prints it beside.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

NAMES = ["Anna Berg", "Peter M.", "lisa_k", "Thomas Müller", "J. Smith", "Marie Dupont",
         "kiwi77", "Ole Hansen", "Sofia R.", "Marek Nowak"]
TEXTS = [
    "I have been reading this blog for years and this is one of the best posts so far.",
    "Not sure I agree with the second point, the numbers from last year tell a different story.",
    "Thanks for writing this up, it helped me a lot with my own project at work.",
    "Does anyone know whether the new rules also apply to small shops in rural areas?",
    "We tried this last weekend and the kids loved it, will definitely do it again soon.",
    "The author forgets that most people cannot afford any of this on a normal salary.",
    "Great photos! Where was the one at the top taken? It looks like the coast near Porto.",
    "I disagree completely. This policy has failed everywhere it was tried before.",
    "My grandmother used to make this every Sunday, brings back so many memories.",
    "Could you post the source for the statistics in the third paragraph please?"]
DATES = ["March 3, 2024 at 10:15 am", "3. März 2024 um 10:15", "03/03/2024", "2 hours ago",
         "vor 3 Tagen", "3 mars 2024 à 10h15", "2024-03-03 10:15", "Mar 3, 2024"]
TITLES = ["How to make sourdough at home", "The easiest banana bread you will ever bake",
          "Why cast iron is worth it", "Our favourite summer salads", "Ten tips for your garden",
          "A weekend on the coast", "What we learned from a year without a car",
          "The best cafés in the old town"]
ARTICLE = "<h1>A quiet week at the harbour</h1>" + "".join(f"<p>{t}</p>" for t in [
    ("The harbour was quieter than usual this week, with most of the fishing fleet staying in "
    "port because of the storm warnings issued on Monday."),
    ("Local businesses said the drop in visitors was noticeable, although the cafés along the "
    "promenade still saw a steady stream of regulars."),
    ("The council plans to review the mooring fees next month, a decision that has divided the "
    "small community of boat owners."),
    ("Several residents have called for a public meeting before any change is made, saying the "
    "fees already rose twice in three years.")])
AGES = ["vor 2 Stunden", "il y a 3 jours", "hace 2 días", "3 giorni fa", "2 dagen geleden",
        "for 3 dage siden", "2 godziny temu", "há 3 dias", "3 hours ago", "2d"]
TEXT_DATES = ["March 3, 2024", "03.03.2024 14:25", "2024-03-03 10:15", "3 mars 2024 à 10h15",
              "3. März 2024 um 14:25", "3 de marzo de 2024", "3 marzo 2024 alle 10:15",
              "3 maart 2024 om 10:15", "03/03/2024 at 10:15 am"]
TEXT_LAYOUTS = {
    "name/date/text": lambda n, d, t, r: f"{n}\n{d}\n\n{t}",
    "name · age/text": lambda n, d, t, r: f"{n} · {d}\n{t}",
    "date/name/text": lambda n, d, t, r: f"{d}\n{n}\n{t}",
    "text/— name, date": lambda n, d, t, r: f"{t}\n— {n}, {d}",
    "says/date/text/Reply": lambda n, d, t, r: f"{n} says:\n{d}\n{t}\nReply",
    "name/text/date|Reply|likes": lambda n, d, t, r: f"{n}\n{t}\n{d} | Reply | {r.randrange(1, 40)} likes",
    "@handle age/text/votes": lambda n, d, t, r: (f"@{n.split()[0].lower()} "
                                                  f"{r.choice(['2d', '5h', '1w', '3mo'])}\n{t}\n"
                                                  f"▲ {r.randrange(0, 30)} ▼"),
}
KNOWN_HEADINGS = ["12 Comments", "Kommentare (5)", "Leserkommentare", "Reacties"]
UNKNOWN_HEADINGS = ["Reactions", "Discussion"]
TEXT_ARTICLE = "A quiet week at the harbour\n\n" + "\n\n".join(
    p for p in re.sub(r"<[^>]+>", "\n", ARTICLE).split("\n")[2:] if p.strip()) + "\n\n"


def _day(fmt: str, k: int) -> str:
    """The date or age format with its first number moved on by k (one format per page)."""
    return re.sub(r"\d+", lambda m: str(max(1, (int(m.group()) + k) % 28))
                  if len(m.group()) < 3 else m.group(), fmt, count=1)


def synthetic_dump(rng: random.Random, layout: str, n: int, heading: str) -> tuple[str, list[str]]:
    make = TEXT_LAYOUTS[layout]
    fmt = rng.choice(AGES if layout.startswith("name · age") else TEXT_DATES)
    idx = rng.sample(range(10), n)
    blocks = [make(NAMES[i], _day(fmt, k), TEXTS[i], rng) for k, i in enumerate(idx)]
    dump = TEXT_ARTICLE + (heading + "\n\n" if heading else "") + "\n\n\n".join(blocks) \
        + "\n\n© 2024 Harbour News\n"
    return dump, [TEXTS[i] for i in idx]


STRUCTURES = ("div-span", "li-time", "article-footer", "table-rows", "dl", "footer-after-text")


def _cls(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(2)) + "-" + "".join(
        rng.choice(string.ascii_lowercase + string.digits) for _ in range(6))


def _item(fam: int, head: str, date: str, text: str, k: int, c: tuple[str, ...]) -> str:
    a, b, x, y = c
    return [
        (f'<div class="{a}"><div class="{b}"><span class="{x}">{head}</span> '
        f'<span class="{y}">{date}</span></div><p>{text}</p></div>'),
        (f'<li class="{a}"><strong>{head}</strong><time datetime="2024-03-03">{date}</time>'
        f'<div class="{b}">{text}</div></li>'),
        (f'<article class="{a}"><header><a href="/u/{k}">{head}</a> · <small>{date}</small>'
        f'</header><div class="{b}"><p>{text}</p></div><footer><button>Reply</button> '
        f"<button>Like</button></footer></article>"),
        f'<tr><td class="{a}"><b>{head}</b><br>{date}</td><td class="{b}">{text}</td></tr>',
        f'<dt class="{a}">{head} <em>{date}</em></dt><dd class="{b}">{text}</dd>',
        f'<div class="{a}"><p>{text}</p><div class="{b}">{head} — {date}</div></div>',
    ][fam]


def synthetic_page(rng: random.Random, fam: int, n: int, teasers: bool) -> tuple[str, list[str]]:
    c = tuple(_cls(rng) for _ in range(4))
    heads = TITLES if teasers else NAMES
    texts = [TEXTS[(i + 3) % 10] for i in range(n)]
    items = "".join(_item(fam, heads[i % len(heads)], rng.choice(DATES), texts[i], i, c)
                    for i in range(n))
    wrap = ("div", "ul", "section", "table", "dl", "div")[fam]
    heading = rng.choice(["<h2>More from the blog</h2>", "<h3>You may also like</h3>"]) \
        if teasers else rng.choice(["<h3>12 Kommentare</h3>", "<h2>Comments</h2>",
                                    "<h3>Reactions</h3>", "<h4>Leserbriefe</h4>", ""])
    html = (f"<html><head><title>Harbour</title></head><body><header><nav><a>Home</a> "
            f"<a>News</a></nav></header><main><article>{ARTICLE}</article>"
            f'<section class="{_cls(rng)}">{heading}<{wrap} class="{_cls(rng)}">{items}'
            f"</{wrap}></section></main><footer>© 2024 Harbour News</footer></body></html>")
    return html, texts


WIDGETS_TEXT = {
    "recent comments": "Recent Comments\n\nAnna Schmidt on How we bake bread\n\nPeter K. on "
                       "Lemon cake with glaze\n\nJohn Doe on The best recipe for summer\n\nmaria "
                       "on Ten tips for your garden",
    "empty form": "Leave a Reply\n\nYour email address will not be published. Required fields "
                  "are marked *\n\nComment *\n\nName *\n\nEmail *\n\nWebsite\n\nPost Comment",
    "JS loader": "Comments\n\nShow comments\n\nLoading comments...\n\nPlease enable JavaScript "
                 "to view the comments powered by Disqus.",
    "paywall": "37 Kommentare\n\nKommentare sind nur für Abonnenten sichtbar.\n\nJetzt "
               "abonnieren und mitdiskutieren\n\nBereits Abonnent? Anmelden",
    "related posts": "You may also like\n\nHow to make sourdough at home\n12. März 2024\n"
                     "Sourdough takes patience, but the result is worth every minute you spend "
                     "on it.\n\nThe easiest banana bread\n14. März 2024\nThis banana bread is "
                     "moist, sweet and ready in under an hour, perfect for breakfast.\n\nWhy cast "
                     "iron is worth it\n2. April 2024\nA good pan lasts a lifetime, and cast "
                     "iron gets better every time you use it.",
    "FAQ": "Frequently asked questions\n\n1. Can I freeze it?\nYes, it freezes well for up to "
           "three months in an airtight container.\n\n2. Can I use butter instead of oil?\nYes! "
           "Melted butter works just as well and adds flavour.\n\n3. How long does it keep?\n"
           "About four days in the fridge, covered.\n\n4. Why did my cake sink?\nMost often the "
           "oven door was opened too early.",
    "latest comments, dated": "Latest comments\n\nAnna Schmidt – 3 March 2024\nGreat post, "
                              "thanks for sharing this with us!\n\nPeter K. – 2 March 2024\nI "
                              "tried it yesterday and it worked really well.\n\nmaria – 28 "
                              "February 2024\nWhere do you buy your flour?",
    "author bio": "About the author\n\nJane Doe\nJane is a food writer based in Berlin. She has "
                  "written three cookbooks and loves sourdough.\n\nMore from Jane Doe",
    "popular posts (de)": "Beliebte Beiträge\n\nZitronenkuchen vom Blech\n12. März 2024\nDer "
                          "beste Kuchen für jede Gelegenheit, saftig und einfach gemacht.\n\n"
                          "Brot ohne Hefe\n3. April 2024\nSo gelingt euch Brot auch ohne Hefe "
                          "ganz leicht zu Hause.\n\nGulasch wie bei Oma\n20. Mai 2024\nEin "
                          "Klassiker, der immer schmeckt und die ganze Familie satt macht.",
    "reviews": "Reviews\n\n★★★★★\nGreat product, works as described.\n\n★★★★☆\nGood value for "
               "the money, shipping was slow.\n\n★★★★★\nWould buy again.",
}
WIDGETS_HTML = {
    "recent comments": '<aside class="widget widget_recent_comments"><h2>Recent Comments</h2>'
                       '<ul id="recentcomments"><li class="recentcomments"><span class="comment-'
                       'author-link">Anna Schmidt</span> on <a href="/a">How we bake bread</a>'
                       '</li><li class="recentcomments"><span class="comment-author-link">Peter '
                       'K.</span> on <a href="/b">Lemon cake with glaze</a></li><li class="'
                       'recentcomments"><span class="comment-author-link">John</span> on <a '
                       'href="/c">The best recipe for summer</a></li></ul></aside>',
    "JS loader": '<div id="comments" class="comments-area"><h3>Comments</h3><button>Show '
                 'comments</button><p>Loading comments...</p><noscript>Please enable JavaScript '
                 "to view the comments powered by Disqus.</noscript></div>",
    "empty form": '<div id="respond" class="comment-respond"><h3 class="comment-reply-title">'
                  'Leave a Reply</h3><form class="comment-form"><p class="comment-notes">Your '
                  "email address will not be published. Required fields are marked *</p><p>"
                  '<label for="comment">Comment *</label><textarea id="comment"></textarea></p>'
                  '<p><input type="submit" value="Post Comment"></p></form></div>',
    "paywall": '<section class="comments"><h2>37 Kommentare</h2><p>Kommentare sind nur für '
               "Abonnenten sichtbar.</p><a>Jetzt abonnieren und mitdiskutieren</a><p>Bereits "
               "Abonnent? <a>Anmelden</a></p></section>",
    "FAQ": '<section class="faq"><h2>Frequently asked questions</h2>' + "".join(
        f'<div class="faq-item"><h3>{q}</h3><p>{a}</p></div>' for q, a in [
            ("Can I freeze it?", "Yes, it freezes well for up to three months."),
            ("Can I use butter instead of oil?", "Yes! Melted butter works just as well."),
            ("How long does it keep?", "About four days in the fridge, covered."),
            ("Why did my cake sink?", "Most often the oven door was opened too early.")])
    + "</section>",
    "related posts": '<section class="related-posts"><h2>You may also like</h2>' + "".join(
        f'<article class="post"><h3><a>{t}</a></h3><time datetime="2024-03-1{k}">1{k}. März '
        f"2024</time><p>{x}</p></article>" for k, (t, x) in enumerate([
            ("How to make sourdough at home", "Sourdough takes patience, but it is worth it."),
            ("The easiest banana bread", "Moist, sweet and ready in under an hour."),
            ("Why cast iron is worth it", "A good pan lasts a lifetime and gets better.")]))
    + "</section>",
}


def measure(pages_dir: Path | None, cache: Path, render_python: str, seeds: list[int],
            per: int) -> dict:
    """The figures for whatever ``moderation`` is importable."""
    from moderation.parse import parse_bytes

    def comments(data: bytes, name: str, fmt: str) -> list:
        return [c for c in parse_bytes(data, name, fmt).articles[0].comments
                if c.kind == "comment"]

    out: dict = {"unknown_markup": {}, "teaser_lists_comments": {}, "widgets": {}}
    for fam, name in enumerate(STRUCTURES):
        found = total = invented = 0
        for seed in seeds:
            rng = random.Random(seed * 100 + fam)
            for _ in range(per):
                html, texts = synthetic_page(rng, fam, rng.randrange(3, 9), teasers=False)
                got = [c.text for c in comments(html.encode(), "p.html", "html")]
                found += sum(any(t in g and len(g) < len(t) + 60 for g in got) for t in texts)
                total += len(texts)
                html, _ = synthetic_page(rng, fam, rng.randrange(3, 9), teasers=True)
                invented += len(comments(html.encode(), "t.html", "html"))
        out["unknown_markup"][name] = [found, total]
        out["teaser_lists_comments"][name] = invented
    out["text_layouts"], out["text_headings"] = {}, {}
    for li, layout in enumerate(TEXT_LAYOUTS):
        found = total = in_body = 0
        for seed in seeds:
            rng = random.Random(seed * 100 + 50 + li)
            for k in range(per):
                kind = ("known", "unknown", "none")[k % 3]
                heading = {"known": rng.choice(KNOWN_HEADINGS), "none": "",
                           "unknown": rng.choice(UNKNOWN_HEADINGS)}[kind]
                dump, texts = synthetic_dump(rng, layout, rng.randrange(3, 8), heading)
                art = parse_bytes(dump.encode(), "d.txt", "text").articles[0]
                got = [c.text for c in art.comments if c.kind == "comment"]
                ok = sum(any(t in g and len(g) < len(t) + 40 for g in got) for t in texts)
                found += ok
                total += len(texts)
                in_body += sum(t in (art.body or "") for t in texts)
                h = out["text_headings"].setdefault(kind, [0, 0])
                h[0] += ok
                h[1] += len(texts)
        out["text_layouts"][layout] = [found, total, in_body]
    if pages_dir is None:
        return out
    from parse_sites import catalogue

    cut = [p for p in catalogue(pages_dir, cache, render_python) if p.group == "cut"]
    # (a cut page may keep a comment the cut missed: only what the widget adds counts)
    before = {(p.name, "text"): len(comments(p.dump.encode(), p.name, "text")) for p in cut}
    before.update({(p.name, "html"): len(comments(p.html_data, p.name, "html"))
                   for p in cut if p.html_data is not None})
    for kind, widgets in (("text", WIDGETS_TEXT), ("html", WIDGETS_HTML)):
        for wname, widget in widgets.items():
            n = pages = tried = 0
            for p in cut:
                if kind == "text":
                    data, fmt = (p.dump.rstrip() + "\n\n" + widget + "\n").encode(), "text"
                else:
                    if p.html_data is None:
                        continue
                    h = p.html_data.decode("utf-8", "replace")
                    i = h.lower().rfind("</body>")
                    data, fmt = ((h[:i] + widget + h[i:]) if i >= 0 else h + widget).encode(), "html"
                added = max(0, len(comments(data, p.name, fmt)) - before[p.name, kind])
                tried += 1
                n += added
                pages += bool(added)
            out["widgets"][f"{kind}: {wname}"] = [n, pages, tried]
    return out


def baseline(ref: str, args: argparse.Namespace) -> dict:
    from parse_sites import extract_tree

    with tempfile.TemporaryDirectory() as tmp:
        extract_tree(ref, Path(tmp), ROOT)
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(out),
               "--seeds", args.seeds, "--per", str(args.per), "--render-python",
               args.render_python, "--pages", str(args.pages), "--dumps", str(args.dumps)]
        subprocess.run(cmd, check=True, cwd=tmp, env=dict(os.environ, PYTHONPATH=tmp))
        return json.loads(out.read_text())


def main() -> int:
    from parse_sites import page_options

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-ref")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--per", type=int, default=8)
    page_options(ap)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    pages = args.pages if args.pages.is_dir() else None
    now = measure(pages, args.dumps, args.render_python, seeds, args.per)
    if args.child:
        args.child.write_text(json.dumps(now))
        return 0
    old = baseline(args.baseline_ref, args) if args.baseline_ref else None
    who = f"  {'baseline ' + args.baseline_ref:>22}" if old else ""
    print(f"== unknown markup: comments found ({len(seeds)} seeds x {args.per} pages)")
    for name, (f, t) in now["unknown_markup"].items():
        base = old["unknown_markup"][name] if old else None
        print(f"{name:<20} {f:>4}/{t:<4} ({100 * f / t:5.1f}%)" + (
            f"  {base[0]:>10}/{base[1]:<4} ({100 * base[0] / base[1]:5.1f}%)" if base else ""))
    print("== teaser lists of the same structures: comments output (want 0)" + who)
    for name, n in now["teaser_lists_comments"].items():
        print(f"{name:<20} {n:>4}" + (f"  {old['teaser_lists_comments'][name]:>22}" if old else ""))
    print("== unknown text-dump layouts: comments found, texts left in the body" + who)
    for name, (f, t, b) in now["text_layouts"].items():
        base = old["text_layouts"][name] if old else None
        print(f"{name:<28} {f:>4}/{t:<4} ({100 * f / t:5.1f}%) body {b:>3}" + (
            f"  {base[0]:>8}/{base[1]:<4} ({100 * base[0] / base[1]:5.1f}%) body {base[2]:>3}"
            if base else ""))
    for name, (f, t) in now["text_headings"].items():
        base = old["text_headings"][name] if old else None
        print(f"  heading {name:<18} {f:>4}/{t:<4} ({100 * f / t:5.1f}%)" + (
            f"  {base[0]:>8}/{base[1]:<4} ({100 * base[0] / base[1]:5.1f}%)" if base else ""))
    if now["widgets"]:
        print("== dev pages without comments + one widget: comments invented (pages)" + who)
        for name, (n, p, tried) in now["widgets"].items():
            b = old["widgets"].get(name) if old else None
            print(f"{name:<24} {n:>4} ({p} of {tried} pages)"
                  + (f"  {b[0]:>10} ({b[1]} of {b[2]})" if b else ""))
    else:
        print("(../shared/data/pages not found: widget check skipped)")
    report = {"current": now, "baseline": old, "baseline_ref": args.baseline_ref}
    res = ROOT / "bench/results/parse_synthetic.json"
    res.parent.mkdir(parents=True, exist_ok=True)
    res.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
