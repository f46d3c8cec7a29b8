"""Comment markup no rule names, in eight languages: each record's name, date and text.

Our own templates (none taken from a bench page), with classes no convention uses, so the
repeated-sibling reader (htmlrepeat.py) has to find them: a list with <time>, a name and a
date in adjacent inline elements with nothing between them, nested <article>s with a
"Name · age" header, a definition list, and "Name says:" over a permalinked date.
"""

from __future__ import annotations

import pytest
from test_parse_languages import LANGS, NAMES, TITLE, _date

from moderation.parse import parse_bytes

_PARAGRAPHS = (
    ("The city will build a new cycle path along the river road from March, linking the old "
     "town with the station. Work is expected to last until autumn and to cost about two million."),
    ("During construction the road will be closed in sections and diversions will be "
     "signposted. Residents will still be able to reach their driveways at all times of day."),
    ("The council approved the plan last year after a long debate about parking spaces, which "
     "will be reduced by about forty along the route."),
)
ARTICLE = "".join(f"<p>{t}</p>" for t in _PARAGRAPHS)


def _record(kind: str, lang: str, k: int) -> str:
    _head, says, reply, _fmt, _months, age, texts = LANGS[lang]
    who, d, t = NAMES[k], _date(lang, k), texts[k]
    return {
        "list_with_time": f"<li class='k-item'><div class='k-head'><b>{who}</b> "
                          f"<time datetime='2024-0{k + 1}-0{k + 3}T08:00'>{d}</time></div>"
                          f"<p>{t}</p><a href='#r' class='k-btn'>{reply}</a></li>",
        "glued_fields": f"<div class='reaction'><strong>{who}</strong><small>{d}</small>"
                        f"<div class='r-body'>{t}</div></div>",
        "nested_articles": f"<article class='post'><header><span class='n'>{who}</span> · "
                           f"<span class='d'>{age.format(k=k + 2)}</span></header>"
                           f"<div class='b'><p>{t}</p></div><footer><button>{reply}</button>"
                           f"</footer></article>",
        "definition_list": f"<dt>{who} — {d}</dt><dd>{t}</dd>",
        "says_permalink": f"<div class='cm'><div class='cm-meta'><cite>{who}</cite> {says}<br>"
                          f"<a href='#c{k}'>{d}</a></div><div class='cm-t'><p>{t}</p></div></div>",
    }[kind]


def page(kind: str, lang: str, heading: bool) -> bytes:
    items = "".join(_record(kind, lang, k) for k in range(4))
    outer = {"list_with_time": "ul", "definition_list": "dl"}.get(kind, "div")
    head = f"<h2>{LANGS[lang][0].format(n=4, t=TITLE)}</h2>" if heading else ""
    return (f"<!doctype html><html><head><title>{TITLE}</title></head><body><header><nav>"
            "<a href='/'>Start</a> <a href='/p'>Politik</a></nav></header><main><article>"
            f"<h1>{TITLE}</h1>{ARTICLE}</article><section class='x-zone'>{head}"
            f"<{outer} class='list'>{items}</{outer}></section></main><footer><p>Impressum</p>"
            "</footer></body></html>").encode()


KINDS = ("list_with_time", "glued_fields", "nested_articles", "definition_list", "says_permalink")


@pytest.mark.parametrize("heading", [True, False])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", list(LANGS))
def test_unnamed_comment_markup_in_eight_languages(lang: str, kind: str, heading: bool) -> None:
    article = parse_bytes(page(kind, lang, heading), "page.html").articles[0]
    assert [c.text for c in article.comments] == list(LANGS[lang][6])
    assert [c.author for c in article.comments] == list(NAMES)
    assert all(c.date for c in article.comments)
    assert LANGS[lang][6][0] not in (article.body or "")


NOTICE = ("Liebe Leser! Wir freuen uns über Ihre Kommentare. Bitte bleiben Sie sachlich und "
          "beachten Sie unsere Regeln.")


def _one(inner: str) -> bytes:
    return (f"<html><body><article><h1>{TITLE}</h1>{ARTICLE}</article><div id='comments'>"
            f"<h2>Kommentare</h2><div class='comment'>{inner}</div></div></body></html>").encode()


def test_the_comment_sections_notice_to_readers_is_no_comment() -> None:
    result = parse_bytes(_one(f"<div class='comment-content'>{NOTICE}</div>"), "page.html")
    assert result.articles[0].comments == ()
    assert any("notice to readers" in w for w in result.warnings)


def test_a_signed_comment_that_mentions_the_rules_is_kept() -> None:
    inner = (f"<span class='comment-author'>Jonas Weber</span>"
             f"<div class='comment-content'>{NOTICE}</div>")
    (comment,) = parse_bytes(_one(inner), "page.html").articles[0].comments
    assert comment.author == "Jonas Weber"


def _weekday(lang: str, k: int) -> str:
    from test_parse_languages import WEEKDAY_DATES

    return WEEKDAY_DATES[lang].format(d=3 + k, dd=f"{3 + k:02d}", hh=f"{8 + k:02d}",
                                      mm=f"{7 * k:02d}")


# Bylines as one line of markup: the weekday date after the name, Drupal's "Gespeichert von
# Name am date", the date first and the name after "|" or "von".
BYLINE_RECORDS = {
    "weekday_glued": lambda lang, k, who, t: (
        f"<div class='reaction'><strong>{who}</strong><small>{_weekday(lang, k)}</small>"
        f"<div class='r-body'>{t}</div></div>"),
    "drupal": lambda lang, k, who, t: (
        f"<div class='c'><div class='meta'>Gespeichert von {who} am Mo., {3 + k:02d}.03.2024 - "
        f"10:00</div><div class='txt'><p>{t}</p></div></div>"),
    "date_pipe_name": lambda lang, k, who, t: (
        f"<div class='c'><div class='meta'>{3 + k:02d}.03.2024 | 10:00 Uhr | {who}</div>"
        f"<p>{t}</p></div>"),
    "date_von_name": lambda lang, k, who, t: (
        f"<div class='c'><p class='meta'>Am {3 + k:02d}.03.2024 um 10:00 Uhr von {who}</p>"
        f"<p>{t}</p></div>"),
}


@pytest.mark.parametrize("heading", [True, False])
@pytest.mark.parametrize("kind", list(BYLINE_RECORDS))
@pytest.mark.parametrize("lang", list(LANGS))
def test_bylines_in_one_line_of_markup(lang: str, kind: str, heading: bool) -> None:
    texts = LANGS[lang][6]
    items = "".join(BYLINE_RECORDS[kind](lang, k, NAMES[k], texts[k]) for k in range(4))
    head = f"<h2>{LANGS[lang][0].format(n=4, t=TITLE)}</h2>" if heading else ""
    html = (f"<!doctype html><html><head><title>{TITLE}</title></head><body><main><article>"
            f"<h1>{TITLE}</h1>{ARTICLE}</article><section class='x-zone'>{head}"
            f"<div class='list'>{items}</div></section></main></body></html>").encode()
    article = parse_bytes(html, "page.html").articles[0]
    assert [c.text for c in article.comments] == list(texts)
    assert [c.author for c in article.comments] == list(NAMES)
    assert all(c.date_iso and c.date_iso.startswith("2024-03-0") for c in article.comments), \
        [c.date for c in article.comments]


@pytest.mark.parametrize("lang", list(LANGS))
def test_a_name_with_an_initial_then_a_comma_and_the_date(lang: str) -> None:
    texts = LANGS[lang][6]
    items = "".join(f"<div class='c'><p>{NAMES[k]}, {_date(lang, k)}</p><p>{texts[k]}</p></div>"
                    for k in range(4))
    html = (f"<html><body><main><article><h1>{TITLE}</h1>{ARTICLE}</article><section>"
            f"<div class='list'>{items}</div></section></main></body></html>").encode()
    article = parse_bytes(html, "page.html").articles[0]
    assert [c.text for c in article.comments] == list(texts)
    assert [c.author for c in article.comments] == list(NAMES)  # "Tomasz K.", not "Tomasz"
