"""Article body and metadata of an HTML page through trafilatura, with the comments cut out."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml import etree

from moderation.documents import Comment
from moderation.parse import chrome

# trafilatura logs extraction details at WARNING for pages it finds thin; the parse reports
# its own warnings instead.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

_ZONE_ID = re.compile(r"(?i)^(?:comments|respond|disqus_thread|wpdiscuz|wc_comment_wrapper|"
                      r"comment-list|commentlist|comments-area|comment_list)$")


@dataclass
class BodyMeta:
    title: str | None = None
    byline: str | None = None
    body: str | None = None
    url: str | None = None
    date: str | None = None


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        el.drop_tree() if hasattr(el, "drop_tree") else parent.remove(el)


def extract_body(root: etree._Element, comments: list[Comment], elements: list[etree._Element],
                 warnings: list[str]) -> BodyMeta:
    """Title, byline, date, url and body text of the page; comment markup never reaches it."""
    import trafilatura  # heavy import: only pages need it

    size = sum(1 for _ in root.iter())
    if size > MAX_ELEMENTS:
        warnings.append(f"article body not extracted: {size} elements exceed the "
                        f"{MAX_ELEMENTS} limit for the body extractor")
        return BodyMeta()
    for el in elements:
        _drop(el)
    for el in root.iter():
        if isinstance(el.tag, str) and _ZONE_ID.match(el.get("id") or ""):
            _drop(el)
            break
    doc = trafilatura.bare_extraction(root, include_comments=False, with_metadata=True,
                                      fast=True, include_tables=True,
                                      # no extensive date search: it loads dateparser's
                                      # locales (seconds) for a field the comments do not need
                                      date_extraction_params={"extensive_search": False,
                                                              "original_date": True})
    if doc is None:
        warnings.append("article body not found by the extractor")
        return BodyMeta()
    texts = [_norm(c.text) for c in comments if len(c.text) >= 20]
    paragraphs = []
    for para in (doc.text or "").split("\n"):
        line = para.strip()
        if not line or chrome.is_boilerplate(line) or chrome.is_widget_line(line):
            continue
        n = _norm(line)
        if len(n) >= 20 and any(n in t or t in n for t in texts):
            continue  # a comment quoted outside its container: never in the body
        paragraphs.append(line)
    return BodyMeta(title=doc.title, byline=doc.author, body="\n\n".join(paragraphs) or None,
                    url=doc.url, date=doc.date)


MAX_ELEMENTS = 150_000
