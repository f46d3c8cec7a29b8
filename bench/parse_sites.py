"""The page catalogue for the unseen-site evaluation: sites, the held-out split, both renderings.

Every page of ../shared/data/pages/html and pages/pages2 (positives and negatives) is read
once as HTML and once as the seed-style text dump that ``tools/render_like_seed.py`` makes of
it (pages/text_dumps for the first set; pages2's dumps are rendered into a cache, which needs
resiliparse: ``--render-python`` names an interpreter that has it).

THE SPLIT, decided before any rule was written for issue 16 and never to be tuned on:
a pages2 site is HELD OUT when the first byte of sha1(site key) is odd and the site is not
also in pages/html (netzpolitik is); all pages2 negatives are held out too. Held-out pages are
scored in aggregate only (the bench prints no per-page row for them), so that nobody writing
rules looks at them. ``HELD_OUT_SITES`` freezes the list this rule gave on 2026-12-04.

Run as a script (``python bench/parse_sites.py collect OUT.json``) it parses every page with
whatever ``moderation`` is importable and writes what came out; parse_quality.py runs it on the
baseline commit's tree to compare old and new in the same run.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_SITES = frozenset("""
bigbrandsystem givewell framablog timothysykes uproxx.com blisterreview.com
firefox-nightly-blog 101cookbooks.com davidlebovitz.com drinkoteket.se felix.kitchen
keukenliefde.nl mundodereceitasbimby.com.pt okokorecepten.nl paninihappy.com piesandplots.net
recipetineats.com ricetta.it sallysbakingaddiction.com tastesoflizzyt.com theclevercarrot.com
zenbelly.com
""".split())  # noqa: SIM905 - a word list reads better as text


@dataclass
class Page:
    name: str
    site: str
    group: str  # pages | pages2 | negatives
    held_out: bool
    html: Path
    dump: str
    silver: list[dict]


def site_of(name: str) -> str:
    """The site key of a page file name (source prefix, page number and date dropped)."""
    s = name.split("__", 1)[-1]
    s = re.sub(r"_\d+$", "", s)
    s = re.sub(r"-\d{4}-\d\d-\d\d$", "", s)
    s = re.sub(r"\d+$", "", s)  # newspaper's "pewresearch.org1"
    s = re.sub(r"^(?:aebench|recipe-scrapers)__", "", s)
    if "." in s and not s.startswith(("www.",)):
        # "pinchofyum.com.pinchofyum" -> "pinchofyum.com"; "lemire.me.json" -> "lemire.me"
        m = re.match(r"^([\w-]+\.(?:com\.pt|co\.uk|com|org|net|de|fr|it|nl|dk|se|pl|me|co|"
                     r"kitchen))", s)
        s = m.group(1) if m else s
    return s.split("-")[0] if s.startswith(("bigbrandsystem", "givewell", "profootballtalk"))\
        else s


def split_rule(name: str) -> bool:
    """The rule the frozen list came from: sha1 of the name less prefix and page suffix."""
    key = re.sub(r"-\d{4}-\d\d-\d\d$", "", re.sub(r"_\d+$", "", name.split("__", 1)[-1]))
    return hashlib.sha1(key.encode()).digest()[0] % 2 == 1


def _render(html: Path, cache: Path, python: str, tool: Path) -> str:
    out = cache / f"{html.stem}.txt"
    if not out.exists():
        cache.mkdir(parents=True, exist_ok=True)
        text = subprocess.run([python, str(tool), str(html)], check=True,
                              capture_output=True, text=True).stdout
        out.write_text(text, encoding="utf-8")
    return out.read_text(encoding="utf-8")


def catalogue(pages: Path, cache: Path, python: str = sys.executable) -> list[Page]:
    tool = pages / "tools" / "render_like_seed.py"
    out: list[Page] = []
    first_sites = set()
    for f in sorted((pages / "html").glob("*.html")):
        silver = json.loads((pages / "silver_comments" / f"{f.stem}.json").read_text())
        dump = (pages / "text_dumps" / f"{f.stem}.txt").read_text(encoding="utf-8")
        site = site_of(f.stem)
        first_sites.add(site.split(".")[0])
        out.append(Page(f.stem, site, "pages", False, f, dump, silver))
    p2 = pages / "pages2"
    for group in ("html", "negatives"):
        for f in sorted((p2 / group).glob("*.html")):
            site = site_of(f.stem)
            silver = [] if group == "negatives" else json.loads(
                (p2 / "silver_comments" / f"{f.stem}.json").read_text())
            held = group == "negatives" or site in HELD_OUT_SITES
            dump = _render(f, cache, python, tool)
            out.append(Page(f.stem, site, "pages2" if group == "html" else "negatives", held, f,
                            dump, silver))
    out += [c for c in (cut_comments(p) for p in out) if c is not None]
    return out


def cut_comments(page: Page) -> Page | None:
    """A dev page's dump with its comment lines cut out: a negative that looks like the site.

    Lines from a little above the first line holding a silver comment's words to a little
    below the last are removed (headers and reply links go with them)."""
    from parse_metrics import norm, snippets

    if page.held_out or not page.silver:
        return None
    lines = page.dump.split("\n")
    snips = [f" {s} " for g in page.silver for s in snippets(g.get("text") or "")]
    hits = [i for i, ln in enumerate(lines) if any(s in f" {norm(ln)} " or
                                                   f" {norm(ln)} " in s and len(ln) > 30
                                                   for s in snips)]
    if not hits:
        return None
    a, b = max(0, hits[0] - 4), hits[-1] + 4
    dump = "\n".join(lines[:a] + lines[b:])
    return Page(page.name + "~cut", page.site, "cut", False, page.html, dump, [])


def parse_page(page: Page) -> dict:
    """Both renderings of one page through the importable parser, as plain data."""
    from moderation.parse import parse_bytes

    res = {}
    kinds = [("html", page.html.read_bytes(), "html")] if page.group != "cut" else []
    for kind, data, fmt in kinds + [("text", page.dump.encode("utf-8"), "text")]:
        r = parse_bytes(data, page.name + (".html" if kind == "html" else ".txt"), fmt)
        a = r.articles[0]
        res[kind] = {
            "body": a.body or "", "warnings": list(r.warnings),
            "comments": [{"text": c.text, "author": c.author, "date": c.date,
                          "parent": c.parent, "id": c.id} for c in a.comments
                         if c.kind == "comment"],
        }
    return res


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] != "collect":
        print("usage: parse_sites.py collect PAGES CACHE OUT.json", file=sys.stderr)
        return 2
    pages = catalogue(Path(argv[1]), Path(argv[2]))
    Path(argv[3]).write_text(json.dumps({p.name: parse_page(p) for p in pages}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
