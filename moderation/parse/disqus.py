"""Disqus XML exports: threads become articles, posts their comments (parents, flags kept)."""

from __future__ import annotations

from lxml import etree

from moderation.documents import Article, Comment, ParseResult
from moderation.errors import ParseError
from moderation.parse.xmlsafe import (
    OVERSIZE_CHARS,
    XmlStream,
    child,
    child_text,
    html_to_text,
    local,
)


def _dsq_id(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    for key, value in el.attrib.items():
        if local(key) == "id":
            return value
    return None


def _true(el: etree._Element, name: str) -> bool:
    return (child_text(el, name) or "").lower() == "true"


def _post(el: etree._Element) -> tuple[str | None, Comment]:
    author_el = child(el, "author")
    author = None
    if author_el is not None:
        author = child_text(author_el, "name") or child_text(author_el, "username")
    status = "deleted" if _true(el, "isDeleted") else "spam" if _true(el, "isSpam") \
        else "approved"
    text = html_to_text(child_text(el, "message"))
    return _dsq_id(child(el, "thread")), Comment(
        text=text,
        author=author,
        date=child_text(el, "createdAt"),
        id=_dsq_id(el),
        parent=_dsq_id(child(el, "parent")),
        parent_known=True,
        source_status=status,
        flags=("oversize",) if len(text) > OVERSIZE_CHARS else (),
    )


def parse_disqus(data: bytes, source: str) -> ParseResult:
    """Parse a Disqus export; a malformed tail is reported in warnings, earlier posts kept."""
    stream = XmlStream(data, source)
    threads: dict[str, dict[str, str | None]] = {}
    posts: dict[str | None, list[Comment]] = {}
    warnings: list[str] = []
    count = 0
    for depth, el in stream:
        if depth != 1:
            continue
        name = local(el.tag)
        if name == "thread":
            tid = _dsq_id(el) or f"line-{el.sourceline}"
            info = {"title": child_text(el, "title"), "url": child_text(el, "link"),
                    "date": child_text(el, "createdAt"), "key": child_text(el, "id")}
            if tid not in threads or any(info.values()):
                threads[tid] = info
        elif name == "post":
            tid, comment = _post(el)
            if comment.text or comment.source_status == "deleted":
                posts.setdefault(tid, []).append(comment)
                count += 1
            else:
                warnings.append(f"post {comment.id} (line {el.sourceline}): no message; skipped")
        XmlStream.release(el)
    warnings = stream.warnings + warnings
    if stream.error:
        if not count and not threads:
            raise ParseError(f"malformed Disqus export: {stream.error.split(': ', 1)[-1]}",
                             source=source, position=stream.error.split(": ", 1)[0])
        warnings.append(f"stopped at {stream.error}; {count} post(s) before it kept, the rest "
                        "of the file skipped")
    articles = []
    for tid in list(threads) + [t for t in posts if t not in threads]:
        info = threads.get(tid, {})
        if tid not in threads:
            warnings.append(f"{len(posts[tid])} post(s) name thread {tid}, which the export "
                            "does not define")
        comments = tuple(
            Comment(**{**c.__dict__, "position": i}) for i, c in enumerate(posts.get(tid, []))
        )
        articles.append(Article(title=info.get("title"), url=info.get("url"), id=tid,
                                date=info.get("date"), comments=comments))
    return ParseResult(format="disqus", articles=tuple(articles), source=source,
                       warnings=tuple(warnings), encoding={"encoding": "xml", "guessed": False})
