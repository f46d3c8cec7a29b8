"""The comment run of a text dump found from its structure: repeated header lines, any language.

Comment sections print the same header for every comment: a date or time, "3 days ago", a
numbered item, "Verfasst von X am 9. Juli 2018 - 17:34.", "· Reply". Reduced to its SHAPE
(letters -> ``a``, digit runs -> ``0``, a run of words -> one ``a``, punctuation kept), that
header repeats line for line, every few lines, with prose between: a run. Lists of related
articles repeat shapes too, but with titles between, not sentences; ingredient and nutrition
tables repeat them on consecutive lines. No phrase list is needed to find a run of times,
names or numbers; a run of headers that are a date or an age alone ("1 Monat her") is told
from a list of items by ``bylines.is_date_line`` (month names and age words: the one phrase
table read here). The caller may weigh in the zone phrases it knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from moderation.parse.bylines import (
    NUMBERED_BY,
    REPLY_SUBJECT,
    is_date_line,
    split_author_date,
    without_name_note,
)
from moderation.parse.chrome import action_row_date, is_widget_line
from moderation.parse.dates import calendar_words

_CJK = re.compile("[\u3000-\u9fff]")
# An emoji closes a sentence as a full stop would ("Brava ❤️", "Spero che piaccia 😊"); a
# sentence that ends inside the line and another that follows ("…del limoncello? Grazie").
_EMOJI_MARKS = "\ufe0f\u200d\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff "
_INNER_END = re.compile(r"(?:[^\W\d_]{4}\.|[^\W\d_]{2}[!?…]) +[^\W\d_]")  # not "Dr. Who"
_DIGIT_RUN = re.compile(r"\d+")
_LETTER_RUN = re.compile(r"[^\W\d]+")  # (and "_")
_SPACE_RUN = re.compile(r"\s+")
_WORDS = re.compile(r"a(?: a)+")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# "14:25", "14h25", "14.25"; a day and month with their dot ("Montag, 3.03.") is no time
_TIME = re.compile(r"\b\d{1,2}(?:[:h]| h )\d{2}\b|\b\d{1,2}\.\d{2}\b(?!\.(?:\s|$))")
_MIN_OCCURRENCES = 3
_MAX_HEADER_CHARS = 90
_COMPACT_AGE = re.compile(r"\d+\s?[^\W\d_]{1,4}\.?$")  # "2h", "3 d": no words to tell
_MAX_HEADER_WORDS = 14
MAX_GAP = 60  # lines between two headers of one run, at most (a long comment)
SENTENCE_END = (".", "!", "?", "…", "。", "！", "？", ")", "\"", "”", "»", "'", "’")


def shape(line: str) -> str:
    """Letters -> a, digits -> 0, spaces -> one space, punctuation kept; word runs -> a."""
    # (each pass replaces one class of run by a character of the same class, so the passes
    # cannot disturb each other: the same as one tokenizing pass, at the C regex's speed)
    out = _SPACE_RUN.sub(" ", _LETTER_RUN.sub("a", _DIGIT_RUN.sub("0", line.strip())))
    return _WORDS.sub("a", out)


def header_key(line: str) -> str:
    """The shape of a header line with its commenter's name as one mark ("N"): names differ
    in shape from reader to reader ("Anna Berg", "J. Smith", "kiwi77"), the date beside them
    does not ("— N, 0 a a a 0" for "— Marek Nowak, 3 de marzo de 2024")."""
    s = line.strip()
    split = split_author_date(s)
    if split is not None:
        name = split[0].lstrip("—–-~•·@ ").rstrip()
        k = s.find(name) if name else -1
        if k >= 0 and len(name.split()) <= 4 and not any(map(str.isdigit, name)):
            return shape(s[:k]) + "N" + shape(s[k + len(name):])
    return shape(s)


def _emoji_end(s: str) -> bool:
    """The line ends in an emoji (its variation selector and skin tone aside)."""
    last = s.rstrip(_EMOJI_MARKS)[-1:]
    return bool(last) and ("\u2600" <= last <= "\u27bf" or last == "\u2b50"
                           or "\U0001f000" <= last <= "\U0001faff")


def _is_prose(line: str) -> bool:
    """A sentence, not a title: several words ending in sentence punctuation, or long."""
    s = line.strip()
    words = len(s.split())
    if words >= 14:
        return True
    if s.isascii():
        return words >= 3 and (s.endswith(SENTENCE_END) or words >= 5 and bool(_INNER_END.search(s)))
    cjk = len(_CJK.findall(s))
    return cjk >= 12 or (words >= 3 or cjk >= 4) and (
        s.endswith(SENTENCE_END) or _emoji_end(s) or words >= 5 and bool(_INNER_END.search(s)))


is_prose = _is_prose  # the public name, for the line features


@dataclass
class Run:
    """Header lines of one comment run: their indexes, the shape they share."""
    key: str
    lines: list[int]
    has_time: bool
    dated: bool = False  # most headers are a date or an age alone ("1 Monat her")
    by_date: bool = False  # kept only for that: no name varies beside the headers

    @property
    def start(self) -> int:
        return self.lines[0]

    @property
    def end(self) -> int:
        return self.lines[-1]


def _letters(line: str) -> str:
    return " ".join(_LETTERS.findall(line.lower()))


def _enumeration(lines: list[str], part: list[int]) -> bool:
    """The headers' words are all the same: a numbered list of steps or chapters. (Also
    counters whose numbers vary freely: "12 Kommentare" under each teaser is the article's.)"""
    return enumeration([lines[k] for k in part])


def enumeration(heads: list[str]) -> bool:
    """Most of these lines have the same words, only their numbers differ ("Step 1")."""
    words = [_letters(h) for h in heads]
    most = max(words.count(w) for w in set(words))
    return most * 5 >= len(words) * 4


def _short(line: str) -> bool:
    s = without_name_note(line.strip())
    return 0 < len(s) <= 40 and len(s.split()) <= 4 and not _is_prose(s)


def _named(lines: list[str], part: list[int], months: bool = True) -> int:
    """How many headers carry a name: their own words vary, or a short line sits beside them
    whose text varies from header to header (a repeated short line is a section label).
    A label that only counts on is one label ("Episode 40", "Episode 39"). ``months=False``:
    the month and weekday names that vary inside dates are no names."""
    heads = set(part)
    calendar = frozenset() if months else calendar_words()
    words = [" ".join(w for w in _letters(lines[k]).split() if w not in calendar) for k in part]
    varied = len(set(words)) * 2 > len(words)
    beside: list[set[str]] = []
    for k in part:
        near = [j for j in (k - 2, k - 1, k + 1, k + 2) if 0 <= j < len(lines)
                and j not in heads and _short(lines[j]) and not _sentence_case(lines[j])]
        beside.append({_letters(lines[j]) or lines[j].strip() for j in near})
    counts: dict[str, int] = {}
    for texts in beside:
        for t in texts:
            counts[t] = counts.get(t, 0) + 1
    named = 0
    for w, texts in zip(words, beside):
        own = any(counts[t] * 2 <= len(part) for t in texts)  # not the same label every time
        named += (varied and bool(w)) or own
    return named


def _split_runs(idx: list[int]) -> list[list[int]]:
    runs: list[list[int]] = [[idx[0]]]
    for i in idx[1:]:
        if i - runs[-1][-1] > MAX_GAP:
            runs.append([i])
        else:
            runs[-1].append(i)
    return runs


def header_runs(lines: list[str], start: int = 0, loose: bool = False,
                dated: bool = True) -> list[Run]:
    """Runs of one header shape with prose between most neighbours, best first.

    ``loose``: also runs without times that no second header shape backs (the learned
    classifier weighs those itself). ``dated``: also runs of date or age lines alone
    ("1 Monat her" under each comment); the learned classifier's features leave those out,
    as they did when it was trained. The parse of one dump asks several times for the same
    lines: the last few answers are kept."""
    key = (tuple(lines), start)
    runs = _RECENT.get(key)
    if runs is None:
        runs = _loose_runs(lines, start)
        _RECENT[key] = runs
        while len(_RECENT) > 4:
            del _RECENT[next(iter(_RECENT))]
    if not dated:
        runs = [r for r in runs if not r.by_date]
    if loose:
        return list(runs)
    # A run without times may be a numbered list or the article's own section headings
    # ("Step 1 - ..."): it counts only beside a second header shape in the same blocks
    # (the "7. Name" item with its "24 . Jun . 2018" line).
    return [r for r in runs if r.has_time or (dated and r.dated) or any(
        o is not r and _interleaved(r, o) for o in runs) or named_ages(lines, r)]


_RECENT: dict[tuple[tuple[str, ...], int], list[Run]] = {}


def _dated(line: str) -> bool:
    """A date line, or a footer that prints the date before its action links ("28 Settembre
    2023 Rispondi"). A year alone ("2019") is a timeline's or a chronicle's entry: no comment
    is stamped with its year only."""
    return (is_date_line(line) or action_row_date(line) is not None) \
        and not _BARE_YEAR.fullmatch(line.strip())
_BARE_YEAR = re.compile(r"(?:1[89]|20)\d\d\W?")
_DIGIT = re.compile(r"\d")


def _loose_runs(lines: list[str], start: int) -> list[Run]:
    by_key: dict[str, list[int]] = {}
    for i in range(start, len(lines)):
        s = lines[i].strip()
        if not s or len(s) > _MAX_HEADER_CHARS or len(s.split()) > _MAX_HEADER_WORDS:
            continue
        if not _DIGIT.search(s) or _is_prose(s) and not _TIME.search(s) and not _dated(s):
            continue  # (a date is no sentence: "vor 5 Std.", "Gefällt mir · Antworten · 1 Std.")
        by_key.setdefault(header_key(s), []).append(i)
    found: list[tuple[float, Run]] = []
    prose_memo: dict[int, bool] = {}

    def prose_at(k: int) -> bool:
        if k not in prose_memo:
            prose_memo[k] = _is_prose(lines[k])
        return prose_memo[k]

    for key, idx in by_key.items():
        if len(idx) < _MIN_OCCURRENCES or key.count("0") < 1:
            continue
        for part in _split_runs(idx):
            if len(part) < _MIN_OCCURRENCES:
                continue
            gaps = list(pairwise(part))
            prose = sum(any(prose_at(k) for k in range(a + 1, b)) for a, b in gaps)
            adjacent = sum(b - a <= 1 for a, b in gaps)
            if adjacent * 3 > len(gaps) or prose * 2 < len(gaps):
                continue  # a table, or a list of titles
            has_time = sum(bool(_TIME.search(lines[k])) for k in part) * 2 >= len(part)
            dated = not has_time and (
                sum(map(_dated, (lines[k] for k in part))) * 2 >= len(part)
                or _ages_in_any_language(lines, part)
                or sum(map(_aged_name, (lines[k] for k in part))) * 2 >= len(part)
                and _buttoned(lines, part))
            listed = not has_time and (_enumeration(lines, part)  # "Step 1", "Step 2"
                                       or _named(lines, part) * 2 < len(part))
            if listed and not dated:
                # the letters never change, only the number; or no commenter's name beside
                # or inside the headers: a list of items (a time of day in most headers is
                # a comment's, even where the dump lost the one-word names)
                continue
            score = prose + (len(part) if has_time else 0)
            found.append((score, Run(key, part, has_time, dated, by_date=listed)))
    found.sort(key=lambda t: (-t[0], t[1].start))
    return [r for _s, r in found]


# "50 Minuten 46 Sekunden her", "3 días", "2 h": numbers, each with a short word, and perhaps
# a word after them (the language's "ago"): nothing else
_AGE_SHAPE = re.compile(r"^(?:\d{1,3}\s*[^\W\d_]{1,15}\.?,?\s*){1,3}(?:[^\W\d_]{1,12}\.?)?$")


def _ages_in_any_language(lines: list[str], part: list[int]) -> bool:
    """The run's headers are ages in a language no table knows: each only numbers with a unit
    word ("50 Debuziha 46 Fubafedak debu"), the numbers varying from header to header, the
    words few (a handful of units and one "ago" serve every comment), three words at least
    (the number, its unit, the "ago"; or two numbers with theirs). A listicle's headings
    ("1 Paris", "2 Rome") use new words each time; "Step 1", "Step 2" keeps its word but is
    no age (the number comes after it)."""
    heads = [lines[k].strip() for k in part]
    if len(heads) < 4 or not all(_AGE_SHAPE.match(h) and len(h.split()) >= 3 for h in heads):
        return False  # (a number and one word is a counter: "3 Likes", "5 stars")
    numbers = {tuple(re.findall(r"\d+", h)) for h in heads}
    words = {w.lower() for h in heads for w in re.findall(r"[^\W\d_]+", h)}
    return len(numbers) >= 2 and len(words) <= max(6, (len(heads) + 2) // 2)


def _aged_name(line: str) -> bool:
    """A name before a date or an age ("Anna Berg · vor 2 Stunden")."""
    return split_author_date(line.strip()) is not None


def _buttoned(lines: list[str], part: list[int]) -> bool:
    """Most blocks of the run hold a reply or vote line: "Sport · vor 2 Stunden" over a
    news teaser looks like "Anna · vor 2 Stunden" over a comment, but has no reply button."""
    bounds = [*part, min(len(lines), part[-1] + MAX_GAP)]
    return sum(any(is_widget_line(lines[k]) for k in range(a + 1, b))
               for a, b in pairwise(bounds)) * 3 >= len(part) * 2


def _interleaved(a: Run, b: Run) -> bool:
    """Most blocks of run a hold a header of run b too (b within a block's span)."""
    bounds = a.lines + [a.lines[-1] + MAX_GAP]
    hits = sum(any(lo < k < hi for k in b.lines) for lo, hi in pairwise(bounds))
    return hits * 3 >= len(a.lines) * 2


def letter_words(line: str) -> int:
    """Words that hold a letter: "2 ▲ 0 ▼" and "10. Meredith | Earth & Oven" count 0 and 3."""
    return sum(any(map(str.isalpha, w)) for w in line.split())


def _headline(line: str) -> bool:
    """Four words or more and no sentence; or a short headline in sentence case."""
    return (letter_words(line) >= 4 or _sentence_case(line)) and not _is_prose(line)


def _sentence_case(line: str) -> bool:
    """Three words or more, two of them lower case ("Piscina continua fechada",
    "Schwimmbad bleibt geschlossen"): a short headline, which a name is not (nor is a
    name before its says-verb: "Anna Berg ha detto:")."""
    return letter_words(line) >= 3 and sum(w[:1].islower() for w in line.split()) >= 2 \
        and not line.rstrip().endswith((":", "..."))


def _titled(lines: list[str], run: Run) -> int:
    """How many of the run's blocks have a title over them (four words or more, no
    sentence): teasers. Over a comment sits the previous comment's text, a reply button or
    nothing; a subject line that replies ("Re: ...", "AW: ...") or is the same over several
    blocks is a forum post's subject, not a teaser's headline."""
    titles = []
    for k in run.lines:
        # the line over the block (its name line, or the header itself where that names
        # someone: "by Tom Weber · 3 days ago" under a short headline)
        top = k if split_author_date(lines[k].strip()) else header_block_start(lines, k, max(0, k - 3))
        if top < k and _sentence_case(lines[top].strip()) and not _is_prose(lines[top]):
            above = lines[top].strip()  # no name line: a short headline ("Polizei sucht Zeugen")
        else:
            above = next((lines[j].strip() for j in range(top - 1, max(-1, top - 3), -1)
                          if lines[j].strip()), "")
        if _headline(above) and not REPLY_SUBJECT.match(above):
            titles.append(above)
    return sum(titles.count(t) == 1 for t in titles)


def named_ages(lines: list[str], run: Run) -> bool:
    """Most headers are "Name · age" or "Name date" whose name is a person's and varies: two
    words or more, or a user name ("Anna Berg · vor 2 Stunden", "marco_b · vor 4 Stunden"),
    with no title over the blocks. A news ticker puts a one-word section there ("Politik ·
    vor 2 Stunden") or a headline over each teaser."""
    people = []
    buttoned: bool | None = None
    for k in run.lines:
        split = split_author_date(lines[k].strip())
        if split is None or not (len(split[0].split()) >= 2 or "_" in split[0]):
            continue
        if _COMPACT_AGE.match(split[1]):
            # "Lokales Hamburg · 2h" heads a ticker's teaser too; a comment's block has its
            # reply or vote line under it
            if buttoned is None:
                buttoned = _buttoned(lines, run.lines)
            if not buttoned:
                continue
        people.append(split[0])
    return len(people) * 3 >= len(run.lines) * 2 and len(set(people)) >= _MIN_OCCURRENCES \
        and _titled(lines, run) * 2 < len(run.lines)


def header_block_start(lines: list[str], first: int, floor: int) -> int:
    """Where the first comment of a run opens: its header line, or a short name line above
    (and above a separator line printed against it: "Anna Berg / • / vor 2 Stunden")."""
    j = first - 1
    while j > floor and not lines[j].strip():
        j -= 1
    if j > floor and first - j <= 2:
        s = without_name_note(lines[j].strip())
        if (0 < len(s.split()) <= 5 or NUMBERED_BY.match(s)) and not _is_prose(s) \
                and len(s) <= 80:
            if first - j == 1 and not any(map(str.isalnum, s)) and j - 1 > floor:
                above = lines[j - 1].strip()  # the "•" between the name and the date
                if 0 < len(above.split()) <= 5 and not _is_prose(above) and len(above) <= 60:
                    return j - 1
            return j
    return first


# for runkinds, which judges what a run is
headline = _headline
titled_blocks = _titled
named_headers = _named
MIN_OCCURRENCES = _MIN_OCCURRENCES
