"""Comments of markup no rule names: repeated sibling subtrees with a header and text.

A comment list is a run of elements made alike (same tag, same first class token) under one
parent, replies nested inside them as more elements made the same way. Each one opens (or
closes) with a short header, a name and a date, and holds some prose. That structure is
looked for whatever the classes are called: every cluster of alike elements is read record by
record (``_record``) and taken when most records show a date, the text reads as text, the
names or dates vary, and the headers are not headlines (a teaser list: "related posts").
Parents come from the nesting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from moderation.documents import Comment
from moderation.parse import bylines, chrome
from moderation.parse.dates import iso_date
from moderation.parse.htmltext import element_text

_SKIP_TAGS = frozenset({
    "html", "head", "body", "script", "style", "noscript", "template", "form", "nav", "svg",
    "select", "option", "button", "textarea", "input", "img", "br", "hr", "meta", "link",
    "a", "span", "b", "i", "em", "strong", "small", "font", "label", "code", "time", "abbr",
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tbody", "thead", "table",
    "picture", "source", "figure", "figcaption", "iframe", "cite", "sup", "sub",
})
_NOT_INSIDE = frozenset({"nav", "header", "form", "template", "select", "script", "style"})
_SAYS = re.compile(rf"\s*{bylines.SAYS_VERBS}\s*(?::|\.\.\.|…)?\s*$", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", "…", ")", '"', "”", "»", ":", "。", "！", "？")
_SEPARATORS = re.compile(r"\s+[•·|–—-]\s+|\s*[•·|]\s*")
_BY_WORDS = frozenset({"by", "von", "par", "por", "door", "da", "di", "av", "af", "przez",
                       "from", "posted", "verfasst", "geschrieben"})
_LEAD = re.compile(r"^(?:[^\w]+|[^\W\d]\.?|[^\W\d]{2,3})$")
# A photo credit ("© Alamy", "(c) Reuters", "Foto: dpa") is no commenter's name: image
# captions repeat as alike blocks with a credit over a line of text.
_CREDIT = re.compile(r"\s*(?:©|\(c\)\s|&copy;|(?:photo|foto|bild|image|credit|crédit|fotó)s?\s*:)",
                     re.IGNORECASE)
_MIN_RECORDS = 3
_MAX_RECORD_CHARS = 20_000


@dataclass
class _Record:
    el: etree._Element
    author: str | None
    date: str | None
    text: str
    titled: bool = False
    header: etree._Element | None = None


def _key(el: etree._Element) -> tuple[str, str]:
    cls = (el.get("class") or "").split()
    return el.tag, cls[0] if cls else ""


def _time_of(el: etree._Element, stop: set[etree._Element]) -> str | None:
    """A ``<time>`` element's datetime (or text) inside the record, outside nested records."""
    for t in el.iter("time"):
        if any(a in stop for a in t.iterancestors() if a is not el):
            continue
        return t.get("datetime") or " ".join(t.text_content().split()) or None
    return None


def _by_name(words: list[str]) -> str | None:
    """The name in the words before a date: after a "by" word, without a trailing "on"/"am"
    ("Verfasst von koala100 am" -> "koala100"), at most four words."""
    while words and words[-1].islower() and len(words[-1]) <= 3:
        words = words[:-1]
    low = [w.lower().strip(":") for w in words]
    cut = max((i + 1 for i, w in enumerate(low) if w in _BY_WORDS), default=0)
    words = words[cut:]
    name = _SAYS.sub("", " ".join(words)).strip(" ,·|-–—:•")
    if not re.search(r"[^\W\d_]", name) or re.search(r"\d[./-]\d", name):
        return None  # "10/04/2026 às": a date's head, not a name
    return name if len(name.split()) <= 4 else None


def _header(line: str) -> tuple[str | None, str] | None:
    """(name or None, date) of a header line: a date alone, "Name • 2 weeks ago",
    "Name June 28, 2015 at 10:25 pm", "Verfasst von X am 30. Juli 2022 - 13:28."."""
    s = line.strip().rstrip(".")
    if bylines.is_date_line(s):
        return None, s
    words = s.split()
    if len(words) > 14:
        return None
    for k in range(1, min(len(words), 7)):  # the longest date after a few words
        if bylines.is_initial(words[k]):
            continue  # "Tomasz K., 4. März 2024": the initial is the name's
        tail = " ".join(words[k:])
        if (not any(map(str.isdigit, words[k - 1])) or k == 1 and bylines.HANDLE.match(words[0])) \
                and bylines.is_date_line(tail):
            while k + 1 < len(words) and _LEAD.match(words[k]) \
                    and words[k].lower() not in bylines.AGO_WORDS \
                    and words[k].lower() not in bylines.TIME_WORDS \
                    and bylines.is_date_line(" ".join(words[k + 1:])):
                k += 1  # "• 2 weeks ago", "M. am 30. Juli": the initial, "am", "•" go left
                # (an age's own words stay: "il y a 2 heures", "a year ago")
            return _by_name(words[:k]), " ".join(words[k:])
    after = bylines.date_then_name(line.strip())  # "04.03.2024 | 14:25 | Anna B.", "Am ... von X"
    if after is not None:
        return after
    parts = [p for p in _SEPARATORS.split(s) if p.strip()]
    if len(parts) > 1:  # "Name | 12:30 | Reply"
        dates = [p for p in parts if bylines.is_date_line(p)]
        if dates:
            names = [p for p in parts if p not in dates and not any(map(str.isdigit, p))
                     and not chrome.is_widget_line(p)]
            return (_by_name(names[0].split()) if names else None), dates[0].strip()
    date = chrome.date_before_action(s)  # "4 août 2025 à 00:42 Répondre"
    return None if date is None else (None, date)


def _record(el: etree._Element, nested: set[etree._Element]) -> _Record | None:
    """Author, date and text of one candidate comment element (nested records left out)."""
    skip = {n for n in el.iterdescendants() if n in nested or (
        isinstance(n.tag, str) and n.tag in ("form", "nav", "template"))}
    raw = [ln.strip() for ln in element_text(el, skip).split("\n")]
    lines = [ln for ln in raw if ln]
    if not lines:
        return None
    date = _time_of(el, nested)
    author = None
    head: list[int] = []
    for i, ln in enumerate(lines[:4]):
        if i == 0 and _subject(ln, lines):
            head.append(i)  # the comment's own first words as its subject line
            continue
        if len(ln) > 100 or (len(ln.split()) >= 6 and ln.endswith(_SENTENCE_END)
                             and _header(ln) is None and not _SAYS.search(ln)):
            break
        found = _header(ln)
        if _CREDIT.match(ln):
            pass  # a photo credit: neither the name nor the text
        elif found is not None:
            author = found[0] or author
            date = date or found[1]
        elif chrome.is_widget_line(ln):
            pass
        elif author is None and (not any(map(str.isdigit, ln)) or bylines.HANDLE.match(ln)) \
                and len(ln.split()) <= 8 and not _sentence(ln):  # (a user name's digits: "jens1987")
            author = _SAYS.sub("", ln).strip(" ·|-–:") or None
        elif date is None and len(ln.split()) <= 3 and i + 1 < len(lines) and _header(
                lines[i + 1]) is not None:
            pass  # a badge between the name and the date ("Autorin", "diététicienne")
        else:
            break
        head.append(i)
    header = None
    if author is None and date is None:
        prev = el.getprevious()  # <dt>name, date</dt><dd>text</dd>
        if prev is not None and isinstance(prev.tag, str) and prev not in nested:
            header = prev
            for ln in element_text(prev).split("\n")[:3]:
                found = _header(ln)
                if found is not None:
                    author, date = found[0] or author, date or found[1]
                elif author is None and ln.strip() and len(ln.split()) <= 4 and not any(
                        ch.isdigit() for ch in ln):
                    author = _SAYS.sub("", ln).strip(" ·|-–:") or None
    if author is None and date is None and header is None and len(lines) > 1:
        # a footer that closes the comment with its name and date ("Anna Berg — 3. März
        # 2024", "Posted by Peter at 10:15 AM"), the text above it
        for i in range(len(lines) - 1, max(len(lines) - 3, 0), -1):
            found = _header(lines[i])
            if found is not None and found[0]:
                author, date = found
                head.append(i)
                break
    gone = {lines[i] for i in head}
    body = [ln for ln in raw if ln not in gone and not chrome.is_widget_line(ln)
            and not bylines.is_date_line(ln) and chrome.action_row_date(ln) is None]
    if date is None:  # a date under the text ("— 3. Mai 2020 um 14:02", "3. März · Antworten")
        tail = [ln if bylines.is_date_line(ln) else chrome.action_row_date(ln) for ln in lines[-3:]]
        date = next((d for d in tail if d), None)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip()  # paragraphs: one blank line
    if len(text.split()) < 2:
        return None
    return _Record(el, author, date, text, _titled(el, nested, lines),
                   header if author or date else None)


def _sentence(line: str) -> bool:
    """A short sentence ("Danke, sehr informativ."), not a name ("Tomasz K.", "Anna sagt:")."""
    s = _SAYS.sub("", line).strip()
    return len(s.split()) >= 2 and s.endswith((".", "!", "?", "…")) and not bylines.ends_in_initial(s)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _subject(line: str, lines: list[str]) -> bool:
    """A subject line over the header: the comment's first words cut off with an ellipsis
    ("koala100: ja, kann man. Im Kühlschrank zieht er...")."""
    s = line.rstrip()
    if not s.endswith(("...", "…")) or not any(_header(ln) for ln in lines[1:3]):
        return False
    head = _words(s)
    rest = _words(" ".join(lines[1:6]))
    return len(head) >= 3 and any(rest[k:k + len(head) - 1] == head[:-1]
                                  for k in range(len(rest)))


def _titled(el: etree._Element, nested: set[etree._Element], lines: list[str]) -> bool:
    """The record opens with a headline: one of its first two lines that are no date is the
    whole text of a link or heading of four words or more (a teaser of another page, over a
    kicker or not), not a commenter's name."""
    first = {ln for ln in [ln for ln in lines if not bylines.is_date_line(ln)][:2]
             if len(ln.split()) >= 4 and not _subject(ln, lines)}
    if not first:
        return False
    for n in el.iter("a", "h1", "h2", "h3", "h4", "h5", "h6"):
        href = n.get("href") or ""
        if (n.tag != "a" or href and "#" not in href) and " ".join(n.text_content().split()) in first \
                and not any(a in nested for a in n.iterancestors() if a is not el):
            return True
    return False


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


def _clusters(root: etree._Element) -> list[list[etree._Element]]:
    """Alike elements under one parent, with the replies nested inside them."""
    by_key: dict[tuple[str, str], list[etree._Element]] = {}
    order: dict[etree._Element, int] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        order[el] = len(order)
        by_key.setdefault(_key(el), []).append(el)
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


def _reads_as_prose(r: _Record) -> bool:
    return r.text.rstrip().endswith(_SENTENCE_END) or len(r.text.split()) >= 8


def _signed_many(records: list[_Record]) -> bool:
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


def _accept(records: list[_Record], members: int) -> bool:
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


def _drop_repeated_lines(records: list[_Record]) -> None:
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


def repeated_comments(root: etree._Element, warnings: list[str] | None = None,
                      ) -> tuple[list[Comment], list[etree._Element]]:
    """The best-supported cluster of alike elements read as comments (none when no cluster
    shows a comment's structure)."""
    best: tuple[int, int, list[_Record], set[etree._Element]] | None = None
    for members in _clusters(root):
        if any(a.tag in _NOT_INSIDE for a in members[0].iterancestors()):
            continue
        mset = set(members)
        records = []
        for m in members:
            size = sum(len(t) for t in m.itertext())
            if size < 12 or size > _MAX_RECORD_CHARS:
                continue
            r = _record(m, mset)
            if r is not None:
                records.append(r)
        if not _accept(records, len(members)):
            continue
        depth = sum(1 for _ in members[0].iterancestors())
        score = (len(records), -depth)
        if best is None or score > best[:2]:
            best = (*score, records, mset)
    if best is None:
        return [], []
    records, mset = best[2], best[3]
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
