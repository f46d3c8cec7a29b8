"""WordPress WXR 1.0-1.2 exports: posts with their comments, pingbacks and trackbacks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from moderation.documents import Article, Comment, ParseResult
from moderation.errors import ParseError
from moderation.parse.dates import iso_date
from moderation.parse.xmlsafe import (
    OVERSIZE_CHARS,
    XmlStream,
    child_text,
    html_to_text,
    local,
)

_STATUS = {"1": "approved", "0": "pending", "spam": "spam", "trash": "trash",
           "post-trashed": "trash"}
# Items that are site structure, not articles readers comment on (kept when they have comments).
_NOT_ARTICLES = frozenset({"attachment", "nav_menu_item", "wp_navigation", "wp_template",
                           "wp_template_part", "wp_global_styles", "custom_css"})


def _comment(el: etree._Element, position: int) -> Comment:
    kind = (child_text(el, "comment_type") or "comment").lower()
    if kind not in ("pingback", "trackback"):
        kind = "comment"
    approved = child_text(el, "comment_approved") or ""
    parent = child_text(el, "comment_parent")
    text = html_to_text(child_text(el, "comment_content"))
    return Comment(
        text=text,
        author=child_text(el, "comment_author"),
        date=(date := child_text(el, "comment_date_gmt") or child_text(el, "comment_date")),
        date_iso=iso_date(date),
        id=child_text(el, "comment_id"),
        parent=None if parent in (None, "0") else parent,
        parent_known=True,
        kind=kind,
        position=position,
        source_status=_STATUS.get(approved.lower(), approved or None),
        flags=("oversize",) if len(text) > OVERSIZE_CHARS else (),
    )


def _article(item: etree._Element) -> tuple[Article | None, int]:
    comments: list[Comment] = []
    empty = 0
    for el in item:
        if local(el.tag) == "comment":
            c = _comment(el, len(comments))
            if c.text:
                comments.append(c)
            else:
                empty += 1
    post_type = child_text(item, "post_type") or "post"
    if post_type in _NOT_ARTICLES and not comments:
        return None, empty
    body = None
    for el in item:
        if local(el.tag) == "encoded" and "content" in (el.tag or ""):
            body = html_to_text(el.text) or None
    return Article(
        title=child_text(item, "title"),
        byline=child_text(item, "creator"),
        body=body,
        url=child_text(item, "link"),
        id=child_text(item, "post_id") or child_text(item, "thread_identifier"),
        date=child_text(item, "post_date_gmt") or child_text(item, "post_date"),
        comments=tuple(comments),
    ), empty


def iter_wxr(data: bytes | Path, source: str, warnings: list[str]) -> Iterator[Article]:
    """Stream the articles (each with its comments) of a WXR export in bounded memory."""
    stream = XmlStream(data, source)
    count = 0
    disqus_import = False
    for depth, el in stream:
        name = local(el.tag)
        if name == "thread_identifier":
            disqus_import = True
        if name == "item" and depth == 2:
            article, empty = _article(el)
            if empty:
                warnings.append(f"item at line {el.sourceline}: skipped {empty} comment(s) "
                                "with no text")
            XmlStream.release(el)
            if article is not None:
                count += 1
                yield article
    warnings[:0] = stream.warnings
    if stream.error:
        if not count:
            raise ParseError(f"malformed WXR: {stream.error.split(': ', 1)[-1]}",
                             source=source, position=stream.error.split(": ", 1)[0])
        warnings.append(f"stopped at {stream.error}; {count} item(s) before it kept, "
                        "the rest of the file skipped")
    if disqus_import:
        warnings.append("Disqus import file (WXR with dsq:thread_identifier): read as WXR")


def parse_wxr(data: bytes | Path, source: str) -> ParseResult:
    """Parse a WXR export; a malformed tail is reported in warnings, earlier items kept."""
    warnings: list[str] = []
    articles = tuple(iter_wxr(data, source, warnings))
    return ParseResult(format="wxr", articles=articles, source=source,
                       warnings=tuple(warnings), encoding={"encoding": "xml", "guessed": False})
