"""Issue 16's figures: comment snippets found in one comment, in the body, kept apart; boilerplate.

A silver comment is cut into snippets of SNIPPET words (a shorter comment is one snippet of
at least MIN_WORDS words); only snippets present in the input (the dump, or the HTML's text)
count. For each snippet: found inside one output comment (a substring of its normalised text),
or ended up in the body. Two neighbouring silver comments, each with a snippet found, are
"kept apart" when their first found snippets sit in different output comments.

Boilerplate: lines of the text dump that belong neither to the article (trafilatura's body of
the HTML, comments excluded) nor to any silver comment nor to the title; the figure is the share
of those lines that the parse put in its body. Its counterweight: the share of the article's
own lines (in trafilatura's body, at least ARTICLE_WORDS words) that the parse kept in its body. (For HTML our body comes from trafilatura too,
so the HTML figure mostly measures what the comment cutting adds.)
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

SNIPPET = 8
MIN_WORDS = 3
ARTICLE_WORDS = 4  # article lines this long count toward "article lines kept in the body"


def norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").lower()).split())


def snippets(text: str) -> list[str]:
    words = norm(text).split()
    if len(words) < MIN_WORDS:
        return []
    if len(words) <= SNIPPET:
        return [" ".join(words)]
    out = [" ".join(words[i:i + SNIPPET]) for i in range(0, len(words) - SNIPPET + 1, SNIPPET)]
    return out


@lru_cache(maxsize=256)
def _html_text(path: str) -> str:
    import lxml.html

    tree = lxml.html.fromstring(Path(path).read_bytes())
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    return " " + norm(tree.text_content()) + " "


@lru_cache(maxsize=256)
def reference_body(path: str) -> str:
    import trafilatura

    html = Path(path).read_bytes().decode("utf-8", "replace")
    return " " + norm(trafilatura.extract(html, include_comments=False) or "") + " "


def page_figures(page, out: dict, kind: str) -> dict:
    """Counts for one page and rendering; ``out`` is parse_sites.parse_page's entry."""
    source = " " + norm(page.dump) + " " if kind == "text" else _html_text(str(page.html))
    comments = [" " + norm(c["text"]) + " " for c in out["comments"]]
    body = " " + norm(out["body"]) + " "
    n = found = in_body = pairs = apart = 0
    first_home: list[int | None] = []
    present_comments = 0
    for g in page.silver:
        home = None
        any_present = False
        for snip in snippets(g.get("text") or ""):
            s = f" {snip} "
            if s not in source:
                continue
            any_present = True
            n += 1
            where = next((k for k, c in enumerate(comments) if s in c), None)
            if where is not None:
                found += 1
                home = where if home is None else home
            elif s in body:
                in_body += 1
        present_comments += any_present
        first_home.append(home if any_present else -1)
    for a, b in pairwise(first_home):
        if a is not None and b is not None and a >= 0 and b >= 0:
            pairs += 1
            apart += a != b
    # boilerplate: dump lines outside article and comments
    silver_all = " " + " ".join(norm(g.get("text")) for g in page.silver) + " "
    ref = reference_body(str(page.html))
    boiler = boiler_in_body = article = article_kept = 0
    for line in page.dump.split("\n"):
        ln = norm(line)
        if len(ln.split()) < 2 or f" {ln} " in silver_all:
            continue
        if f" {ln} " in ref:
            if len(ln.split()) >= ARTICLE_WORDS:  # the article's own lines: kept in the body?
                article += 1
                article_kept += f" {ln} " in body
            continue
        boiler += 1
        boiler_in_body += f" {ln} " in body
    return {"snippets": n, "found": found, "in_body": in_body, "pairs": pairs, "apart": apart,
            "boiler": boiler, "boiler_in_body": boiler_in_body,
            "article": article, "article_kept": article_kept,
            "has_comments": present_comments > 0, "output": len(out["comments"]),
            "negative": not page.silver}


def summary(rows: list[dict]) -> dict:
    def pct(a: str, b: str) -> float | None:
        den = sum(r[b] for r in rows)
        return round(100 * sum(r[a] for r in rows) / den, 1) if den else None

    return {
        "pages": len(rows),
        "found_in_one_comment_pct": pct("found", "snippets"),
        "in_body_pct": pct("in_body", "snippets"),
        "kept_apart_pct": pct("apart", "pairs"),
        "boilerplate_in_body_pct": pct("boiler_in_body", "boiler"),
        "article_lines_kept_pct": pct("article_kept", "article"),
        "with_comments_none_output": (
            f"{sum(r['has_comments'] and not r['output'] for r in rows)} of "
            f"{sum(r['has_comments'] for r in rows)}"),
        "invented_on_negatives": sum(r["output"] for r in rows if r["negative"]),
    }
