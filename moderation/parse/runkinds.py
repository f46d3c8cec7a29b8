"""What a run of header lines is: readers' comments, or a list of teasers, a ticker, one
account's feed, a chronicle. ``dumpshape`` finds the runs from the lines' shapes; these
judgments read the lines around them (headlines over the blocks, names that vary, prose)."""

from __future__ import annotations

from itertools import pairwise

from moderation.parse.bylines import split_author_date
from moderation.parse.chrome import is_widget_line
from moderation.parse.dates import iso_date
from moderation.parse.dumpshape import (
    MIN_OCCURRENCES,
    Run,
    header_runs,
    headline,
    is_prose,
    named_headers,
    titled_blocks,
)


def teasers(lines: list[str], run: Run) -> bool:
    """Most blocks between two headers open with a headline over a sentence: "Title / teaser
    / vor 2 Stunden" or "Anna Berg · 3. März / Title / teaser", a list of articles. A
    comment's block opens with its name or its text."""
    n = 0
    for prev, k in pairwise(run.lines):
        block = [s for s in (ln.strip() for ln in lines[prev + 1:k]) if s]
        if len(block) >= 2 and headline(block[0]) and all(map(is_prose, block[1:])):
            n += 1  # (a comment's block also holds the next one's name, votes or reply link)
    return n * 2 >= len(run.lines) - 1


def headline_over_first(lines: list[str], run: Run) -> bool:
    """The two lines over the run's first header are a headline and a sentence: the first
    teaser of a list whose bylines close each teaser ("Title / teaser / Von Anna Berg, 3. März"),
    where a comment section's first closing header has the article's last paragraph over it."""
    above = [s for s in (ln.strip() for ln in lines[max(0, run.start - 6):run.start]) if s][-2:]
    return len(above) == 2 and headline(above[0]) and is_prose(above[1])


def headlined(lines: list[str], start: int) -> bool:
    """The dated or timed run of header lines below ``start`` has a headline over most of
    its blocks: a list of dated teasers ("related posts"), not comments."""
    for run in header_runs(lines, start, loose=True):
        if run.dated or run.has_time:
            return titled_blocks(lines, run) * 2 >= len(run.lines)
    return False


def named_times(lines: list[str], run: Run) -> bool:
    """Most headers of the run hold a time of day and a name that varies from header to
    header (inside the header, or a short line beside it): commenters' bylines, which need no
    comment heading to be told apart (news teasers carry a title, and mostly a date alone)."""
    if not run.has_time or named_headers(lines, run.lines) * 3 < len(run.lines) * 2:
        return False
    return titled_blocks(lines, run) * 2 < len(run.lines)


def one_voice(lines: list[str], run: Run) -> bool:
    """Every header names the same account ("@citynews · 2h" over each post of an embedded
    feed): one publisher's posts, not readers talking."""
    names = {split[0] for k in run.lines if (split := split_author_date(lines[k].strip()))
             and not is_widget_line(split[0])}  # ("Gefällt mir · Antworten · 1 Std." has none)
    return len(names) == 1 and len(run.lines) >= MIN_OCCURRENCES


def dated_prose(lines: list[str], run: Run) -> bool:
    """Most headers are a date or an age alone ("1 Monat her", "3 days ago") and the blocks
    between them are sentences with no title over them: comments stamped with their age,
    which need no comment heading either (a teaser's date sits under its title)."""
    if not (run.dated and len(run.lines) >= MIN_OCCURRENCES + 1
            and titled_blocks(lines, run) * 4 < len(run.lines)
            and not teasers(lines, run)):
        return False
    # a calendar date alone over each block and no name beside it: a chronicle, a diary or a
    # changelog (an age, "vor 2 Stunden", is a comment's stamp)
    calendar = sum(iso_date(lines[k].strip()) is not None for k in run.lines)
    return calendar * 2 < len(run.lines) \
        or named_headers(lines, run.lines, months=False) * 2 >= len(run.lines)
