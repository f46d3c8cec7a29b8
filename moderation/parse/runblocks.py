"""Where a header run's comments open, and whether its headers open or close them.

A run (``dumpshape.Run``) is the repeated header line of a comment section. Its first comment
opens at the header, at a name line above it, or, where the headers close their comments
("1 Monat her" under each), as many blocks up as the other comments span. Which side a header
belongs to is read from where the nearest sentences are.
"""

from __future__ import annotations

import re
from itertools import pairwise

from moderation.parse.bylines import NUMBERED_BY, ends_in_initial, without_name_note
from moderation.parse.chrome import is_page_end
from moderation.parse.dumpshape import MAX_GAP, Run, letter_words
from moderation.parse.dumpshape import is_prose as _is_prose
from moderation.parse.runkinds import headline_over_first, teasers


def _blocks_between(lines: list[str], i: int, j: int) -> int:
    """Blank-separated blocks strictly between the blocks of lines ``i`` and ``j``."""
    k, n = i + 1, 0
    while k < j and lines[k].strip():  # the rest of i's own block
        k += 1
    end = j
    while end > k and lines[end - 1].strip():  # j's own block, above it
        end -= 1
    inside = False
    for t in range(k, end):
        now = bool(lines[t].strip())
        n += now and not inside
        inside = now
    return n


def footer_block_start(lines: list[str], run: Run, floor: int) -> int:
    """Where the first comment of a run of closing headers ("1 Monat her" under each
    comment) opens: up from the first header's block as many blocks as the most any other
    comment of the run has (its name line, its paragraphs), stopping at two blank lines in
    a row, the way the dump separates page regions, and no further than the run's longest
    comment."""
    longest = max((b - a for a, b in pairwise(run.lines)), default=MAX_GAP)
    most = max((_blocks_between(lines, a, b) for a, b in pairwise(run.lines)), default=1)
    first = run.start
    while first > floor and lines[first - 1].strip():
        first -= 1  # the header's own block: a reply button printed against the date
    if any(_text_line(lines[k]) for k in range(first, run.start)):
        return first  # the comment's text is in that block: comments printed line under line
    top, blanks, blocks = first, 0, 0
    for j in range(first - 1, max(floor, run.start - longest) - 1, -1):
        if not lines[j].strip():
            blanks += 1
            if blanks >= 2 and top < first:
                break
            continue
        if blanks or j == first - 1:
            blocks += 1
            if blocks > max(1, most):
                break
        blanks, top = 0, j
    return _captioned_name_above(lines, top, floor)


def _captioned_name_above(lines: list[str], top: int, floor: int) -> int:
    """``top``, or the name line above it when ``top`` is that name's picture caption ("• Anna
    Berg" / "Foto de Anna Berg": the caption took the name's place in the block count)."""
    j = top - 1
    while j > floor and not lines[j].strip():
        j -= 1
    name = lines[j].strip().lstrip("•·*- ").strip() if j > floor else ""
    caption = lines[top].strip()
    if 3 <= len(name) and len(name.split()) <= 4 and not _is_prose(name) and name in caption \
            and len(caption.replace(name, " ").split()) <= 3 and not any(map(str.isdigit, name)):
        return j
    return top


_NEAR = 6  # lines looked at on each side of a header for the text it belongs to


def _prose_distance(lines: list[str], i: int, step: int) -> int:
    """Non-blank lines between line ``i`` and the nearest sentence in direction ``step``
    (names, vote counts, reply buttons between), ``_NEAR`` when none is near."""
    between = 0
    for k in range(i + step, i + step * (_NEAR + 1), step):
        if not 0 <= k < len(lines):
            break
        s = lines[k].strip()
        if not s:
            continue
        if _texty(s):
            return between
        between += 1
    return _NEAR


_TEXT_WORDS = 6


def _texty(line: str) -> bool:
    """A sentence, or a line of six words or more without its full stop, as readers write
    ("Ich wohne dort und finde es richtig, der Verkehr ist unerträglich")."""
    return _is_prose(line) or letter_words(line) >= _TEXT_WORDS  # not "10. Meredith | Earth & Oven"


def _text_line(line: str) -> bool:
    """Text (``_texty``), and not a short name cut to its initial ("Tomasz K.") or with a note
    in brackets ("Anna Berg (Gast)")."""
    s = without_name_note(line.strip())
    return _texty(s) and not (len(s.split()) <= 5 and ends_in_initial(s)) \
        and not NUMBERED_BY.match(s)  # "Kommentar Nr. 2 von Tomasz K."


def headers_lead(lines: list[str], run: Run) -> bool:
    """True when each header opens its comment (text after it), False when it closes it.

    A header belongs to the text of its own block (the lines between two blank lines) where
    that holds any; else to the nearer text, counted from its block's edges (a reply button
    printed against a date is part of the date's block: "text / (blank) / Reply / date"
    closes the text). Where that is a tie everywhere, the last header decides: text after
    it means headers open their comments."""
    vote = 0
    for i in run.lines:
        a, b = i, i
        while a > 0 and lines[a - 1].strip():
            a -= 1
        while b + 1 < len(lines) and lines[b + 1].strip():
            b += 1
        above = any(_text_line(lines[k]) for k in range(a, i))
        below = any(_text_line(lines[k]) for k in range(i + 1, b + 1))
        if above != below:
            vote += 1 if below else -1
            continue
        if above:
            continue  # headers and texts line under line, no blank between: no side nearer
        up, down = _prose_distance(lines, a, -1), _prose_distance(lines, b, 1)
        if up != down:
            vote += 1 if down < up else -1
    if vote == 0:
        return _prose_distance(lines, run.lines[-1], 1) < _NEAR
    return vote > 0


_OPEN_QUOTES = "\"“„«‹‘‚'"
_CLOSE_QUOTES = "\"”“»›’‘'"


def quotations(texts: list[str]) -> bool:
    """Most blocks are one quotation, each wholly inside quotation marks ("“…” — Name, 3
    March"): a page's quotes of the week or testimonials, not readers' comments (a comment
    may quote, but rarely is nothing else)."""
    quoted = sum(len(t) > 2 and t.lstrip()[0] in _OPEN_QUOTES and t.rstrip()[-1] in _CLOSE_QUOTES
                 for t in texts if t.strip())
    return len(texts) >= 3 and quoted * 3 >= len(texts) * 2


def under_page_end(lines: list[str], first: int) -> bool:
    """The run's first block sits right under a sidebar or related-posts heading ("You may
    also like", "Weitere Artikel"): that list's teasers, not comments."""
    above = [s for s in (ln.strip() for ln in lines[max(0, first - 4):first]) if s][-2:]
    return any(is_page_end(s) for s in above)


_COMMENT_COUNT = re.compile(r"(?i)\b\d+\s*(?:comments?|kommentare?|commentaires?|coment[aá]rios?|"
                            r"commenti|reacties|komentarz\w*)\b")


def counted_headers(lines: list[str], run: Run) -> bool:
    """Most headers count comments ("3 Mar 2024 · 4 Comments"): each block is an article
    with its own comment section elsewhere, not a comment (which may count replies)."""
    return sum(bool(_COMMENT_COUNT.search(lines[k])) for k in run.lines) * 2 >= len(run.lines)


def article_list(lines: list[str], run: Run, first: int, lead: bool) -> bool:
    """Signs that the run's blocks are articles, not comments: a related-posts heading right
    over them, a comment count in most headers, or bylines closing teasers that each open
    with a headline (the first one too)."""
    return under_page_end(lines, first) or counted_headers(lines, run) \
        or not lead and teasers(lines, run) and headline_over_first(lines, run)
