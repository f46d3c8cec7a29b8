"""HTML comment markup of our own that no rule names, with user names that carry digits and
dates printed beside the action links (issue 16). Classes are made up; nothing is a site's."""

from __future__ import annotations

import html

import pytest
from test_parse_layouts import NAMES
from test_parse_layouts import TEXTS_EN as TEXTS

from moderation.parse.html import parse_html

PAGE = """<html><head><title>City council approves new bike lane</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>City council approves new bike lane on Main Street</h1><p>By Maria Snyder</p>
<p>The city council voted narrowly on Tuesday evening to build a new bike lane along Main Street.
Work is due to start in the spring and to take about eight months.</p>
<p>Residents criticised the loss of parking spaces. The city promises temporary spaces in the side
streets while the work goes on.</p>
<p>The lane is part of a wider transport plan that runs to 2030 and also adds new bus lanes.</p>
</article><section class="s7">%s</section></main>
<footer><p>© 2026 Town Post</p><a href="/imprint">Imprint</a></footer></body></html>"""
E = html.escape
LAYOUTS = {
    # name and age in spans over the text
    "spans": (lambda n, t, k: f'<div class="x9a"><div class="x9b"><span class="q1">{E(n)}</span> '
              f'<span class="q2">{k + 2} hours ago</span></div><p>{E(t)}</p><a href="#r">Reply</a></div>',
              lambda k: f"{k + 2} hours ago"),
    # the name alone on its line, the date under it
    "list": (lambda n, t, k: f'<li class="k"><div class="kk"><b>{E(n)}</b><br><small>March {k + 3}, '
             f'2024 at 2:2{k} pm</small></div><div class="kt"><p>{E(t)}</p></div></li>',
             lambda k: f"March {k + 3}, 2024 at 2:2{k} pm"),
    # the date at the foot, in a row with the action links
    "footer_row": (lambda n, t, k: f'<div class="p"><div class="pn">{E(n)}</div><div class="pt">{E(t)}'
                   f'</div><div class="pf">{k + 3}. März 2024 · Antworten · Melden</div></div>',
                   lambda k: f"{k + 3}. März 2024"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_html_comment_markup_no_rule_names(layout: str) -> None:
    block, date = LAYOUTS[layout]
    items = "\n".join(block(n, t, k) for k, (n, t) in enumerate(zip(NAMES, TEXTS)))
    if layout == "list":
        items = f"<ol>{items}</ol>"
    article, _warnings = parse_html(PAGE % items, f"{layout}.html")
    assert [c.text for c in article.comments] == list(TEXTS)
    assert [c.author for c in article.comments] == list(NAMES)
    assert [c.date for c in article.comments] == [date(k) for k in range(6)]
    assert "Antworten" not in " ".join(c.text for c in article.comments)
