"""Comments of markup no rule names: repeated sibling subtrees with a header and text.

A comment list is a run of elements made alike (same tag, same first class token) under one
parent, replies nested inside them as more elements made the same way. Each one opens (or
closes) with a short header, a name and a date, and holds some prose. That structure is
looked for whatever the classes are called: every cluster of alike elements is read record by
record (``htmlrecord.read_record``) and taken when most records show a date, the text reads as text, the
names or dates vary, and the headers are not headlines (a teaser list: "related posts").
Parents come from the nesting.
"""

from __future__ import annotations

import re

from lxml import etree

from moderation.documents import Comment
from moderation.parse import bylines
from moderation.parse.dates import iso_date
from moderation.parse.htmlrecord import SENTENCE_END, Record, read_record

_SKIP_TAGS = frozenset({
    "html", "head", "body", "script", "style", "noscript", "template", "form", "nav", "svg",
    "select", "option", "button", "textarea", "input", "img", "br", "hr", "meta", "link",
    "a", "span", "b", "i", "em", "strong", "small", "font", "label", "code", "time", "abbr",
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tbody", "thead", "table",
    "picture", "source", "figure", "figcaption", "iframe", "cite", "sup", "sub",
})
_NOT_INSIDE = frozenset({"nav", "header", "form", "template", "select", "script", "style"})
_MIN_RECORDS = 3
_MAX_RECORD_CHARS = 20_000


def _key(el: etree._Element) -> tuple[str, str]:
    cls = (el.get("class") or "").split()
    return el.tag, cls[0] if cls else ""


def _first_child_key(el: etree._Element) -> tuple[str, str] | None:
    child = next((c for c in el if isinstance(c.tag, str)), None)
    return _key(child) if child is not None else None


def _twins(members: list[etree._Element]) -> list[etree._Element]:
    """Replies made like the records but marked apart: the site owner's answer as
    ``<li class="special">`` under ``<li>`` records, each opening with the same
    ``<div class="comment-block">``. Elements of the records' tag nested in them whose first
    child is made as every record's first child is; none unless all records share one."""
    firsts = {_first_child_key(m) for m in members}
    if len(firsts) != 1 or None in firsts:
        return []
    first = firsts.pop()
    mset = set(members)
    return [d for m in members for d in m.iterdescendants(members[0].tag)
            if d not in mset and _first_child_key(d) == first]


def _index(root: etree._Element) -> tuple[dict[tuple[str, str], list[etree._Element]],
                                          dict[etree._Element, int]]:
    """The candidate elements by key (tag, first class), each list in document order, and
    every candidate's place in the document."""
    by_key: dict[tuple[str, str], list[etree._Element]] = {}
    order: dict[etree._Element, int] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        order[el] = len(order)
        by_key.setdefault(_key(el), []).append(el)
    return by_key, order


def _clusters(by_key: dict[tuple[str, str], list[etree._Element]],
              order: dict[etree._Element, int]) -> list[list[etree._Element]]:
    """Alike elements under one parent, with the replies nested inside them."""
    out = []
    for members in by_key.values():
        if len(members) < _MIN_RECORDS:
            continue
        mset = set(members)
        groups: dict[etree._Element, list[etree._Element]] = {}
        top_of: dict[etree._Element, etree._Element] = {}
        for m in members:  # document order: an ancestor comes before its replies
            anc = next((a for a in m.iterancestors() if a in mset), None)
            if anc is not None:
                top_of[m] = top_of[anc]
            else:
                top_of[m] = m.getparent()
            groups.setdefault(top_of[m], []).append(m)
        for g in groups.values():
            if len(g) >= _MIN_RECORDS:
                twins = _twins(g)
                out.append(sorted(set(g) | set(twins), key=order.__getitem__) if twins else g)
    return out


_MIN_UNDATED = 8


def _reads_as_prose(r: Record) -> bool:
    return r.text.rstrip().endswith(SENTENCE_END) or len(r.text.split()) >= 8


def _signed_many(records: list[Record]) -> bool:
    """Many records, nearly all signed by names that vary, nearly all prose, no headline over
    any: comments printed without a date (a team page's bios carry a role line and are few)."""
    n = len(records)
    names = [r.author for r in records if r.author]
    prose = sum(map(_reads_as_prose, records))
    return (n >= _MIN_UNDATED and len(names) * 10 >= n * 7 and len(set(names)) * 2 > len(names)
            and prose * 10 >= n * 7 and not any(r.titled for r in records))


_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "le",
                        "la", "el", "al", "bin", "ibn", "af", "zu", "dos", "das", "y", "e"})


def _headline(name: str) -> bool:
    """A "name" that reads as a headline ("Ten tips for your garden"): three words or more,
    two of them lowercase and no name particle ("de", "van der"). A name is capitalised
    words, however many ("Lucia H G Gomes de Sa"), or one handle ("lisa_k"); a blog's name
    that signs the owner's replies ("Spain on a Fork") reads as a headline, but it is one
    name among many, where every record of a teaser list has its own headline."""
    words = name.split()
    lower = [w for w in words if w[:1].islower() and w.lower() not in _PARTICLES]
    return len(words) >= 3 and len(lower) >= 2


def _accept(records: list[Record], members: int) -> bool:
    if len(records) < _MIN_RECORDS or len(records) < 0.6 * members:
        return False
    # (a bare duration is no comment's time: a cookie table's column, "__ga | 2 years | ...")
    dated = sum(r.date is not None and not bylines.is_duration(r.date) for r in records)
    named = [r.author for r in records if r.author]
    table = records[0].el.tag == "tr"  # (table rows sign nothing undated: data tables do)
    if (dated < 0.5 * len(records) or dated < _MIN_RECORDS) and (
            table or not _signed_many(records)):
        return False
    if len(set(named)) < 2 or len(named) < 0.5 * len(records):
        return False  # commenters sign: dates alone over text are a news list
    heads = sum(map(_headline, set(named)))
    # (one name in a heading over many records, the blog's own, is no teaser headline)
    titled = len({r.author or id(r) for r in records if r.titled})
    if titled > 0.3 * len(records) or heads >= 2 and heads * 2 > len(set(named)):
        return False  # "related posts": a headline and a date over an excerpt
    prose = sum(map(_reads_as_prose, records))
    return prose >= 0.5 * len(records)


def _drop_repeated_lines(records: list[Record]) -> None:
    """A line printed word for word in most records ("Log in to reply", a vote widget) is
    the list's chrome, not any commenter's text."""
    counts: dict[str, int] = {}
    for r in records:
        for ln in {ln.strip() for ln in r.text.split("\n") if ln.strip()}:
            counts[ln] = counts.get(ln, 0) + 1
    common = {ln for ln, n in counts.items() if n >= _MIN_RECORDS and n * 2 > len(records)}
    if not common:
        return
    for r in records:
        kept = "\n".join(ln for ln in r.text.split("\n") if ln.strip() not in common)
        kept = re.sub(r"\n{3,}", "\n\n", kept).strip()
        r.text = kept or r.text


def _with_siblings(records: list[Record], mset: set[etree._Element], accepted: list,
                   by_key: dict[tuple[str, str], list[etree._Element]],
                   order: dict[etree._Element, int]) -> tuple[list[Record], set[etree._Element]]:
    """The best cluster with the other accepted clusters made the same way (tag and first
    class) under other parents: StackExchange's comments under the question and under each
    answer are one list per post."""
    key = _key(records[0].el)
    more = [(r, m) for k, r, m in accepted if k == key and m is not mset]
    mset = mset.union(*(m for _r, m in more))
    extra = list(records) + [x for r, _m in more for x in r]
    for el in by_key[key]:  # (document order: an ancestor is added before its descendants)
        if el not in mset and not any(a in mset for a in el.iterancestors()):
            # one or two more made the same way (a post with fewer comments): signed and dated
            r = read_record(el, mset)
            if r is not None and r.author and r.date:
                extra.append(r)
                mset.add(el)
    if len(extra) == len(records):
        return records, mset
    return sorted(extra, key=lambda x: order[x.el]), mset


def repeated_comments(root: etree._Element, warnings: list[str] | None = None,
                      ) -> tuple[list[Comment], list[etree._Element]]:
    """The best-supported cluster of alike elements read as comments (none when no cluster
    shows a comment's structure)."""
    best: tuple[int, int, list[Record], set[etree._Element]] | None = None
    accepted: list[tuple[tuple[str, str], list[Record], set[etree._Element]]] = []
    by_key, order = _index(root)
    for members in _clusters(by_key, order):
        if any(a.tag in _NOT_INSIDE for a in members[0].iterancestors()):
            continue
        mset = set(members)
        records = []
        for m in members:
            size = sum(len(t) for t in m.itertext())
            if size < 12 or size > _MAX_RECORD_CHARS:
                continue
            r = read_record(m, mset)
            if r is not None:
                records.append(r)
        if not _accept(records, len(members)):
            continue
        depth = sum(1 for _ in members[0].iterancestors())
        score = (len(records), -depth)
        accepted.append((_key(members[0]), records, mset))
        if best is None or score > best[:2]:
            best = (*score, records, mset)
    if best is None:
        return [], []
    records, mset = _with_siblings(best[2], best[3], accepted, by_key, order)
    _drop_repeated_lines(records)
    ids = {r.el: r.el.get("id") or f"r{k + 1}" for k, r in enumerate(records)}
    kept = set(ids)
    threaded = any(a in kept for r in records for a in r.el.iterancestors())
    comments = []
    for pos, r in enumerate(records):
        anc = next((a for a in r.el.iterancestors() if a in kept), None)
        comments.append(Comment(
            text=r.text, author=r.author, date=r.date, date_iso=iso_date(r.date),
            id=ids[r.el], parent=ids[anc] if anc is not None else None,
            parent_known=threaded, position=pos, kind="comment", source_status="approved",
            flags=("layout-unknown",)))
    if warnings is not None:
        warnings.append(f"comment markup not recognised: {len(comments)} comment(s) read from "
                        f"{len(mset)} alike <{records[0].el.tag}> elements (line "
                        f"{records[0].el.sourceline}) by their name/date/text structure")
    tops = [r for r in records if not any(a in kept for a in r.el.iterancestors())]
    return comments, [r.el for r in tops] + [r.header for r in tops if r.header is not None]
