"""Comments a page states as schema.org JSON-LD: ``Comment`` objects in ``<script
type="application/ld+json">`` (an article's ``comment`` list, a ``DiscussionForumPosting``'s
replies). Sites whose comment widget renders in the browser often print them for search
engines, so the static page holds the comments only there.

Replies come from nesting (a ``Comment``'s own ``comment`` list) or ``parentItem``; ``author``
may be a name or a ``Person``; the text may carry markup, which is reduced to its text. A
script that is no valid JSON is named in a warning and skipped; nothing else on the page
depends on it.

An ``Answer`` (a kind of Comment in schema.org) is a reader's post on a question-and-answer
page; the answers of a ``FAQPage``, and answers that name neither an author nor a date, are
the site's own FAQ (recipe sites print one for search engines) and are not comments.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from moderation.documents import Comment
from moderation.parse.dates import iso_date
from moderation.parse.htmltext import element_text

_COMMENT_TYPES = frozenset({"Comment", "Answer"})
_MAX_SCRIPT_CHARS = 5_000_000  # a script this long is no page's metadata: skipped
_MAX_DEPTH = 64  # nesting of JSON objects walked (replies of replies, graphs)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    names = t if isinstance(t, list) else [t]
    return {n.rsplit("/", 1)[-1] for n in names if isinstance(n, str)}


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("alternateName")
    return value.strip() or None if isinstance(value, str) else None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if "<" in value and ">" in value:
        try:
            frag = etree.fromstring(f"<div>{value}</div>", etree.HTMLParser())
        except (etree.ParserError, ValueError):
            frag = None
        if frag is not None:
            value = element_text(frag)
    return "\n".join(line.strip() for line in value.strip().splitlines()).strip()


def _id(obj: dict[str, Any]) -> str | None:
    for key in ("@id", "identifier", "url"):
        v = obj.get(key)
        if isinstance(v, (str, int)) and str(v).strip():
            return str(v).strip()
    return None


def _faq_answer(obj: dict[str, Any], types: set[str], in_faq: bool) -> bool:
    """An Answer of the site's FAQ: under a FAQPage, or with no author and no date."""
    if "Answer" not in types or "Comment" in types:
        return False
    return in_faq or not (obj.get("author") or obj.get("creator") or obj.get("dateCreated")
                          or obj.get("datePublished"))


def ld_comments(root: etree._Element, warnings: list[str]) -> list[Comment]:
    """Every schema.org Comment in the page's JSON-LD scripts, in document order, threaded."""
    found: list[tuple[dict[str, Any], str | None]] = []  # (object, parent id)
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if not raw.strip() or len(raw) > _MAX_SCRIPT_CHARS:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as e:
            if "Comment" in raw:
                warnings.append(f"JSON-LD script at line {script.sourceline} is no valid JSON "
                                f"({str(e)[:60]}); its comments were not read")
            continue
        stack: list[tuple[Any, str | None, int, bool]] = [(data, None, 0, False)]
        while stack:
            obj, parent, depth, faq = stack.pop()
            if depth > _MAX_DEPTH:
                continue
            if isinstance(obj, list):
                stack.extend((o, parent, depth + 1, faq) for o in reversed(obj))
                continue
            if not isinstance(obj, dict):
                continue
            own = parent
            types = _types(obj)
            faq = faq or "FAQPage" in types
            if types & _COMMENT_TYPES and not _faq_answer(obj, types, faq):
                found.append((obj, parent))
                own = _id(obj) or f"ld{len(found)}"
                obj.setdefault("@id", own)
            for key, value in reversed(list(obj.items())):
                if isinstance(value, (dict, list)):
                    stack.append((value, own if key in ("comment", "replies", "suggestedAnswer",
                                                        "acceptedAnswer") else parent, depth + 1,
                                  faq))
    comments: list[Comment] = []
    for obj, parent in found:
        text = _text(obj.get("text") or obj.get("articleBody") or obj.get("description"))
        if not text:
            continue
        up = obj.get("parentItem")
        if isinstance(up, dict):
            parent = _id(up) or parent
        date = obj.get("dateCreated") or obj.get("datePublished")
        date = date.strip() if isinstance(date, str) and date.strip() else None
        comments.append(Comment(
            text=text, author=_name(obj.get("author") or obj.get("creator")), date=date,
            date_iso=iso_date(date) if date else None, id=_id(obj), parent=parent,
            parent_known=True, position=len(comments), kind="comment",
            flags=("json-ld",)))
    return comments
