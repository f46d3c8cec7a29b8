"""Article body and metadata of an HTML page through trafilatura, with the comments cut out."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml import etree

from moderation.documents import Comment
from moderation.parse import chrome
from moderation.parse.htmltext import element_text

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
    from trafilatura.settings import Document

    for el in elements:
        _drop(el)
    size = sum(1 for _ in root.iter())
    if size > MAX_ELEMENTS:
        # trafilatura's time grows faster than linearly with the tree: plain text instead
        warnings.append(f"page has {size} elements (over {MAX_ELEMENTS}): body is the plain "
                        "text of its main element, not the extractor's")
        main = next(iter(root.xpath("//article|//main|//body")), root)
        title = root.findtext(".//title")
        text = element_text(main)
        if len(text) > MAX_FALLBACK_CHARS:
            warnings.append(f"body cut at {MAX_FALLBACK_CHARS} of {len(text)} characters")
            text = text[:MAX_FALLBACK_CHARS]
        return BodyMeta(title=title.strip() if title else None, body=text or None)
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
    if not isinstance(doc, Document):
        warnings.append("article body not found by the extractor")
        return BodyMeta()
    title = doc.title
    if title and doc.sitename:
        # "Headline | Site Name": the site's name is not part of the article's title
        for sep in (" | ", " - ", " – ", " — ", " :: "):
            suffix = sep + doc.sitename
            if title.endswith(suffix) and len(title) > len(suffix):
                title = title[: -len(suffix)].strip()
    texts = [_norm(c.text) for c in comments if len(c.text) >= 20]
    paragraphs: list[str] = []
    for para in (doc.text or "").split("\n"):
        line = para.strip()
        if not line or chrome.is_boilerplate(line) or chrome.is_widget_line(line):
            continue
        n = _norm(line)
        if not paragraphs and title and n in (_norm(title), _norm(doc.title or "")):
            continue  # the headline, already the title
        if len(n) >= 20 and any(n in t or t in n for t in texts):
            continue  # a comment quoted outside its container: never in the body
        paragraphs.append(line)
    return BodyMeta(title=title, byline=doc.author, body="\n\n".join(paragraphs) or None,
                    url=doc.url, date=doc.date)


# The largest of the 22 sample pages has about 3,000 elements; real pages rarely pass 20,000.
MAX_ELEMENTS = 30_000
MAX_FALLBACK_CHARS = 5_000_000
