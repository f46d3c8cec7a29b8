"""A comment's displayed date as ISO 8601, in the formats comment sections print.

``iso_date("August 3, 2019 at 4:11 am") == "2019-08-03T04:11"``; ``"9. Juli 2018 - 17:34"``,
``"3 août 2019 à 16 h 04"``, ``"01 . Apr . 2023"``, ``"2013/12/28 21:29"``, ``"03.01.2022"``,
``"2019-08-03 04:11:57"`` and ``"2013年12月28日"`` work the same; month names come from the
CLDR tables of babel (a dependency of trafilatura's URL helper) for the languages below, with
a built-in English/German/French table when babel is missing. Relative dates ("3 days ago")
and ambiguous ones ("4/5/2020": April or May?) give None: the raw string is always kept
beside the ISO form, which is only added where the reading is certain. No time zone is
invented: the result is a local date or date-time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

LOCALES = ("en", "de", "fr", "es", "pt", "it", "nl", "da", "sv", "nb", "pl", "fi", "cs", "ro",
           "hu", "tr", "ca")
_FALLBACK = {
    1: "january jan januar janvier", 2: "february feb februar fevrier", 3: "march mar marz mars",
    4: "april apr avril", 5: "may mai", 6: "june jun juni juin", 7: "july jul juli juillet",
    8: "august aug aout", 9: "september sep sept septembre", 10: "october oct oktober octobre",
    11: "november nov novembre", 12: "december dec dezember decembre",
}
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
_YMD = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")
_DMY = re.compile(r"\b(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})\b")
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_TIME = re.compile(r"(?<![\d.])(\d{1,2})\s?(?::|h|\.(?=\d\d\b))\s?(\d{2})(?::(\d{2}))?"
                   r"(?:\s?([ap])\.?\s?m\b\.?)?", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_DAY = re.compile(r"(?<![\d:])(\d{1,2})(?![\d:])")
_RELATIVE = re.compile(r"(?i)\b(?:ago|her|il y a|hace|fa|geleden|siden|sedan|temu|vor)\b")


def _fold(word: str) -> str:
    w = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in w if not unicodedata.combining(ch)).rstrip(".")


@lru_cache(maxsize=1)
def _cldr_locales() -> tuple:
    """babel's Locale for every language of LOCALES it has; none without babel."""
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - babel is a dependency
        return ()
    found = []
    for code in LOCALES:
        try:
            found.append(Locale.parse(code))
        except Exception:  # noqa: BLE001, S112 - a locale babel lacks is skipped
            continue
    return tuple(found)


def _cldr_names(kind: str, widths: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(number, name) of every month or weekday ("months", "days") name of those widths, in
    both CLDR contexts, in every language of LOCALES."""
    for loc in _cldr_locales():
        table = loc.months if kind == "months" else loc.days
        for context in ("format", "stand-alone"):
            for width in widths:
                yield from table[context].get(width, {}).items()


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Folded month name or abbreviation -> month number, in every language of LOCALES."""
    table: dict[str, int] = {}
    for month, words in _FALLBACK.items():
        for w in words.split():
            table[w] = month
    for month, name in _cldr_names("months", ("wide", "abbreviated")):
        for w in _WORD.findall(name):
            if len(w) >= 3:
                table.setdefault(_fold(w), month)
    return table


# The small words between a date's parts ("4 marzo 2024 alle ore 14:25", "mandag den 4. marts
# 2024 kl. 14:25", "4 marca 2024 r. o godz. 14:25", "segunda-feira, 4 de março às 14:25").
CONNECTORS = frozenset("""
alle ore om den kl klokken klo kello godz godzina dnia dne em do da às as um uhr de del la el le
il a las à am um on at the of r roku und et y e i en og och
""".split())  # noqa: SIM905 - a word list reads better as text


@lru_cache(maxsize=1)
def calendar_words() -> frozenset[str]:
    """Lower-case weekday names and abbreviations (wide, abbreviated, short: "Mo", "mié",
    "pon") and month names and abbreviations ("mrt", "paź") of every language of LOCALES, from
    babel's CLDR tables; with the connectors above. Only the connectors without babel (the
    callers' own English, German and Romance lists still apply)."""
    names = [n for _k, n in _cldr_names("days", ("wide", "abbreviated", "short"))]
    names += [n for _k, n in _cldr_names("months", ("wide", "abbreviated"))]
    return frozenset({w.lower() for n in names for w in _WORD.findall(n) if len(w) >= 2}
                     | CONNECTORS)


@lru_cache(maxsize=1)
def calendar_months() -> frozenset[str]:
    """Lower-case month names and abbreviations of every language of LOCALES (babel)."""
    return frozenset(w.lower() for _k, n in _cldr_names("months", ("wide", "abbreviated"))
                     for w in _WORD.findall(n) if len(w) >= 3)


def _time(s: str) -> tuple[int, int] | None:
    m = _TIME.search(s)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    if m.group(4):
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if m.group(4).lower() == "p" else 0)
    return (h, mi) if h < 24 and mi < 60 else None


def _build(y: int, mo: int, d: int, t: tuple[int, int] | None) -> str | None:
    try:
        datetime(y, mo, d)
    except ValueError:
        return None
    day = f"{y:04d}-{mo:02d}-{d:02d}"
    return f"{day}T{t[0]:02d}:{t[1]:02d}" if t else day


@lru_cache(maxsize=4096)
def iso_date(raw: str | None) -> str | None:
    """The ISO 8601 form of a displayed date, or None when it cannot be read for certain."""
    if not raw or len(raw) > 120 or not any(map(str.isdigit, raw)):
        return None
    s = raw.strip()
    m = _ISO.search(s)
    if m:
        t = (int(m.group(4)), int(m.group(5))) if m.group(4) else None
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), t)
    m = _CJK.search(s) or _YMD.search(s)
    if m:
        rest = s[:m.start()] + " " + s[m.end():]
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), _time(rest))
    m = _DMY.search(s)
    if m:
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        y = y + 2000 if y < 100 else y
        rest = s[:m.start()] + " " + s[m.end():]
        if sep == "/" and a <= 12 and b <= 12 and a != b:
            return None  # 4/5/2020: day first or month first, the page does not say
        day, month = (b, a) if sep == "/" and b > 12 else (a, b)
        return _build(y, month, day, _time(rest))
    if _RELATIVE.search(s):
        return None
    months = month_names()
    found = [(months[_fold(w.group())], w) for w in _WORD.finditer(s)
             if _fold(w.group()) in months]
    year = _YEAR.search(s)
    if len(found) != 1 or not year:
        return None
    month, word = found[0]
    t = _time(s)
    tm = _TIME.search(s)
    masked = s
    for a, b in ((year.start(), year.end()), (tm.start(), tm.end()) if tm else (0, 0)):
        masked = masked[:a] + " " * (b - a) + masked[b:]
    days = [int(d.group(1)) for d in _DAY.finditer(masked) if 1 <= int(d.group(1)) <= 31]
    # the day is the number nearest the month name
    if not days:
        return None
    near = min(_DAY.finditer(masked), key=lambda d: min(abs(d.start() - word.end()),
                                                        abs(word.start() - d.end())))
    return _build(int(year.group(1)), month, int(near.group(1)), t)
