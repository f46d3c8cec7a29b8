"""One candidate comment element of markup no rule names, read as author, date and text.

``read_record`` takes the element's visible text line by line: a short header (a name, a date
or both on one line, "Name says:", "Verfasst von X am DATE"), a badge or photo credit to skip,
a subject line cut off with an ellipsis, the text, and a name and date that close the comment
instead (a footer, "– Tony M" over its date). ``htmlrepeat`` decides which clusters of such
records are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from moderation.parse import bylines, chrome
from moderation.parse.htmltext import element_text

SAYS = re.compile(rf"\s*{bylines.SAYS_VERBS}\s*(?::|\.\.\.|…)?\s*$", re.IGNORECASE)
SENTENCE_END = (".", "!", "?", "…", ")", '"', "”", "»", ":", "。", "！", "？")
_SEPARATORS = re.compile(r"\s+[•·|–—-]\s+|\s*[•·|]\s*")
_BY_WORDS = frozenset({"by", "von", "par", "por", "door", "da", "di", "av", "af", "przez",
                       "from", "posted", "verfasst", "geschrieben"})
_LEAD = re.compile(r"^(?:[^\w]+|[^\W\d]\.?|[^\W\d]{2,3})$")
# A photo credit ("© Alamy", "(c) Reuters", "Foto: dpa") is no commenter's name: image
# captions repeat as alike blocks with a credit over a line of text.
_CREDIT = re.compile(r"\s*(?:©|\(c\)\s|&copy;|(?:photo|foto|bild|image|credit|crédit|fotó)s?\s*:)",
                     re.IGNORECASE)
# "– Tony M", "— Anna Berg": a dash, then a name of at most four words, no sentence
_SIGNATURE = re.compile(r"^[–—―]\s*([^\W\d_][^\s.!?]*(?:\s+[^\s.!?]+\.?){0,3})$")


@dataclass
class Record:
    """One element read as a comment: who, when, what, and whether a headline opens it."""

    el: etree._Element
    author: str | None
    date: str | None
    text: str
    titled: bool = False
    header: etree._Element | None = None


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
    name = SAYS.sub("", " ".join(words)).strip(" ,·|-–—:•")
    if not re.search(r"[^\W\d_]", name) or re.search(r"\d[./-]\d", name):
        return None  # "10/04/2026 às": a date's head, not a name
    return name if len(name.split()) <= 4 else None


def header_of(line: str) -> tuple[str | None, str] | None:
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


def read_record(el: etree._Element, nested: set[etree._Element]) -> Record | None:
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
        if len(ln) > 100 or (len(ln.split()) >= 6 and ln.endswith(SENTENCE_END)
                             and header_of(ln) is None and not SAYS.search(ln)):
            break
        found = header_of(ln)
        if _CREDIT.match(ln):
            pass  # a photo credit: neither the name nor the text
        elif found is not None:
            author = found[0] or author
            date = date or found[1]
        elif chrome.is_widget_line(ln):
            pass
        elif author is None and (not any(map(str.isdigit, ln)) or bylines.HANDLE.match(ln)) \
                and len(ln.split()) <= 8 and not _sentence(ln):  # (a user name's digits: "jens1987")
            author = SAYS.sub("", ln).strip(" ·|-–:") or None
        elif date is None and len(ln.split()) <= 3 and i + 1 < len(lines) and header_of(
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
                found = header_of(ln)
                if found is not None:
                    author, date = found[0] or author, date or found[1]
                elif author is None and ln.strip() and len(ln.split()) <= 4 and not any(
                        ch.isdigit() for ch in ln):
                    author = SAYS.sub("", ln).strip(" ·|-–:") or None
    if author is None and date is None and header is None and len(lines) > 1:
        # a footer that closes the comment with its name and date ("Anna Berg — 3. März
        # 2024", "Posted by Peter at 10:15 AM"), the text above it
        for i in range(len(lines) - 1, max(len(lines) - 3, 0), -1):
            found = header_of(lines[i])
            if found is not None and found[0]:
                author, date = found
                head.append(i)
                break
    if author is None and len(lines) > 1:
        # a signature under the text, over its date or last: "– Tony M" (StackExchange)
        sig = next(((i, m) for i in range(len(lines) - 1, max(len(lines) - 3, 0), -1)
                    if (m := _SIGNATURE.match(lines[i]))), None)
        if sig is not None and (sig[0] == len(lines) - 1 or bylines.is_date_line(lines[sig[0] + 1])):
            author = sig[1].group(1).strip()
            head.append(sig[0])
    gone = {lines[i] for i in head}
    body = [ln for ln in raw if ln not in gone and not chrome.is_widget_line(ln)
            and not bylines.is_date_line(ln) and chrome.action_row_date(ln) is None]
    if date is None:  # a date under the text ("— 3. Mai 2020 um 14:02", "3. März · Antworten")
        tail = [ln if bylines.is_date_line(ln) else chrome.action_row_date(ln) for ln in lines[-3:]]
        date = next((d for d in tail if d), None)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip()  # paragraphs: one blank line
    if len(text.split()) < 2:
        return None
    return Record(el, author, date, text, _titled(el, nested, lines),
                   header if author or date else None)


def _sentence(line: str) -> bool:
    """A short sentence ("Danke, sehr informativ."), not a name ("Tomasz K.", "Anna sagt:")."""
    s = SAYS.sub("", line).strip()
    return len(s.split()) >= 2 and s.endswith((".", "!", "?", "…")) and not bylines.ends_in_initial(s)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _subject(line: str, lines: list[str]) -> bool:
    """A subject line over the header: the comment's first words cut off with an ellipsis
    ("koala100: ja, kann man. Im Kühlschrank zieht er...")."""
    s = line.rstrip()
    if not s.endswith(("...", "…")) or not any(header_of(ln) for ln in lines[1:3]):
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
