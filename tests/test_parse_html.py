"""HTML pages: per-comment records, parents, pingbacks, body without comments, hostile pages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from moderation.errors import ParseError
from moderation.parse import parse_bytes, parse_file

FIX = Path(__file__).resolve().parent / "fixtures" / "parse"


def test_wpdiscuz_comments_authors_dates_and_parents() -> None:
    result = parse_file(FIX / "wpdiscuz7.html")
    assert result.format == "html"
    (article,) = result.articles
    assert article.title == "Harbour wall repairs begin next week"
    got = [(c.id, c.parent, c.author, c.date) for c in article.comments]
    assert got == [
        ("101", None, "Marta Reyes", "June 3, 2024 9:12 am"),
        ("102", "101", "Tom Okafor", "June 3, 2024 10:40 am"),
        ("103", None, "Li Wei", "June 4, 2024 8:01 am"),
    ]
    first = article.comments[0]
    assert first.text == ("About time. The wall has been crumbling since the 2022 storms.\n\n"
                          "Will the steps down to the beach reopen too?")
    assert all(c.parent_known for c in article.comments)
    # vote counters and reply buttons are not comment text
    assert all("Reply" not in c.text and "+" not in c.text for c in article.comments)


def test_body_has_the_article_and_no_comment_or_chrome() -> None:
    article = parse_file(FIX / "wpdiscuz7.html").articles[0]
    body = article.body or ""
    assert "repairs to the old harbour wall will begin next week" in body
    assert "Eleven weeks in summer" not in body
    assert "crumbling" not in body
    assert "Would love your thoughts" not in body
    assert "Most Voted" not in body
    assert not body.startswith(article.title or "\0")


def test_wordpress_core_threads_and_pingbacks_kept_apart() -> None:
    result = parse_file(FIX / "wp_core.html")
    assert result.encoding["encoding"] in ("iso8859-1", "latin-1")
    comments = result.articles[0].comments
    assert [(c.id, c.parent, c.author, c.kind) for c in comments] == [
        ("7", None, "José Ortega", "comment"),
        ("8", "7", "Anna", "comment"),
        ("9", None, None, "pingback"),
        ("10", None, "Priya", "comment"),
    ]
    assert comments[0].date == "2024-02-01T10:00:00+00:00"
    assert comments[3].text == "Does rye flour change the schedule?\n\nMine doubles in four hours."
    assert "says" not in comments[0].text and "Reply" not in comments[0].text


def test_page_without_comments_has_none() -> None:
    article = parse_file(FIX / "no_comments.html").articles[0]
    assert article.comments == ()
    assert "tide tables" in (article.body or "").lower()


def test_declared_latin1_charset_is_honoured() -> None:
    result = parse_file(FIX / "latin1_meta.html")
    assert result.encoding == {"encoding": "iso8859-1", "guessed": False}
    assert "crème brûlée" in (result.articles[0].body or "")


def test_deep_nesting_is_refused_with_a_reason_not_emptied() -> None:
    html = "<html><body>" + "<div>" * 20_000 + "deep" + "</div>" * 20_000 + "</body></html>"
    start = time.perf_counter()
    with pytest.raises(ParseError, match="nested deeper") as exc:
        parse_bytes(html.encode(), "deep.html")
    assert "deep.html" in str(exc.value)
    assert time.perf_counter() - start < 5


def test_many_unclosed_tags_finish_in_bounded_time_or_are_refused_with_a_reason() -> None:
    article_text = "<html><body><article><h1>Unclosed</h1><p>" + "Real article text. " * 40
    flat = article_text + "".join(f"<p>para {i}" for i in range(100_000)) + "</body></html>"
    start = time.perf_counter()
    result = parse_bytes(flat.encode(), "unclosed-p.html")
    assert time.perf_counter() - start < 60
    # either a body or a warning saying why not: never a silent empty result
    assert result.articles[0].body or result.warnings
    nested = article_text + "".join(f"<span><b>cell {i}" for i in range(100_000))
    start = time.perf_counter()
    with pytest.raises(ParseError, match="nested deeper"):
        parse_bytes(nested.encode(), "unclosed-span.html")
    assert time.perf_counter() - start < 10


def test_comment_markup_inside_template_or_sidebar_widget_is_ignored() -> None:
    html = ("<html><body><article><p>" + "Article words. " * 30 + "</p></article>"
            "<template class='comment-template'><li class='comment'><div class='comment-content'>"
            "{{text}}</div></li></template>"
            "<div class='widget recent-comments'><li class='comment'><div class='comment-content'>"
            "Other page comment</div></li></div></body></html>")
    assert parse_bytes(html.encode(), "t.html").articles[0].comments == ()


def test_disqus_server_side_fallback_markup() -> None:
    article = parse_file(FIX / "disqus_fallback.html").articles[0]
    got = [(c.id, c.parent, c.author, c.text) for c in article.comments]
    assert got == [
        ("501", None, "Rita K", "Finally a ferry after the last train."),
        ("502", "501", "Ben", "Only on weekdays though."),
    ]
    assert "Finally a ferry" not in (article.body or "")


def test_unknown_comment_markup_falls_back_to_the_comment_area_text() -> None:
    result = parse_file(FIX / "unknown_system.html")
    comments = result.articles[0].comments
    assert [(c.author, c.text) for c in comments] == [
        ("Gwen Ash", "Half plots are perfect for me. I could never keep a full one weeded."),
        ("Dev Patel", "Still eighteen months too long.\n\nOpen the field behind the school."),
    ]
    assert all(not c.parent_known and "layout-unknown" in c.flags for c in comments)
    assert any("comment markup not recognised" in w for w in result.warnings)
    assert "Open the field" not in (result.articles[0].body or "")


def test_area_fallback_finds_nothing_when_the_widget_says_there_are_no_comments() -> None:
    html = ("<html><body><article><p>" + "Article words here. " * 30 + "</p></article>"
            "<div id='comments'><h3>Comments</h3><p>Please be respectful and keep to the "
            "community guidelines when you post.</p><p>There are no comments yet - be the "
            "first to add your thoughts</p></div></body></html>")
    assert parse_bytes(html.encode(), "none.html").articles[0].comments == ()


def test_blogger_threads_and_stackexchange_comments() -> None:
    comments = parse_file(FIX / "blogger_stackexchange.html").articles[0].comments
    got = [(c.id, c.parent, c.author, c.text) for c in comments]
    assert got == [
        ("1111111111", None, "Sanne", "Interesting post! I had never heard of the genre."),
        ("2222222222", "1111111111", "Jana", "Glad you liked it!"),
        ("26550", None, "Vogel612", "maybe ausgeraubt is a bad example"),
    ]
    assert comments[0].date == "June 8, 2015 at 9:13 PM"
    assert comments[2].date == "2014-02-07 10:53:03Z"


def test_unlisted_theme_fields_by_name() -> None:
    # Drupal-style BEM classes: no listed field class, found by what the classes name
    comments = parse_file(FIX / "drupal.html").articles[0].comments
    got = [(c.id, c.author, c.date, c.text) for c in comments]
    assert got == [
        ("41", "Ines", "2024-03-01T18:00:00Z", "Great news for those of us who work until six."),
        ("42", "Library staff", "2024-03-02T09:00:00Z", "Thank you, see you in the evenings!"),
    ]


def test_xhtml_with_an_xml_declaration() -> None:
    page = (b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            b"<head><title>X</title></head><body><p>" + b"word " * 40 + b"</p>"
            b'<ol class="commentlist"><li class="comment" id="comment-5"><cite class="fn">Al'
            b'</cite><div class="comment-content"><p>Hi there</p></div></li></ol></body></html>')
    result = parse_bytes(page, "x.xhtml")
    assert result.format == "html"
    assert [(c.author, c.text) for c in result.articles[0].comments] == [("Al", "Hi there")]


def test_bare_comment_containers_without_a_text_element() -> None:
    page = ("<html><body><article><p>" + "Article words here. " * 30 + "</p></article>"
            "<div class='user-comment' id='comment-1'><span class='user-name'>Kim</span>"
            "<span class='post-date'>May 2, 2024</span> First bare comment here.</div>"
            "<div class='user-comment' id='comment-2'><span class='user-name'>Lee</span>"
            "<span class='post-date'>May 3, 2024</span> Second one.<br>Two lines.</div>"
            "</body></html>")
    comments = parse_bytes(page.encode(), "bare.html").articles[0].comments
    assert [(c.author, c.date, c.text) for c in comments] == [
        ("Kim", "May 2, 2024", "First bare comment here."),
        ("Lee", "May 3, 2024", "Second one.\nTwo lines."),
    ]


def test_wpdiscuz5_parents_from_the_wrapper_ids() -> None:
    comments = parse_file(FIX / "wpdiscuz5.html").articles[0].comments
    got = [(c.id, c.parent, c.author, c.date, c.text) for c in comments]
    assert got == [
        ("52842", None, "Alexandra", "15. Februar 2017 09:49", "Can I bake this as muffins?"),
        ("52845", "52842", "Kathrin", "15. Februar 2017 10:13",
         "Yes, bake them for about 18 minutes."),
        ("52900", "52845", "Alexandra", None, "Thank you!"),
    ]


def test_code_comments_and_comment_buttons_are_not_reader_comments() -> None:
    page = ("<html><body><article><p>" + "Article words here. " * 30 + "</p>"
            "<pre><code><span class='token comment'>// increment the counter</span>\n"
            "x += 1 <span class='comment'># done</span></code></pre>"
            "<div class='add-comment'><a class='leave-comment' href='#'>Leave a comment</a></div>"
            "<div class='comment-count'>0 Comments</div>"
            "<div class='comment'>Be the first to comment!</div></article></body></html>")
    assert parse_bytes(page.encode(), "code.html").articles[0].comments == ()


def test_site_name_is_cut_from_the_title_and_captions_from_the_body() -> None:
    page = ("<html><head><title>Harbour Wall Repairs | Harbour Gazette</title>"
            "<meta property='og:site_name' content='Harbour Gazette'></head><body><article>"
            "<h1>Harbour Wall Repairs</h1><p>" + "The wall will be repaired next week. " * 12
            + "</p><p>Titelbild: Jane Doe on Unsplash</p></article></body></html>")
    article = parse_bytes(page.encode(), "t.html").articles[0]
    assert article.title == "Harbour Wall Repairs"
    assert "Unsplash" not in (article.body or "")
    assert not (article.body or "").startswith("Harbour Wall Repairs")


def test_short_comments_in_a_known_text_element_are_kept_even_if_they_read_like_chrome() -> None:
    items = "".join(
        f'<li class="comment" id="comment-{i}"><div class="comment-content"><p>{t}</p></div></li>'
        for i, t in enumerate(["+1", "Like", "0", "© A"], start=1))
    page = ("<html><body><article><p>" + "Article words here. " * 30 + "</p></article>"
            f"<ol class='comment-list'>{items}</ol></body></html>")
    comments = parse_bytes(page.encode(), "short.html").articles[0].comments
    assert [c.text for c in comments] == ["+1", "Like", "0", "© A"]
