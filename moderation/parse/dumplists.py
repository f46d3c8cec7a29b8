"""The comment list of a text dump found from its numbering: threaded replies break the count.

Comment sections are often HTML lists, and the dump prints each item with its number ("7. ").
A reply is an item of an inner list, so its number starts again at 1, and the outer count
then RESUMES where it was ("1.", "2.", "1.", "5."): a numbering no article list has (steps,
ingredients and chapters count 1, 2, 3, ... and at most start over). Comments also sit apart
(a blank line before every item: each holds paragraphs, a name, a date) and read as prose.
No phrase list and no language is needed; the caller takes the run only where its rules found
no comment at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from moderation.parse import dumpshape

_ITEM = re.compile(r"^(\d{1,3})[.)](?:\s+\S|(?=[^\W\d_]))")  # "4.Mozarella" too
_ITEM_MARK = re.compile(r"^\d{1,3}[.)]\s*")
_MIN_ITEMS = 3
_MIN_JUMPS = 3  # skips in a count with no restart that make it a comment list
_MAX_GAP = 20  # lines from one comment's number to the next, at most
_BLOCK_LINES = 4  # lines of an item read for prose
_LONG_PARAGRAPH = 15  # words: the article has started


@dataclass
class ListRun:
    start: int  # the first item's line
    end: int  # the last line of the last item
    items: list[int]


def _items(lines: list[str], floor: int) -> list[tuple[int, int]]:
    """(line, number) of every list item with a blank line (or nothing) above it; the first
    item of a list printed line under line (steps, ingredients) is none."""
    out = []
    for i in range(floor, len(lines)):
        m = _ITEM.match(lines[i].strip())
        if m and (i == 0 or not lines[i - 1].strip()) \
                and not (i + 1 < len(lines) and _ITEM.match(lines[i + 1].strip())):
            out.append((i, int(m.group(1))))
    return out


def _threaded(numbers: list[int]) -> bool:
    """The count starts over at 1 (a reply list) and jumps back up to a number that is
    neither the next one nor 1 (the outer count resumed), or skips numbers several times
    (items of the list the dump lost: the replies, or comments without text)."""
    pairs = list(pairwise(numbers))
    jumps = sum(b not in (a + 1, 1) for a, b in pairs)
    restarts = sum(b == 1 for _a, b in pairs)
    return jumps >= _MIN_JUMPS or bool(jumps and restarts)


def _prose_item(lines: list[str], i: int, stop: int) -> bool:
    block = [_ITEM_MARK.sub("", lines[i].strip(), count=1)]
    block += [ln.strip() for ln in lines[i + 1:min(stop, i + _BLOCK_LINES)]]
    return any(_texty(b) for b in block if b)


def _texty(line: str) -> bool:
    """A sentence, or words that read like one (most of them lower case), not a title."""
    words = line.split()
    lower = sum(w[0].islower() for w in words)
    return dumpshape.is_prose(line) or len(words) >= 5 and lower * 2 >= len(words)


def comment_list(lines: list[str], start: int = 0) -> ListRun | None:
    """The numbered comment list after the article (below line ``start``), or None."""
    body = next((i for i in range(start, len(lines))
                 if len(lines[i].split()) >= _LONG_PARAGRAPH), None)
    if body is None:
        return None
    items = _items(lines, body + 1)
    if len(items) < _MIN_ITEMS:
        return None
    # runs of items close together
    runs: list[list[tuple[int, int]]] = [[items[0]]]
    for it in items[1:]:
        if it[0] - runs[-1][-1][0] > _MAX_GAP:
            runs.append([it])
        else:
            runs[-1].append(it)
    for whole in runs:
        run = _lead_trimmed(whole)
        if len(run) < _MIN_ITEMS or not _threaded([n for _i, n in run]):
            continue
        last = dumpshape.block_end(lines, run[-1][0], _ITEM, _MAX_GAP)
        stops = [i for i, _n in run[1:]] + [last + 1]
        prose = sum(_prose_item(lines, i, stop) for (i, _n), stop in zip(run, stops))
        if prose * 3 < len(run) * 2:
            continue  # titles or captions, not comments
        return ListRun(run[0][0], stops[-1] - 1, [i for i, _n in run])
    return None


def _lead_trimmed(run: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The run less the article lists just above the comments: leading plain counts
    (1, 2, 3, ...) of three or more items that the comments' numbering does not continue."""
    k = 0
    while True:
        n = 1
        while k + n < len(run) and run[k + n][1] == run[k + n - 1][1] + 1:
            n += 1
        if run[k][1] != 1 or n < 3 or k + n >= len(run):
            return run[k:]
        k += n
