"""Comment drafts of a text dump's comment section: where each comment opens and what it holds.

A comment opens at a name line with text after it, a "Name says:" line, a list item, an
author-and-date line, or a header line the caller knows from the dump's structure (``headers``);
widget chrome (reply buttons, form prompts) closes or is dropped; a menu after the last comment,
a sidebar heading or the reply form ends the section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation.parse import bylines, chrome

_NUMBERED = re.compile(r"^(\d{1,3}[.)]|[•·▪◦*])\s+(\S.*)$")
_HASH_NUMBER = re.compile(r"^#\d{1,5}[.:]?\s+(?=\S)")
_PINGBACK = re.compile(r"(?i)^(pingback|trackback)\s*:\s*(\S.*)$")
_SIGNATURE = re.compile(r"^[–—-]\s*(\S.{0,40})$")
_SAYS = re.compile(rf"^(.{{1,40}}?)\s+{bylines.SAYS_VERBS}\s*(?::|\.\.\.|…)\s*(.*)$")
_WROTE = re.compile(rf"(?i)\s+{bylines.SAYS_VERBS}$")  # "Anna Berg schreibt", no colon
_RATING = re.compile(r"(?i)^[1-5](?:[.,]\d)?\s*(?:stars?|sterne?|étoiles?|estrellas?)$")
_AVATAR_INITIALS = re.compile(r"^[^\W\d_a-z]{1,3}$")  # "SD", "J": upper-case letters only
_END_PUNCT = tuple(".,!?:;…)]}\"'”’»")
_NAME_PARTICLES = frozenset("""
de du da di del della van von der den la le el al bin ibn y zu ten
""".split())  # noqa: SIM905 - a word list reads better as text
_STOPWORDS = frozenset("""
you i me my we our us is are was were be been am and or but for with this that these those to
so much very thanks thank please it its in on at of not no yes all just here there what how why
und ich sie es ist sind war mit für das die dem ein eine nicht auch sehr danke bitte liebe
lieber liebes viele grüße gruß gruss grüsse hallo hi hey hello dear lg vg love great good nice
wow ok okay merci gracias grazie bedankt dank regards cheers best greetings saludos
thx xoxo hugs kisses salut ciao tschüss
he she they er il elle ils elles él ella ellos lei hij zij ze ona oni
""".split())  # noqa: SIM905 - a word list reads better as text
# Body paragraphs at least this long (words) show the article has started.
_LOOKAHEAD = 6
# Lines longer than this are prose: no chrome phrase, date or name line is this long.
_LONG_LINE = 120
# This many menu-like lines in a row after the comments end the comment section.
_NAV_RUN = 3
_TIGHT_LIST = 3
_ITEM_STARTS = frozenset("0123456789•·▪◦*")



@dataclass
class _Draft:
    author: str | None = None
    date: str | None = None
    item: str | None = None  # the list marker that opened it ("3.", "•")
    inner: str | None = None  # the last marker of a list inside its text
    kind: str = "comment"
    paragraphs: list[list[str]] = field(default_factory=list)

    def add(self, line: str, new_paragraph: bool) -> None:
        if new_paragraph or not self.paragraphs:
            self.paragraphs.append([line])
        else:
            self.paragraphs[-1].append(line)

    def text(self) -> str:
        return "\n\n".join("\n".join(p) for p in self.paragraphs).strip()


def is_name_like(line: str, *, capitalised: bool = True) -> bool:
    """A line that can be a commenter's name: short, capitalised, no sentence punctuation; a
    short note in brackets after it is the site's ("Anna Berg (Gast)", "Anonymous (not
    verified)")."""
    s = bylines.without_name_note(line.strip()).lstrip("~ ")  # "~Marco R.": a guest, unregistered
    # "Peter M.": a surname cut to its initial ends in a full stop but is no sentence
    initial = bylines.ends_in_initial(s)
    if not s or len(s) > 40 or (s.endswith(_END_PUNCT) and not initial) or "://" in s \
            or "@" in s[1:]:
        return False
    tokens = s.split()
    if not 1 <= len(tokens) <= 5:
        return False
    if capitalised and not tokens[0][0].isupper() and not bylines.HANDLE.match(tokens[0]):
        return False
    if capitalised and len(tokens) >= 3 and sum(
            t[0].islower() and len(t) > 2 and t not in _NAME_PARTICLES for t in tokens[1:]) >= 2:
        return False  # "Lasciate un commento", "Nessun file selezionato": words, not a name
    for tok in tokens:
        if not any(map(str.isalnum, tok)) or tok.lower().strip(",.") in _STOPWORDS:
            return False
    if chrome.is_meta_line(s) or chrome.is_boilerplate(s):
        return False
    if _NAMES_COMMENTS.search(s):
        return False  # "Show comments", "Kommentare anzeigen": the widget's button, no name
    return not s.isdigit()


# the word "comment" in the languages of the sites: a line that names the comment section is
# about it (a button, a notice), never a commenter's name
_NAMES_COMMENTS = re.compile(r"(?i)(?:comment|coment|komment|koment|reactie)")


def _handle_says(who: str) -> bool:
    """A lower-case user name before "says:" ("seidolinos sagt:"): one token, no pronoun (the
    verb is the evidence a name line alone lacks)."""
    return " " not in who and len(who) >= 3 and is_name_like(who, capitalised=False)


def _content_follows(lines: list[str], i: int, name: str) -> bool:
    """After an author candidate at i, does comment text come (past blanks, dates, chrome)?"""
    seen = 0
    for j in range(i + 1, len(lines)):
        s = lines[j].strip()
        if not s or s == name or chrome.is_meta_line(s) or _caption(name, s):
            continue
        seen += 1
        if seen > 1 or j - i > _LOOKAHEAD:
            return False
        if chrome.is_zone_end(s) or _NUMBERED.match(s) or chrome.is_boilerplate(s):
            return False
        if _badge(lines, i, j):
            seen -= 1  # "Anna Berg / Stammleser / 3. März 2024": the name's badge, then
            continue   # its date: look past both
        return not is_name_like(s) or len(s.split()) >= 6
    return False


def _name_slot(line: str) -> bool:
    """Short enough to be a name over a header: three words at most, no sentence mark."""
    s = line.strip()
    return 0 < len(s) <= 40 and len(s.split()) <= 3 and not s.endswith(_END_PUNCT) \
        and not chrome.is_widget_line(s) and not chrome.is_meta_line(s)


def _caption(name: str, line: str) -> bool:
    """The line names the author and says little else: the alt text of the author's picture
    ("La foto di Greca", "Avatar of Anna Berg", "Profilbild von Anna Berg")."""
    if len(name) < 3 or not 0 < len(line) - len(name) <= 25:
        return False
    at = line.find(name)
    if at < 0:
        return False
    rest = (line[:at] + " " + line[at + len(name):]).split()
    return 0 < len(rest) <= 3 and not any(map(str.isdigit, line[:at] + line[at + len(name):]))


def _badge(lines: list[str], name: int, j: int) -> bool:
    """Line j, right under the name line (no blank between), is a short label (a rank or role,
    "Stammleser", "Top Commenter") with a date line right under it."""
    return j == name + 1 and j + 1 < len(lines) and len(lines[j].split()) <= 3 \
        and is_name_like(lines[j]) and bylines.is_date_line(lines[j + 1].strip())


def _is_nav_label(line: str) -> bool:
    """A menu or section label: a few Title Case words, no sentence punctuation."""
    words = line.split()
    if not 1 < len(words) <= 6 or line.endswith(_END_PUNCT) or any(map(str.isdigit, line)):
        return False
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 2 and all(w[0].isupper() for w in long_words)


def _next_item(prev: str | None, marker: str) -> bool:
    """True when marker continues the list that prev opened ("3." after "2.", "•" after "•")."""
    if prev is None:
        return False
    if not marker[0].isdigit():
        return marker == prev
    return prev[:-1].isdigit() and int(marker[:-1]) == int(prev[:-1]) + 1

def _tight_lists(lines: list[str]) -> set[int]:
    """Lines of lists of _TIGHT_LIST items or more (one count, or one bullet) printed line
    under line after a blank line (an article's summary, related links): a comment list sets
    its items apart, and a list inside a comment follows the comment's words."""
    out: set[int] = set()
    items = {i for i, ln in enumerate(lines) if ln.lstrip()[:1] in _ITEM_STARTS}
    if len(items) < _TIGHT_LIST:
        return out
    for i in sorted(items):
        if i in out or (i > 0 and lines[i - 1].strip()):
            continue
        first = _NUMBERED.match(lines[i].strip())
        if not first:
            continue
        j, marker = i + 1, first.group(1)
        while j in items and (m := _NUMBERED.match(lines[j].strip())) \
                and _next_item(marker, m.group(1)):
            marker = m.group(1)
            j += 1
        if j - i >= _TIGHT_LIST:
            out.update(range(i, j))
    return out


def split_comments(lines: list[str]) -> list[_Draft]:
    """Split the lines of a comment section into comment drafts (author, date, text, kind)."""
    return _comments(lines)


def _comments(lines: list[str], headers: frozenset[int] = frozenset(),
              lead: bool = True) -> list[_Draft]:
    """Comment drafts; ``headers`` are lines known (by structure) to head (``lead``) or close
    each comment."""
    done: list[_Draft] = []
    cur: _Draft | None = None
    blank_run = 0
    prev = "start"  # start | blank | meta | author | content
    nav: list[_Draft] = []  # drafts of the last run of menu-like lines

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.paragraphs:
            done.append(cur)
        cur = None

    tight = _tight_lists(lines)
    above: str | None = None
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            blank_run += 1
            if blank_run >= 2 and cur is not None and cur.paragraphs:
                close()
            continue
        was_blank, blank_run = blank_run > 0, 0
        hashed = _HASH_NUMBER.match(s) or bylines.NUMBERED_BY.match(s)
        if hashed and len(s) <= 80:
            s = s[hashed.end():]  # "#3 Anna Berg", "Kommentar Nr. 3 von Anna Berg": the name
        if i in headers:
            # "Anna Berg · vor 2 Stunden": the header's name is the author, the rest the date
            split = bylines.split_author_date(s)
            who, s = split if split and is_name_like(split[0], capitalised=False) else (None, s)
            if who is None and not bylines.is_date_line(s):
                s = chrome.action_row_date(s) or s  # "28 Settembre 2023 Rispondi", "Antworten · 1 Std."
            if not lead and (cur is None or not cur.paragraphs) and done and not done[-1].date:
                # a reply button closed the comment just before its closing date
                done[-1].date, done[-1].author = s, done[-1].author or who
                prev = "meta"
                continue
            if lead and cur is not None and not cur.date and not cur.author \
                    and cur.paragraphs == [[lines[i - 1].strip()]] and _name_slot(lines[i - 1]):
                # the one short line right over a header that opens its comment is the name,
                # in whatever case a reader chose ("zappelphilipp"); over a header that names
                # its author ("@anna 2d") it is a heading ("Reactions"), no one's text
                cur.author, cur.paragraphs = (lines[i - 1].strip() if who is None else None), []
            if cur is not None and cur.paragraphs:
                if not lead:
                    cur.date = cur.date or s
                    cur.author = cur.author or who
                close()
                if not lead:
                    prev = "meta"
                    continue
            if lead:
                if cur is None or cur.date:
                    close()
                    cur = _Draft()
                cur.date = s
                # (over the first header that names its author ("@anna 2d"), a name-like line
                # the other headers lack is the section's heading ("Reactions"))
                cur.author = who if who and not done and not cur.paragraphs else (
                    cur.author or who)
            prev = "meta"
            continue
        if len(s) > _LONG_LINE and cur is not None and not _NUMBERED.match(s) \
                and not _PINGBACK.match(s) and not _SAYS.match(s) and not chrome.is_zone_end(s):
            cur.add(s, new_paragraph=was_blank or prev != "content")  # prose: no cue to test
            prev = "content"
            continue
        has_text = cur is not None and bool(cur.paragraphs)
        if chrome.is_page_end(s):
            break  # sidebar or footer headings: whatever follows is not a comment
        if chrome.says_no_comments(s) and not done:
            return []
        if chrome.is_zone_end(s):
            if done or has_text:
                break
            prev = "meta"  # the reply form printed above the comments
            continue
        if bylines.REPLY_SUBJECT.match(s) and len(s) <= 120:
            if has_text:
                close()  # the next post's subject ("Re: Neuer Radweg"): no comment's text
            prev = "meta"
            continue
        if i in tight:
            close()  # a list printed line under line: a summary or related links
            prev = "meta"
            continue
        numbered = _NUMBERED.match(s)
        if numbered and numbered.group(1)[-1] == "." and bylines.is_date_line(s):
            numbered = None  # "12. März 2024 um 14:25 Uhr": a date, not item 12
        if numbered and not was_blank and prev == "content" and cur is not None:
            marker = numbered.group(1)
            if _next_item(cur.inner, marker) or not _next_item(cur.item, marker):
                cur.inner = marker  # a list inside a comment, not the comment list
                numbered = None
        if numbered:
            close()
            cur, s = _Draft(item=numbered.group(1)), numbered.group(2).strip()
            if chrome.is_meta_line(s) or _RATING.match(s):
                prev = "meta"
                continue
        # a date right under the text, or an action row with one ("3. März 2024 | Antworten
        # | 12 Likes"): the footer that closes this comment (after a blank line it may head
        # the next one)
        footer = None
        if has_text and cur is not None and not cur.date and not was_blank and len(s) <= 80:
            footer = s if bylines.is_date_line(s) else chrome.action_row_date(s)
        if footer or chrome.is_meta_line(s) or chrome.is_zone_start(s) \
                or chrome.is_boilerplate(s) or _RATING.match(s):
            if has_text:
                if footer and cur is not None:
                    cur.date = footer
                close()
            if cur is not None and cur.author and not cur.date and bylines.is_date_line(s):
                cur.date = s
            elif cur is None and i + 1 < len(lines) and bylines.is_date_line(s) \
                    and is_name_like(lines[i + 1]):
                above = s  # "3. März 2024" printed right over the name it dates
            elif cur is None and was_blank and done and done[-1].date and i + 1 < len(lines) \
                    and not lines[i + 1].strip() and bylines.is_date_line(s):
                cur = _Draft(date=s)  # a date alone between dated comments: the next one's
            prev = "meta"                # header, whose name line the page or dump lost
            continue
        signature = _SIGNATURE.match(s)
        if signature and has_text and cur is not None and not cur.author \
                and is_name_like(signature.group(1)):
            cur.author = signature.group(1).strip()
            prev = "meta"
            continue
        if cur is not None and cur.author and not cur.paragraphs and _caption(cur.author, s):
            continue  # the author's picture, captioned with the name
        pingback = _PINGBACK.match(s)
        if pingback:
            if cur is None or cur.paragraphs:
                close()
                cur = _Draft()
            cur.kind = pingback.group(1).lower()
            s = pingback.group(2)
        says = _SAYS.match(s)
        author_date = None if says else bylines.split_author_date(s)
        if says and (is_name_like(says.group(1)) or _handle_says(says.group(1))):
            close()
            cur = _Draft(author=says.group(1))
            s = says.group(2).strip()
            prev = "author"
            if not s:
                continue
        elif author_date and is_name_like(author_date[0], capitalised=False):
            close()
            cur = _Draft(author=author_date[0], date=author_date[1])
            prev = "author"
            continue
        elif ((was_blank or prev != "content") and is_name_like(s)
              and _content_follows(lines, i, s)):
            if cur is not None and cur.author == s and not cur.paragraphs:
                continue  # the same name printed twice (avatar alt text, then the link)
            if cur is not None and cur.author and not cur.date and not cur.paragraphs \
                    and prev == "author" and _badge(lines, i - 1, i):
                if _AVATAR_INITIALS.match(cur.author) and len(s) > len(cur.author):
                    cur.author = s  # "SD" over "Sophie Dubois": the avatar's letters, then the name
                continue  # the author's badge ("Stammleser") between the name and the date
            if cur is not None and cur.date and not cur.author and not cur.paragraphs:
                cur.author = s  # the header's date came first, then the name
                prev = "author"
                continue
            close()
            cur = _Draft(author=_WROTE.sub("", s) or s,
                         date=above if above and i and lines[i - 1].strip() == above else None)
            prev = "author"
            continue
        if cur is None:
            cur = _Draft()
        cur.add(s, new_paragraph=was_blank or prev != "content")
        prev = "content"
        nav = nav + [cur] if was_blank and _is_nav_label(s) else []
        if len(nav) >= _NAV_RUN and all(d is cur for d in nav) \
                and (done or cur.paragraphs[:-_NAV_RUN]):
            del cur.paragraphs[-_NAV_RUN:]  # the site's menu after the last comment
            break
    close()
    return done
