"""Disqus XML exports: threads become articles, posts their comments (parents, flags kept)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from lxml import etree

from moderation.documents import Article, Comment, ParseResult
from moderation.errors import ParseError
from moderation.parse.dates import iso_date
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
        date_iso=iso_date(child_text(el, "createdAt")),
        id=_dsq_id(el),
        parent=_dsq_id(child(el, "parent")),
        parent_known=True,
        source_status=status,
        flags=("oversize",) if len(text) > OVERSIZE_CHARS else (),
    )


def iter_disqus(data: bytes | Path, source: str, warnings: list[str],
                threads: dict[str, Article] | None = None,
                ) -> Iterator[tuple[Article, Comment]]:
    """Stream (thread, post) pairs from a Disqus export in bounded memory.

    ``threads`` collects each thread's metadata (an Article without comments) as it is read;
    ``warnings`` receives what was skipped. A malformed tail stops the stream with a warning;
    a file malformed before any record raises ParseError with the position.
    """
    threads = {} if threads is None else threads
    stream = XmlStream(data, source)
    count = 0
    undefined: set[str] = set()
    for depth, el in stream:
        if depth != 1:
            continue
        name = local(el.tag)
        if name == "thread":
            tid = _dsq_id(el) or f"line-{el.sourceline}"
            article = Article(id=tid, title=child_text(el, "title"), url=child_text(el, "link"),
                              date=child_text(el, "createdAt"))
            if tid not in threads or article.title or article.url:
                threads[tid] = article
        elif name == "post":
            post_tid, comment = _post(el)
            tid = post_tid or ""
            if comment.text or comment.source_status == "deleted":
                if tid not in threads and tid not in undefined:
                    undefined.add(tid)
                    warnings.append(f"posts name thread {post_tid or '(none)'}, which the "
                                    "export does not define before them")
                yield threads.get(tid) or Article(id=post_tid), replace(comment, position=count)
                count += 1
            else:
                warnings.append(f"post {comment.id} (line {el.sourceline}): no message; skipped")
        XmlStream.release(el)
    warnings[:0] = stream.warnings
    if stream.error:
        if not count and not threads:
            raise ParseError(f"malformed Disqus export: {stream.error.split(': ', 1)[-1]}",
                             source=source, position=stream.error.split(": ", 1)[0])
        warnings.append(f"stopped at {stream.error}; {count} post(s) before it kept, the rest "
                        "of the file skipped")


def parse_disqus(data: bytes | Path, source: str) -> ParseResult:
    """Parse a Disqus export; a malformed tail is reported in warnings, earlier posts kept."""
    warnings: list[str] = []
    threads: dict[str, Article] = {}
    posts: dict[str | None, list[Comment]] = {}
    for article, comment in iter_disqus(data, source, warnings, threads):
        posts.setdefault(article.id, []).append(comment)
    order = list(threads) + [t for t in posts if t not in threads]
    articles = tuple(
        replace(threads.get(t or "") or Article(id=t), comments=tuple(
            replace(c, position=i) for i, c in enumerate(posts.get(t, []))))
        for t in order
    )
    return ParseResult(format="disqus", articles=articles, source=source,
                       warnings=tuple(warnings), encoding={"encoding": "xml", "guessed": False})
