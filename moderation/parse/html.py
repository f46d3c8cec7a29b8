"""HTML pages: per-comment records from the markup, article body through trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from moderation.documents import Article, Comment
from moderation.errors import ParseError
from moderation.parse import bylines, chrome
from moderation.parse.dates import iso_date
from moderation.parse.htmltext import element_text

# Pages beyond these are refused or left without a body, never silently emptied.
MAX_HTML_BYTES = 64 * 1024 * 1024

# A comment container: class "comment", "<system>-comment", "<system>_comment", or an id like
# comment-123, li-comment-123, dsq-comment-123, sf_comment_123, c123 (Blogger).
_CONTAINER_CLASS = re.compile(
    r"^(?:[a-z0-9]+[-_])?comment$|^comment[-_](?:item|entry|wrapper|container)$|"
    r"^(?:pingback|trackback)$"
)
# Buttons and prompts named after comments ("add-comment", "leave-comment"), not comments.
_ACTION_CLASS = re.compile(
    r"^(?:add|post|leave|new|no|open|write|submit|show|load|toggle|count|has|reply|edit|"
    r"delete|report|cancel|close|hide|more|jump|go|to|view|first|last|your)[-_]comment$")
_INLINE = frozenset(["span", "a", "code", "b", "i", "em", "strong", "small", "font", "label", "button", "input", "textarea"])
_CONTAINER_ID = re.compile(r"^(?:li-|dsq-)?comment[-_]?(\d+)$|^sf_comment_(\d+)$|^c(\d{6,})$")
_SCHEMA_COMMENT = re.compile(r"(?i)schema\.org/(?:Comment|UserComments)$")
_MF_CONTAINERS = frozenset({"p-comment", "u-comment", "h-cite"})
_WPDISCUZ_ID = re.compile(r"^(?:wc|wpd)-comm-(\d+)_(\d+)$")
_DEPTH_CLASS = re.compile(r"^(?:depth|wc_comment_level|wpd_comment_level|level)-\d+$")
# Sidebars and widgets list other pages' comments; JS templates hold empty placeholders.
# (WordPress themes call the comments.php include itself "comments-template": not a template.)
_EXCLUDE_AREA = re.compile(
    r"^(?:.*recent.*|(?!comments?[-_]template(?:[-_]\d+)?$)(?:.*[-_]template|template.*))$")
# Field classes, best first. Text: the comment's own words; author; date.
_TEXT_CLASSES = (
    "itemprop:text", "itemprop:commenttext", "e-content", "p-content", "wpd-comment-text", "wc-comment-text", "comment-copy", "comment-content", "sf_comment_text",
    "dsq-comment-message", "format_text", "comment_text", "comment-text", "commentbody",
    "comment-entry", "comment-body", "post-message", "text",
)
_AUTHOR_CLASSES = (
    "itemprop:author", "itemprop:creator", "p-author", "fn", "wpd-comment-author", "wc-comment-author", "comment-user", "user",
    "sf_comment_author", "comment_author", "comment-author", "dsq-comment-header", "author",
    "username", "comment-username", "comment-title",
)
_DATE_CLASSES = (
    "itemprop:datecreated", "itemprop:datepublished", "itemprop:commenttime", "dt-published",
    "wpd-comment-date", "wc-comment-date", "comment-date", "datetime", "comment-metadata",
    "commentmetadata", "comment_time", "comment-timestamp", "sf_comment_info", "date",
    "published", "comment-meta",
)
# Inside a comment's text element: controls that are not the commenter's words.
_NOISE_CLASS = re.compile(
    r"(?i)reply|comment-meta|comment-actions|comment-footer|rating|vote|like|share|edit-link|"
    r"comment-author|avatar|wpd-comment-footer|wc-comment-footer|report|flag"
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_GENERIC_AUTHOR = re.compile(r"author|user|name|nick|poster|byline", re.IGNORECASE)
_GENERIC_DATE = re.compile(r"date|time|posted|when", re.IGNORECASE)
_AVATAR = re.compile(r"avatar|photo|image|img|icon|link|url$", re.IGNORECASE)
_GENERIC_TEXT = re.compile(r"content|text|body|message|copy", re.IGNORECASE)
_DATE_NOISE = re.compile(r"(?i)date|time|dot|says|reply|badge|label|role|karma|score")
_SAYS = re.compile(rf"\s*{bylines.SAYS_VERBS}\s*(?::|\.\.\.|…)?\s*$", re.IGNORECASE)


@dataclass
class _Found:
    el: etree._Element
    text_el: etree._Element
    # the text element carries a comment-text class the parser knows (comment-content, ...):
    # whatever it says is a comment, even "+1" or "Like"
    known: bool = False


def _classes(el: etree._Element) -> list[str]:
    """Class tokens, plus schema.org microdata properties as ``itemprop:NAME`` tokens."""
    tokens = (el.get("class") or "").lower().split()
    prop = el.get("itemprop")
    return tokens + [f"itemprop:{p}" for p in prop.lower().split()] if prop else tokens


def _is_container(el: etree._Element) -> bool:
    if el.tag in _INLINE:
        return False  # code highlighters mark code comments <span class="comment">
    if _SCHEMA_COMMENT.search(el.get("itemtype") or "") or "comment" in (
            el.get("itemprop") or "").lower().split():
        return True  # schema.org Comment/UserComments microdata, whatever the classes say
    tokens = _classes(el)
    if any(c in _MF_CONTAINERS for c in tokens):
        return True  # microformats2: a reply cited in the post (h-cite, p-comment)
    if any(_CONTAINER_CLASS.match(c) and not _ACTION_CLASS.match(c) for c in tokens):
        return True
    return bool(_CONTAINER_ID.match(el.get("id") or "") or _WPDISCUZ_ID.match(el.get("id") or ""))


def _only_chrome(text: str) -> bool:
    """Text made only of widget phrases, prompts and counters: a control, not a comment."""
    return all(chrome.is_widget_line(ln) or chrome.is_zone_start(ln) or chrome.is_zone_end(ln)
               or chrome.says_no_comments(ln) for ln in text.split("\n") if ln.strip())


def excluded_area(el: etree._Element) -> bool:
    """A template or a recent-comments widget: comment markup there is not this page's."""
    if el.tag in ("body", "html"):
        return False
    if el.tag == "template":
        return True
    tokens = _classes(el) + [(el.get("id") or "").lower()]
    return any(_EXCLUDE_AREA.match(t) for t in tokens if t)


def _first_with_class(
    el: etree._Element, names: tuple[str, ...], stop: set[etree._Element]
) -> etree._Element | None:
    """First descendant (not inside another comment) whose class is the best-ranked name."""
    best: tuple[int, etree._Element] | None = None
    for node in _own_descendants(el, stop):
        for c in _classes(node):
            if c in names:
                rank = names.index(c)
                if best is None or rank < best[0]:
                    best = (rank, node)
    return best[1] if best else None


def _generic_text(el: etree._Element, stop: set[etree._Element]) -> etree._Element | None:
    """An unlisted theme's text element: a class naming content/text/body/message."""
    for node in _own_descendants(el, stop):
        tokens = _classes(node)
        if any(_GENERIC_TEXT.search(t) for t in tokens) and not any(
                _NOISE_CLASS.search(t) for t in tokens) and node.text_content().strip():
            return node
    return None


def _generic_field(el: etree._Element, pattern: re.Pattern[str], stop: set[etree._Element],
                   text_el: etree._Element | None) -> etree._Element | None:
    """An unlisted theme's author or date element (BEM names like comment__author), outside
    the comment's text."""
    for node in _own_descendants(el, stop):
        if text_el is not None and (node is text_el or text_el in node.iterancestors()
                                    or node in text_el.iterdescendants()):
            continue
        if node.tag == "time" and pattern is _GENERIC_DATE:
            return node
        if any(pattern.search(t) for t in _classes(node)) and not any(
                _AVATAR.search(t) for t in _classes(node)) and node.text_content().strip():
            return node
    return None


def _own_descendants(el: etree._Element, stop: set[etree._Element]):
    stack = list(reversed(el))
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str) or node in stop:
            continue
        yield node
        stack.extend(reversed(node))


def _field_text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    skip = {n for n in el.iterdescendants()
            if _DATE_NOISE.search(n.get("class") or "") or n.tag in ("time", "img")}
    text = _SAYS.sub("", " ".join(element_text(el, skip).split()))
    return text.strip(" ·|-–") or None


def _date(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    if el.get("content") and any(map(str.isdigit, el.get("content", ""))):
        return el.get("content")  # <meta itemprop="dateCreated" content="2013-10-16T...">
    times = [el] if el.tag == "time" else el.findall(".//time")
    for t in times:
        if t.get("datetime"):
            return t.get("datetime")
    for node in (el, *el.iterdescendants()):
        title = node.get("title") if isinstance(node.tag, str) else None
        if title and any(map(str.isdigit, title)):
            return title  # the exact time behind "3 hours ago"
    return " ".join(el.text_content().split()) or None


def _comment_id(el: etree._Element) -> str | None:
    for node in (el, *el.iter()):
        ident = node.get("id") or ""
        m = _WPDISCUZ_ID.match(ident) or _CONTAINER_ID.match(ident)
        if m:
            return next(g for g in m.groups() if g)
        if node.get("data-comment-id"):
            return node.get("data-comment-id")
        if node is not el and _is_container(node):
            break
    return None


def _wpdiscuz_parent(el: etree._Element, own_id: str | None) -> str | None:
    """wpDiscuz writes "wc-comm-ID_PARENT" on the comment or the wrapper around it."""
    for node in (*el.iter(), *el.iterancestors()):
        m = _WPDISCUZ_ID.match(node.get("id") or "")
        if m and (own_id is None or m.group(1) == own_id):
            return None if m.group(2) == "0" else m.group(2)
    return None


def find_comments(root: etree._Element, warnings: list[str] | None = None,
                  ) -> tuple[list[Comment], list[etree._Element]]:
    """Every comment in the page (author, date, id, parent, text) and its container element."""
    candidates = [el for el in root.iter() if isinstance(el.tag, str) and _is_container(el)]
    cset = set(candidates)
    found: list[_Found] = []
    seen_text: set[etree._Element] = set()
    for el in candidates:
        if any(excluded_area(a) for a in el.iterancestors()):
            continue
        text_el = _first_with_class(el, _TEXT_CLASSES, cset)
        known = text_el is not None
        if text_el is None:
            text_el = _generic_text(el, cset)
            if text_el is not None and any(d in cset for d in text_el.iterdescendants()):
                text_el = None  # a wrapper around a marked-up comment (microdata) inside it
        if text_el is None or text_el in seen_text:
            continue
        seen_text.add(text_el)
        found.append(_Found(el, text_el, known))
    if not found:
        # Bare containers: the words sit directly in the comment element, around its name
        # and date (those are cut from the text below).
        found = [_Found(el, el) for el in candidates
                 if not any(excluded_area(a) or a.tag in ("pre", "code")
                            for a in el.iterancestors())
                 and not any(d in cset for d in el.iterdescendants())]
    # Climb from a field wrapper (wpDiscuz's div#comment-N.wc-comment-right) to the outermost
    # container that still holds no other comment's text: that element carries the thread.
    text_owner: dict[etree._Element, _Found] = {f.text_el: f for f in found}
    for f in found:
        node = f.el.getparent()
        while node is not None and node.tag not in ("body", "html"):
            if node in cset:
                if any(t is not f.text_el and node in t.iterancestors() for t in text_owner):
                    break
                f.el = node
            node = node.getparent()
    kept = {f.el for f in found}
    threaded = any(_DEPTH_CLASS.match(c) for f in found for c in _classes(f.el)) or any(
        a in kept for f in found for a in f.el.iterancestors())
    comments = []
    elements = []
    ids: dict[etree._Element, str | None] = {f.el: _comment_id(f.el) for f in found}
    for pos, f in enumerate(found):
        meta_src = f.el
        prev = f.el.getprevious()
        if f.el.tag == "dd" and prev is not None and prev.tag == "dt":
            meta_src = prev  # dl/dt/dd themes put the name and date in the <dt>
        stop = kept - {f.el}
        own_text = None if f.text_el is f.el else f.text_el
        author_el = _first_with_class(meta_src, _AUTHOR_CLASSES, stop)
        if author_el is None:
            author_el = _generic_field(meta_src, _GENERIC_AUTHOR, stop, own_text)
        if author_el is not None and own_text is not None and (
                author_el is own_text or author_el in own_text.iterancestors()):
            author_el = None
        date_el = _first_with_class(meta_src, _DATE_CLASSES, stop)
        if date_el is None:
            date_el = _generic_field(meta_src, _GENERIC_DATE, stop, own_text)
        skip = {n for n in _own_descendants(f.text_el, set())
                if n in kept or _NOISE_CLASS.search(n.get("class") or "")}
        if f.text_el is f.el:
            skip.update(n for n in (author_el, date_el) if n is not None)
        text = element_text(f.text_el, skip)
        if not text:
            continue
        if not f.known and _only_chrome(text):
            if warnings is not None:
                warnings.append(f"skipped a comment-like element whose text is only widget "
                                f"chrome ({text[:40]!r}, line {f.el.sourceline})")
            continue
        parent = _wpdiscuz_parent(f.el, ids[f.el])
        if parent is None:
            anc = next((a for a in f.el.iterancestors() if a in kept), None)
            parent = ids.get(anc) if anc is not None else None
        cid = ids[f.el] or (meta_src.get("id") if meta_src is not f.el else None)
        kind = next((c for c in _classes(f.el) if c in ("pingback", "trackback")), "comment")
        comments.append(Comment(
            text=text, author=_field_text(author_el), date=_date(date_el), id=cid,
            date_iso=iso_date(_date(date_el)),
            parent=parent, parent_known=threaded or parent is not None, kind=kind,
            position=pos, source_status="approved" if kind == "comment" else None,
        ))
        elements.append(meta_src if meta_src is not f.el else f.el)
        if meta_src is not f.el:
            elements.append(f.el)
    return comments, elements


def load_html(text: str, source: str) -> etree._Element:
    """Parse HTML with lxml; refuse inputs that would be silently truncated or are too big."""
    if len(text) > MAX_HTML_BYTES:
        raise ParseError(f"HTML larger than the {MAX_HTML_BYTES // 2**20} MB limit; refused",
                         source=source)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    # XHTML's <?xml ... encoding=...?>: the text is decoded already, lxml refuses the pair
    text = _XML_DECL.sub("", text, count=1)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"not parseable as HTML: {exc}", source=source) from exc
    for err in parser.error_log:
        if err.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in err.message:
            raise ParseError(
                "HTML nested deeper than the parser's 256-level limit; refused rather than "
                "read partially", source=source, position=f"line {err.line}, column {err.column}")
    return root


def parse_html(text: str, source: str) -> tuple[Article, list[str]]:
    """One Article from an HTML page; the warnings list says what was left out and why."""
    from moderation.parse import body as body_mod

    root = load_html(text, source)
    warnings: list[str] = []
    comments, elements = find_comments(root, warnings)
    from moderation.parse.htmlrepeat import repeated_comments

    if len(comments) == 1 and not comments[0].author and not comments[0].date \
            and chrome.is_comment_notice(comments[0].text):
        warnings.append(f"skipped the comment section's notice to readers "
                        f"({comments[0].text[:40]!r}): no comment under it")
        comments, elements = [], []
    if not comments:
        # The comments the page states as schema.org JSON-LD (a widget that renders in the
        # browser prints them there for search engines): the site's own record of them.
        from moderation.parse.jsonld import ld_comments

        comments = ld_comments(root, warnings)
        if comments:
            warnings.append(f"{len(comments)} comment(s) read from the page's JSON-LD "
                            "(schema.org Comment); no comment markup in the page itself")
    # Markup no rule names: alike sibling subtrees with a name, a date and text.
    if not comments:
        comments, elements = repeated_comments(root, warnings)
    elif sum(c.date is None for c in comments) * 2 > len(comments):
        # The named markup gave comments without dates: maybe a wrapper around the header
        # and a subject line, not the comment. The structural reading wins where it reads
        # the same comments (as many, each named element inside one of its records; replies
        # it tells apart from their parents do not count against it) and dates most of them.
        notes: list[str] = []
        again, found = repeated_comments(root, notes)
        holders = set(found)
        inside = sum(e in holders or any(a in holders for a in e.iterancestors())
                     for e in elements)
        tops = sum(c.parent is None for c in again)
        if len(comments) <= len(again) and tops <= len(comments) * 5 // 4 \
                and inside * 5 >= len(elements) * 4 \
                and sum(c.date is not None for c in again) * 2 > len(again):
            warnings += notes
            comments, elements = again, found
    if not comments:
        from moderation.parse.htmlzone import area_comments

        comments, elements = area_comments(root, warnings)
        if comments:
            warnings.append(f"comment markup not recognised: {len(comments)} comment(s) split "
                            "from the text of the comment area (authors and parents may be "
                            "missing)")
    meta = body_mod.extract_body(root, comments, elements, warnings)
    return Article(title=meta.title, byline=meta.byline, body=meta.body, url=meta.url,
                   date=meta.date, comments=tuple(comments)), warnings
