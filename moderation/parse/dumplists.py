"""The comment list of a text dump found from its numbering: threaded replies break the count,
or its items are commenters' names.

Comment sections are often HTML lists, and the dump prints each item with its number ("7. ").
A reply is an item of an inner list, so its number starts again at 1, and the outer count
then RESUMES where it was ("1.", "2.", "1.", "5."): a numbering no article list has (steps,
ingredients and chapters count 1, 2, 3, ... and at most start over). Comments also sit apart
(a blank line before every item: each holds paragraphs, a name, a date) and read as prose.
No phrase list and no language is needed; the caller takes the run only where its rules found
no comment at all.

A plain count (1, 2, 3, ... with no restart) is what article lists print too, so it is read as
comments only with more evidence (``plain_comment_list``): where the page's renderer dropped
each comment's name, date and reply links (link-dense lines), an ``<ol>`` of comments is left
as exactly that. It must be the page's last list, with nothing of the article after it, its
items prose, blank-separated, not the same words with a number ("Step 1", "Step 2"), and
written as readers write: a question or an exclamation in a third of the items (steps and
chapters state; readers ask and thank).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from moderation.parse import bylines, dumpshape

_ITEM = re.compile(r"^(\d{1,3})[.)](?:\s+\S|(?=[^\W\d_]))")  # "4.Mozarella" too
_ITEM_MARK = re.compile(r"^\d{1,3}[.)]\s*")
_MIN_ITEMS = 3
_MIN_JUMPS = 3  # skips in a count with no restart that make it a comment list
_MAX_GAP = 20  # lines from one comment's number to the next, at most
_BLOCK_LINES = 4  # lines of an item read for prose
_LONG_PARAGRAPH = 15  # words: the article has started
_MIN_PLAIN_ITEMS = 3
_TAIL_PROSE = 3  # long prose lines after the list: the article goes on
_ASKED = ("?", "!", "？", "！", "¿", "¡")


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


def _runs(lines: list[str], start: int) -> list[list[tuple[int, int]]]:
    """Runs of list items close together after the article (below line ``start``)."""
    body = next((i for i in range(start, len(lines))
                 if len(lines[i].split()) >= _LONG_PARAGRAPH), None)
    if body is None:
        return []
    items = _items(lines, body + 1)
    if not items:
        return []
    runs: list[list[tuple[int, int]]] = [[items[0]]]
    for it in items[1:]:
        if it[0] - runs[-1][-1][0] > _MAX_GAP:
            runs.append([it])
        else:
            runs[-1].append(it)
    return runs


def comment_list(lines: list[str], start: int = 0) -> ListRun | None:
    """The numbered comment list after the article (below line ``start``), or None."""
    for whole in _runs(lines, start):
        run = _lead_trimmed(whole)
        if len(run) < _MIN_ITEMS or not _threaded([n for _i, n in run]):
            continue
        last = block_end(lines, run[-1][0], _ITEM, _MAX_GAP)
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


def plain_comment_list(lines: list[str], start: int = 0) -> ListRun | None:
    """The page's last numbered list read as comments though its count never restarts
    (1, 2, 3, ...): see the module's notes for the evidence it needs. Else None."""
    runs = _runs(lines, start)
    if not runs:
        return None
    run = runs[-1]
    numbers = [n for _i, n in run]
    if len(run) < _MIN_PLAIN_ITEMS or numbers != list(range(1, len(run) + 1)):
        return None
    last = block_end(lines, run[-1][0], _ITEM, _MAX_GAP)
    if sum(len(ln.split()) >= _LONG_PARAGRAPH and dumpshape.is_prose(ln)
           for ln in lines[last + 1:]) >= _TAIL_PROSE:
        return None  # the article goes on: its own list
    stops = [i for i, _n in run[1:]] + [last + 1]
    blocks = [[_ITEM_MARK.sub("", lines[i].strip(), count=1)]
              + [ln.strip() for ln in lines[i + 1:stop] if ln.strip()]
              for (i, _n), stop in zip(run, stops)]
    if sum(_prose_item(lines, i, stop) for (i, _n), stop in zip(run, stops)) * 3 \
            < len(run) * 2:
        return None
    heads = [b[0] for b in blocks]
    if dumpshape.enumeration(heads):
        return None  # "Step 1", "Step 2": a numbered list of sections
    if sum(map(short_name, heads)) * 2 >= len(heads) and _topics(
            lines, [(i, stop - 1) for (i, _n), stop in zip(run, stops)],
            lambda s: _ITEM_MARK.sub("", s, count=1)):
        return None  # "2. Fresh Lemons" / "…fresh zest…": headings of tips
    if sum(any(ch in ln for ln in b for ch in _ASKED) for b in blocks) * 3 < len(blocks):
        return None
    if sum(question_over_answer(b) for b in blocks) * 3 >= len(blocks) * 2:
        return None  # "1. Can I freeze it?" / "Yes, for three months.": a FAQ, not comments
    return ListRun(run[0][0], stops[-1] - 1, [i for i, _n in run])


_QUESTION_WORDS = 15


def question_over_answer(block: list[str]) -> bool:
    """An item whose first line is a short question on a line of its own, with more text
    under it: a question and its answer."""
    head = block[0].rstrip()
    return len(block) >= 2 and head.endswith(("?", "？")) and len(head.split()) <= _QUESTION_WORDS


# Numbered lists whose items are commenters' names ("1. Nadine M." / text / "2. dwoz says:").
_NAME_ITEM = re.compile(r"^\d{1,3}[.)]\s+(\S.{0,38}?)\s*:?$")
_NOT_IN_NAME = re.compile(r"[\d,;!?\"“”«»]|[^\W\d_]{2,}\.$")
_MIN_NAME_ITEMS = 4
_LONG_WORDS = 15


def name_item(line: str) -> bool:
    """'7. mamie caillou', '3. dwoz says:': a list number before a short name-like line."""
    m = _NAME_ITEM.match(line.strip())
    if not m:
        return False
    return short_name(m.group(1))


def short_name(text: str) -> bool:
    """Four words at most, no digits, sentence or bracket marks: a name or a handle."""
    return len(text.split()) <= 4 and not _NOT_IN_NAME.search(text) and not dumpshape.is_prose(text)


def name_lists(lines: list[str], start: int = 0) -> list[tuple[int, int]]:
    """(first, last line) of numbered lists whose items are short names with prose under
    them, after the article: the commenters of a comment list printed by its numbers
    ("1. Nadine M." / text / "2. LadyMilonguera" / text). A list followed by more long prose
    is the article's own (a listicle's headings) and is not taken."""
    out = []
    for run in dumpshape.header_runs(lines, start, loose=True):
        if run.has_time or len(run.lines) < _MIN_NAME_ITEMS:
            continue
        if sum(map(name_item, (lines[k] for k in run.lines))) * 5 < len(run.lines) * 4:
            continue
        first = run.start
        while True:  # items of other shapes above ("1. Nadine M.")
            k = next((k for k in range(first - 1, max(start, first - dumpshape.MAX_GAP // 3) - 1, -1)
                      if name_item(lines[k])), None)
            if k is None:
                break
            first = k
        blocks = [(a, b - 1) for a, b in pairwise(run.lines)] + [(run.end, block_end(lines, run.end))]
        if _topics(lines, blocks, lambda s: m.group(1) if (m := _NAME_ITEM.match(s)) else ""):
            continue  # headings of tips, not commenters
        if not _article_goes_on(lines, run.end):
            out.append((first, block_end(lines, run.end)))
    return out


_BULLETS = frozenset("•·▪◦*")
_BULLET_NAME = re.compile(r"^[•·▪◦*]\s+(\S.{0,38}?)\s*:?$")


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[^\W\d_]{4,}", text.lower())}


def _topics(lines: list[str], blocks: list[tuple[int, int]], name_of) -> bool:
    """Half the items name what the lines under them talk about ("• Brown Butter" / "Browning
    the butter adds…", "2. Fresh Lemons" / "…fresh zest…"): a list of tips or variations
    under their headings. A commenter's name is seldom in their own text. Only the first
    paragraph under the item counts: the host's reply under a comment greets its writer by
    name ("thanks for the comment Marcie")."""
    told = 0
    for a, b in blocks:
        name = name_of(lines[a].strip())
        end = min(b, _first_paragraph_end(lines, a))
        told += bool(_stems(name) & _stems(" ".join(lines[a + 1:end + 1])))
    return told * 2 >= len(blocks)


def _long_prose(line: str) -> bool:
    return len(line.split()) >= _LONG_WORDS and dumpshape.is_prose(line)


def _first_paragraph_end(lines: list[str], item: int) -> int:
    """The last line of the first paragraph under the item line."""
    para = next((j for j in range(item + 1, len(lines)) if lines[j].strip()), item)
    while para + 1 < len(lines) and lines[para + 1].strip():
        para += 1
    return para


def _article_goes_on(lines: list[str], last_item: int) -> bool:
    """More long prose after the last item's first paragraph: the article's own list."""
    tail = sum(map(_long_prose, lines[_first_paragraph_end(lines, last_item) + 1:]))
    return tail >= _TAIL_PROSE


def bullet_name_lists(lines: list[str], start: int = 0) -> list[tuple[int, int]]:
    """(first, last line) of bulleted lists whose items are short names, each with a paragraph
    of prose under it before the next: commenters of a list that prints neither a number nor
    a date ("• Leila" / text / "• Mess" / text). As for numbered names, more long prose after
    the list means the article's own list, and items printed line under line are terms."""
    items = [i for i in range(start, len(lines)) if lines[i].lstrip()[:1] in _BULLETS
             and (m := _BULLET_NAME.match(lines[i].strip()))
             and short_name(m.group(1)) and m.group(1)[0].isalpha()]
    out = []
    for part in _near_runs(items):
        if len(part) < _MIN_NAME_ITEMS or len({lines[i].strip() for i in part}) < 2:
            continue
        gaps = list(pairwise(part)) + [(part[-1], block_end(lines, part[-1], _BULLET_NAME))]
        if any(b - a <= 1 for a, b in gaps[:-1]):
            continue  # a list of terms, line under line
        if sum(any(dumpshape.is_prose(ln) for ln in lines[a + 1:b + 1]) for a, b in gaps) * 4 \
                < len(gaps) * 3:
            continue
        # written as readers write: someone asks or exclaims in a third of the items, or one
        # name comes back (the host answering); a team page's bios do neither
        asked = sum(any(q in ln for ln in lines[a + 1:b + 1] for q in _ASKED) for a, b in gaps)
        names = [lines[i].strip() for i in part]
        if asked * 3 < len(gaps) and len(set(names)) == len(names) \
                or _topics(lines, gaps, lambda s: _BULLET_NAME.match(s).group(1)):
            continue  # a team's bios, or the headings of tips
        if not _article_goes_on(lines, part[-1]):
            out.append((part[0], gaps[-1][1]))
    return out


def _near_runs(idx: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in idx:
        if runs and i - runs[-1][-1] <= dumpshape.MAX_GAP:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def block_end(lines: list[str], k: int, item: re.Pattern[str] = _NAME_ITEM,
              max_gap: int = dumpshape.MAX_GAP) -> int:
    """The last line of the block opened at ``k``: it ends at two blank lines in a row, at the
    next ``item`` line after a blank line, or ``max_gap`` lines on."""
    end, blanks = k, 0
    for j in range(k + 1, min(len(lines), k + max_gap)):
        if not lines[j].strip():
            blanks += 1
            if blanks >= 2:
                break
            continue
        if item.match(lines[j].strip()) and not lines[j - 1].strip():
            break
        blanks, end = 0, j
    return end


# "Name says:" over each comment (WordPress' comment template, in the tables' languages)
_SAYS_LINE = re.compile(rf"(?i)^[•·▪◦*]?\s*(\S.{{0,38}}?)\s+{bylines.SAYS_VERBS}\s*(?::|\.\.\.|…)$")
_MIN_SAYS = 2
_SAYS_CHARS = 60  # a bullet, a name of 40 characters at most, the verb


def says_lists(lines: list[str], start: int = 0) -> list[tuple[int, int]]:
    """(first, last line) of blocks opened by a "Name says:" line each, after the article:
    the comments of a section whose heading no table knows. Two are enough (the verb is the
    evidence a bare name lacks); the blocks hold prose, after an article, and less than
    half as much long prose follows the last as came before the first (an interview's
    "She says:" paragraphs sit in the article's middle)."""
    items = [i for i in range(start, len(lines))
             if len(s := lines[i].strip()) <= _SAYS_CHARS and s.endswith((":", "...", "…"))
             and (m := _SAYS_LINE.match(s)) and short_name(m.group(1)) and m.group(1)[0].isalpha()]
    out = []
    for part in _near_runs(items):
        if len(part) < _MIN_SAYS:
            continue
        first_para = _first_paragraph_end(lines, part[-1])
        gaps = list(pairwise(part)) + [(part[-1], first_para)]
        if any(b - a <= 1 for a, b in gaps[:-1]) or not all(
                any(dumpshape.is_prose(ln) for ln in lines[a + 1:b + 1]) for a, b in gaps):
            continue
        above = sum(_long_prose(ln) for ln in lines[start:part[0]])
        below = sum(_long_prose(ln) for ln in lines[first_para + 1:])
        if above and below * 2 < above:  # in the page's last part: a summary box may follow
            # the last comment runs on to the list's end (two blank lines), not only its
            # first paragraph
            out.append((part[0], max(first_para, block_end(lines, part[-1], _SAYS_LINE))))
    return out


def says_authors(drafts: list) -> list:
    """A says-list's comments whose "Name says:" line the comment rules kept as text (a
    lower-case name of two words, "kanu sukha says:", is no name line to them; in the list the
    verb vouches for it): the name becomes the author, the line leaves the text."""
    for d in drafts:
        head = d.paragraphs[0] if d.paragraphs else []
        m = _SAYS_LINE.match(head[0].strip()) if head and not d.author else None
        if m and short_name(m.group(1)):
            d.author = m.group(1).strip()
            d.paragraphs = [p for p in [head[1:], *d.paragraphs[1:]] if p]
    return [d for d in drafts if d.paragraphs]
