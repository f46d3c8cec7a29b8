"""Comments a page states only as schema.org JSON-LD (moderation/parse/jsonld.py)."""

from __future__ import annotations

import json

from moderation.parse import parse_bytes

ARTICLE = ("<h1>A quiet week</h1>" + "<p>The harbour was quieter than usual this week, with "
           "most of the fleet in port because of the storm warnings issued on Monday.</p>" * 4)


def page(*scripts: str, body: str = "") -> bytes:
    head = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return (f"<html><head>{head}</head><body><article>{ARTICLE}</article>{body}"
            "</body></html>").encode()


def test_comments_threads_authors_and_dates_from_json_ld() -> None:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "A quiet week",
            "comment": [
                {"@type": "Comment", "@id": "#c1", "dateCreated": "2024-03-03T10:15",
                 "author": {"@type": "Person", "name": "Anna Berg"},
                 "text": "Reading this blog for years, one of the best posts.",
                 "comment": [{"@type": "Comment", "author": "Peter M.",
                              "dateCreated": "2024-03-04T08:00",
                              "text": "Not sure I agree, the <b>numbers</b> differ."}]},
                {"@type": ["Comment"], "author": [{"name": "lisa_k"}],
                 "datePublished": "2024-03-05", "parentItem": {"@id": "#c1"},
                 "text": "<p>Source, please?</p><p>Thanks.</p>"}]}
    result = parse_bytes(page(json.dumps(data)), "ld.html")
    cs = result.articles[0].comments
    assert [(c.author, c.date_iso, c.text) for c in cs] == [
        ("Anna Berg", "2024-03-03T10:15", "Reading this blog for years, one of the best posts."),
        ("Peter M.", "2024-03-04T08:00", "Not sure I agree, the numbers differ."),
        ("lisa_k", "2024-03-05", "Source, please?\n\nThanks.")]
    assert cs[0].id == "#c1" and cs[1].parent == "#c1" and cs[2].parent == "#c1"
    assert cs[0].parent is None and all(c.parent_known for c in cs)
    assert any("JSON-LD" in w for w in result.warnings)
    assert "Reading this blog" not in (result.articles[0].body or "")


def test_a_forum_posting_graph_and_a_broken_script() -> None:
    graph = {"@graph": [{"@type": "WebPage", "name": "x"},
                        {"@type": "DiscussionForumPosting", "headline": "Mooring fees",
                         "comment": [{"@type": "Comment", "author": {"name": "Ole"},
                                      "text": "Fees went up twice already."}]}]}
    result = parse_bytes(page('{"@type": "Comment", "text": broken', json.dumps(graph)), "g.html")
    assert [(c.author, c.text) for c in result.articles[0].comments] == [
        ("Ole", "Fees went up twice already.")]
    assert any("JSON-LD script at line" in w and "no valid JSON" in w for w in result.warnings)


def test_markup_comments_win_and_hostile_json_is_survived() -> None:
    data = {"@type": "Article", "comment": [{"@type": "Comment", "text": "Only in JSON-LD."}]}
    markup = ('<ol class="commentlist"><li class="comment" id="comment-1"><div class="comment-'
              'author"><cite class="fn">Anna</cite></div><div class="comment-content"><p>In the '
              "page itself, a real comment here.</p></div></li></ol>")
    cs = parse_bytes(page(json.dumps(data), body=markup), "both.html").articles[0].comments
    assert [c.text for c in cs] == ["In the page itself, a real comment here."]
    # nested past any parser's recursion limit: no crash, no comment, a warning
    deep = '{"comment": ' * 100_000 + '{"@type": "Comment", "text": "deep"}' + "}" * 100_000
    odd = [{"@type": "Comment", "text": 42}, {"@type": "Comment", "author": {"name": 7}},
           {"@type": "Comment", "text": "   "}, "Comment", None]
    result = parse_bytes(page(deep, json.dumps(odd)), "odd.html")
    assert result.articles[0].comments == ()
    assert any("no valid JSON" in w for w in result.warnings)


def test_a_faq_is_no_comment_section_but_a_qa_pages_answers_are() -> None:
    """schema.org's Answer is a kind of Comment: a FAQPage's answers (and answers with neither
    author nor date) are the site's FAQ, a QAPage's signed, dated answers are readers' posts."""
    faq = {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": "Can I freeze it?",
         "acceptedAnswer": {"@type": "Answer", "text": "Yes, for up to three months."}},
        {"@type": "Question", "name": "Which wine?",
         "acceptedAnswer": {"@type": "Answer", "text": "One you would drink yourself.",
                            "author": {"@type": "Organization", "name": "Emmi"}}}]}
    graph = {"@graph": [{"@type": "Question", "name": "Is it vegan?",
                         "suggestedAnswer": [{"@type": "Answer", "text": "No, it has butter."}]}]}
    result = parse_bytes(page(json.dumps(faq), json.dumps(graph)), "faq.html")
    assert result.articles[0].comments == ()
    qa = {"@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": "Dative or accusative?", "author": {"name": "ole"},
        "acceptedAnswer": {"@type": "Answer", "text": "Accusative: it is a direction.",
                           "author": {"name": "Anna Berg"}, "dateCreated": "2024-03-03"}}}
    cs = parse_bytes(page(json.dumps(qa)), "qa.html").articles[0].comments
    assert [(c.author, c.text) for c in cs] == [("Anna Berg", "Accusative: it is a direction.")]
