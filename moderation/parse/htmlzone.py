"""Generic path for unknown comment systems: read the page's comment area as a text dump."""

from __future__ import annotations

import re

from lxml import etree

from moderation.documents import Comment
from moderation.parse import chrome
from moderation.parse.dates import iso_date
from moderation.parse.html import excluded_area
from moderation.parse.htmltext import element_text
from moderation.parse.text import split_comments
from moderation.parse.zoneblocks import area_drafts

# The container themes put around a comment section, by id or class token.
_AREA = re.compile(
    r"^(?:comments|comments?[-_](?:area|section|list|wrap|wrapper|container|block|box)|"
    r"commentlist|comment_list|discussion|responses|kommentare|commentaires|comentarios)$",
    re.IGNORECASE)
_NOT_TEXT = frozenset({"form", "script", "style", "noscript", "template", "button", "nav"})


def _areas(root: etree._Element) -> list[etree._Element]:
    found = [el for el in root.iter() if isinstance(el.tag, str) and any(
        _AREA.match(t) for t in [*(el.get("class") or "").split(), el.get("id") or ""] if t)]
    kept = set(found)
    return [el for el in found
            if not any(a in kept for a in el.iterancestors())
            and not any(excluded_area(a) for a in (el, *el.iterancestors()))]


def area_comments(root: etree._Element, warnings: list[str] | None = None,
                  ) -> tuple[list[Comment], list[etree._Element]]:
    """Comments split from the text of the page's comment areas (parents unknown).

    An area whose widget says there are no comments yet yields none, whatever else it shows
    (guidelines, prompts, sign-in notices); so does one whose blocks are chrome or show no
    header variety (``zoneblocks.area_drafts``; why goes to ``warnings``).
    """
    warnings = [] if warnings is None else warnings
    comments: list[Comment] = []
    areas = []
    for area in _areas(root):
        skip = {n for n in area.iter() if isinstance(n.tag, str) and n.tag in _NOT_TEXT}
        lines = element_text(area, skip).split("\n")
        if any(chrome.says_no_comments(line) for line in lines):
            continue
        where = f"comment area <{area.tag}> at line {area.sourceline}"
        drafts = area_drafts(split_comments(lines), where, warnings)
        areas.append(area)  # (a refused area's chrome stays out of the body, as before)
        for draft in drafts:
            comments.append(Comment(
                text=draft.text(), author=draft.author, date=draft.date, kind=draft.kind,
                date_iso=iso_date(draft.date),
                parent=None, parent_known=False, position=len(comments),
                flags=("layout-unknown",),
            ))
    return comments, areas
