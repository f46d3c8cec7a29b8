"""Which blocks of a comment zone are comments: the marks a comment carries (author, date, list
number), whether a block reads as text, and the refusals that keep chrome out of the comments
(ratings, notices, teaser titles, a lone unmarked block), for text dumps and for the text of an
HTML comment area whose markup is not recognised."""

from __future__ import annotations

import re
import unicodedata

from moderation.parse import bylines, dumplists, dumpshape, runkinds
from moderation.parse.textcomments import _Draft

_LONE_BLOCK_WORDS = 40  # a notice, rating or teaser is shorter
# a zone with this many blocks per one that reads as text is mostly chrome
_CHROME_ZONE = 3
_MIN_UNMARKED_RUN = 3  # blocks with no header at all are comments only as a run this long
_FULL_STOP = (".", "!", "?", "…", "。", "！", "？")


def marked(d: _Draft) -> bool:
    """An author, a date, a list number or a pingback marks a block as a comment."""
    return bool(d.author or d.date or d.item or d.kind != "comment")


def ends_sentence(line: str) -> bool:
    """Ends in a full stop, or in an emoji or other symbol (a smiley closes many comments)."""
    s = line.rstrip("\ufe0f\u200d ")
    return s.endswith(_FULL_STOP) or bool(s) and unicodedata.category(s[-1]) == "So"


def reads_as_text(d: _Draft) -> bool:
    """A line of the block ends a sentence, a line under its first is a date (with a reply
    word after it), or most of its lines read as prose: not a list of titles, a rating, a
    label."""
    lines = [ln for p in d.paragraphs for ln in p]
    return any(ends_sentence(ln) and len(ln.split()) >= 3 for ln in lines) \
        or sum(map(dumpshape.is_prose, lines)) * 2 >= len(lines) > 0 \
        or any(bylines.is_date_line(ln.rsplit(None, 1)[0]) for ln in lines[1:])


def run_together(d: _Draft) -> bool:
    """A long block opening with a sentence: comments whose headers the dump lost, run
    together (a notice, rating or teaser is short, or opens with a title or caption)."""
    first = d.paragraphs[0][0] if d.paragraphs else ""
    return len(d.text().split()) >= _LONE_BLOCK_WORDS and len(first.split()) >= 3 \
        and ends_sentence(first)


_NOTICE_WORDS = 30  # a widget's notice is short; a comment that mentions comments runs on
# the word "comment" in the sites' languages (as textcomments' names test)
_NAMES_COMMENTS = re.compile(r"(?i)(?:comment|coment|komment|koment|reactie)")


def speaks_of_comments(d: _Draft) -> bool:
    """A short block whose first line names the comment section: the widget's notice about
    itself (subscribers only, loading, spam filter), not a reader's comment."""
    first = d.paragraphs[0][0] if d.paragraphs and d.paragraphs[0] else ""
    return len(d.text().split()) <= _NOTICE_WORDS and bool(_NAMES_COMMENTS.search(first))


def mostly_text(drafts: list[_Draft]) -> bool:
    """At least half the blocks read as text (stops counting as soon as that is known)."""
    need, left = (len(drafts) + 1) // 2, len(drafts)
    for d in drafts:
        need -= reads_as_text(d)
        left -= 1
        if need <= 0:
            return True
        if need > left:
            return False
    return need <= 0


def drop_unmarked(drafts: list[_Draft], zone: int | None, warnings: list[str],
                  where: str | None = None, *, form: bool = False) -> list[_Draft]:
    """The drafts less the unmarked blocks that are chrome, not comments (with a warning that
    starts with ``where``, by default the zone's line). ``form``: the zone opens with a reply
    form's prompt ("Leave a Comment"), which says nothing about comments being there."""
    where = where or f"line {(zone or 0) + 2}"
    notices = [d for d in drafts if not marked(d) and speaks_of_comments(d)]
    if notices:
        # "Comments are visible to subscribers", "Loading comments... enable JavaScript",
        # "Learn how your comment data is processed": the section speaking of itself
        warnings.append(
            f"{where}: {len(notices)} short block(s) with no author, date or reply line speak "
            f"of the comment section itself ({notices[0].text()[:40]!r}); not taken as "
            + ("a comment" if len(notices) == 1 else "comments"))
        drafts = [d for d in drafts if marked(d) or not speaks_of_comments(d)]
    if drafts and (not any(map(marked, drafts)) or not mostly_text(drafts)):
        # no block is marked as a comment, or most are no sentence (a grid of teasers under
        # their author's name): a block that is not even a sentence (a rating, a teaser
        # title, a menu label) and has no date or list number is chrome
        prose = [d for d in drafts
                 if d.date or d.item or d.kind != "comment" or reads_as_text(d)]
        if len(prose) * _CHROME_ZONE < len(drafts) and sum(map(marked, prose)) * 2 < len(prose):
            # most of the zone is chrome and most of what reads as text has no header
            # either: a grid of teasers (title, one line of description) after a heading
            warnings.append(
                f"{where}: {len(drafts) - len(prose)} of {len(drafts)} blocks in the comment "
                "zone are no sentence and most of the rest carry no author, date or reply "
                "line (teasers, not a comment run); none taken as comments")
            return []
        if len(prose) < len(drafts):
            warnings.append(
                f"{where}: {len(drafts) - len(prose)} of {len(drafts)} blocks in "
                "the comment zone carry no date or reply line and are no sentence; not taken as "
                "comments")
        drafts = prose
    if form and 1 < len(drafts) < _MIN_UNMARKED_RUN and not any(map(marked, drafts)) \
            and not all(map(run_together, drafts)):
        # two blocks of text under a reply form's prompt, neither with a name, date or reply
        # line: the form's notices (rating, spam filter) far more often than anonymous
        # comments (comments whose headers the dump lost come as a longer run, or long and
        # opening with a sentence: kept; under a comment heading or counter, kept too)
        keep = [d for d in drafts if run_together(d)]
        warnings.append(
            f"{where}: {len(drafts) - len(keep)} of {len(drafts)} blocks after the comment "
            "zone's start carry no author, date or reply line and are short; not taken as "
            "comments")
        drafts = keep
    if len(drafts) == 1 and not marked(drafts[0]) and not run_together(drafts[0]):
        # one block after a heading with no name, date or reply line: a form notice, a
        # rating or a teaser far more often than a lone anonymous comment
        warnings.append(
            f"{where}: one block after the comment zone's start "
            f"({drafts[0].text()[:40]!r}) carries no author, date or reply line; not taken as "
            "a comment")
        drafts = []
    return drafts


def header_variety(drafts: list[_Draft]) -> bool:
    """Some block carries a date, or two blocks carry different author names: the headers
    that set one commenter's words apart from the next. A form's or notice's text split into
    blocks has at most one name-like line ("Add comment", "Community rules") and no date."""
    authors = {d.author for d in drafts if d.author}
    return any(d.date for d in drafts) or len(authors) >= 2


def area_drafts(drafts: list[_Draft], where: str, warnings: list[str]) -> list[_Draft]:
    """The blocks of an HTML comment area whose markup is not recognised that are comments:
    the unmarked chrome dropped as in a dump, and nothing at all unless the blocks show
    header variety (``header_variety``): an empty comment section's heading, notices, rating
    and pagination lines are no comments."""
    drafts = drop_unmarked(drafts, None, warnings, where)
    if drafts and not header_variety(drafts):
        warnings.append(
            f"{where}: {len(drafts)} block(s) of text ({drafts[0].text()[:40]!r}) but no date "
            "and at most one author line over them: no comments told apart; left out")
        return []
    return drafts


_COUNT = re.compile(r"\d+")
_MAX_COUNTER_WORDS = 4


def strip_counters(drafts: list[_Draft]) -> list[_Draft]:
    """Drop the counter lines that close most comments the same way but for the number ("5
    Empfehlungen", "12 Daumen hoch" / "3 Daumen runter", "+3 -1"): a vote or like widget no
    phrase table needs to know. A line counts where it is short, holds a number, reads as no
    sentence, and closes at least half of the comments (two at least)."""
    def key(line: str) -> str | None:
        s = line.strip()
        if not s or len(s.split()) > _MAX_COUNTER_WORDS or not _COUNT.search(s) \
                or ends_sentence(s) and any(map(str.isalpha, s)):  # "2 ▲ 0 ▼" is no sentence
            return None
        return _COUNT.sub("0", s.lower())

    counts: dict[str, int] = {}
    for d in drafts:
        seen = set()
        for line in (d.paragraphs[-1] if d.paragraphs else [])[-3:]:
            k = key(line)
            if k and k not in seen:
                seen.add(k)
                counts[k] = counts.get(k, 0) + 1
    common = {k for k, n in counts.items() if n >= 2 and n * 2 >= len(drafts)}
    if not common:
        return drafts
    for d in drafts:
        while d.paragraphs and d.paragraphs[-1] and key(d.paragraphs[-1][-1]) in common:
            d.paragraphs[-1].pop()
            if not d.paragraphs[-1]:
                d.paragraphs.pop()
    return [d for d in drafts if d.paragraphs]


def drop_lists(drafts: list[_Draft], lines: list[str], zone: int | None, warnings: list[str],
               *, teasers: bool = True) -> list[_Draft]:
    """No drafts where the zone holds a list, not comments: a FAQ (most blocks a short
    question over its answer) or, with ``teasers``, related posts (most blocks dated and
    signed by no one, a headline over most dates: "Title / 12. März 2024 / excerpt")."""
    if len(drafts) < 3:
        return drafts
    where = f"line {(zone or 0) + 2}"
    unsigned = [d for d in drafts if not d.author]
    if teasers and zone is not None and sum(bool(d.date) for d in unsigned) * 3 \
            >= len(drafts) * 2 and runkinds.headlined(lines, zone + 1):
        warnings.append(f"{where}: the {len(drafts)} blocks after the comment zone's start are "
                        "dated but signed by no one, and a headline sits over most dates: a "
                        "list of teasers (related posts), not comments; none taken")
        return []
    if sum(not d.date and dumplists.question_over_answer(d.paragraphs[0])
           for d in unsigned) * 3 >= len(drafts) * 2:
        warnings.append(f"{where}: most of the {len(drafts)} blocks are a short question over "
                        "its answer, signed and dated by no one: a FAQ, not comments; none taken")
        return []
    return drafts
