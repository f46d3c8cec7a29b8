"""Dates and bylines on one line of a page: is this line a date or an age ("3. März 2024 um
14:25 Uhr", "Mo, 04.03.2024 - 14:25", "vor 3 Std."), and which part of a header line is the
commenter's name and which the date ("Anna Berg am 3. März 2024", "04.03.2024 | Anna Berg",
"Kommentar Nr. 3 von Anna Berg"). Word lists here, weekday and month names of 17 languages from
babel (dates.calendar_words)."""

from __future__ import annotations

import re
from functools import lru_cache

from moderation.parse.dates import calendar_months, calendar_words
from moderation.parse.textnorm import NON_LETTERS, normalize

_TIME_WORDS = frozenset("""
ago second seconds minute minutes min mins hour hours hr hrs day days week weeks month months
std stdn tg h godz sek sec secs wk wks yr yrs
year years vor sekunde sekunden minute minuten stunde stunden tag tagen tage woche wochen monat
monaten monate jahr jahren jahre il y a ans an mois jours jour heures heure hace años año meses
mes días día horas hora fa anni anno mesi giorni ore geleden jaar maanden dagen uur just now
gerade eben zuvor her seit
semaine semaines minutes semana semanas minutos settimana settimane minuti week weken minuut
sedan för dagar dag timmar timme minuter månader månad veckor vecka siden dage døgn timer time
minutter måneder måned uger uge dager uker temu dni dzień godzin godziny godzinę minut tygodnie
tygodni miesięcy miesiące lat rok há atrás dias semanas anos ano for
""".split())  # noqa: SIM905 - a word list reads better as text
# Relative days, and the small words of "a year ago", "an hour ago", "Yesterday at 10:22".
_DAY_WORDS = frozenset("""
yesterday today gestern heute vorgestern aujourd hui ayer hoy anteayer ieri oggi gisteren
vandaag eergisteren igår idag wczoraj dzisiaj ontem hoje
""".split())  # noqa: SIM905 - a word list reads better as text
_ARTICLE_WORDS = frozenset({"a", "an", "one", "ein", "einer", "einem", "einen", "une", "un", "uno",
                            "una", "um", "uma", "en", "ett"})
_AGO_WORDS = frozenset({"ago", "vor", "hace", "fa", "geleden", "siden", "sedan", "temu", "há",
                        "atrás", "zuvor"})
TIME_WORDS = _TIME_WORDS  # the words of an age ("il y a", "hours", "Stunden")
AGO_WORDS = _AGO_WORDS  # the word of an age before or after its number ("vor", "ago")
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december|januar|jänner|februar|märz|mai|juni|juli|"
    "oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|"
    "décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    "diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "januari|februari|maart|mei|augustus|oktober|janeiro|fevereiro|março|maio|junho|julho|"
    "setembro|outubro|novembro|dezembro|"
    # Danish, Norwegian, Swedish; Polish (genitive, as dates use them, and nominative); Czech
    "marts|maj|augusti|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|"
    "października|listopada|grudnia|styczeń|luty|marzec|kwiecień|czerwiec|lipiec|sierpień|"
    "wrzesień|październik|listopad|grudzień|ledna|února|března|dubna|května|června|července|"
    "srpna|září|října|listopadu|prosince"
)
_DATE_TOKEN = re.compile(
    rf"(?i)\b(?:{_MONTHS})\b\.?|\b\d{{1,2}}(?:st|nd|rd|th)\b|\b\d{{1,4}}(?:[./:h-]\d{{1,4}}){{0,2}}\b\.?|"
    r"\b(?:at|um|am|pm|uhr|à|às|a las|alle|om|kl|klo|o|godz|de|del|of|on|le|el|the|st|nd|rd|th|"
    r"h|min|utc|gmt)\b"
)
# Every letter run the two patterns below can remove, for a quick refusal before them.
_DAY_PREFIXES = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
_DATE_WORDS = frozenset(_MONTHS.split("|")) | frozenset("""
at um am pm uhr à às a las alle om kl klo o godz de del of on le el the st nd rd th h min utc gmt
montag dienstag mittwoch donnerstag freitag samstag sonntag yesterday today gestern heute
aujourd hui ayer hoy ieri oggi gisteren vandaag igår idag wczoraj dzisiaj ontem hoje
""".split())  # noqa: SIM905 - a word list reads better as text
_DAY_NAMES = re.compile(
    r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag)\b|\b(?:yesterday|today|gestern|heute|aujourd'hui|ayer|hoy|"
    r"ieri|oggi|gisteren|vandaag|igår|idag|wczoraj|dzisiaj|ontem|hoje)\b"
)
# "Name says:" in the languages of the phrase tables (WordPress' translated comment templates).
SAYS_VERBS = (r"(?:says|said|wrote|sagt|meint|schreibt|schrieb|hat gesagt|dit|a dit|a écrit|dice|"
              r"dijo|escribió|scrive|ha detto|ha scritto|zegt|zei|schreef|skriver|skrev|siger|"
              r"sagde|sier|säger|disse|escreveu|diz|napisał|napisała|pisze|píše|napsal|"
              r"kirjoitti|yazdı)")
_TIME_OR_YEAR = re.compile(r"\d{1,2}:\d{2}|\d{4}")
_CLOCK_OR_DATE = re.compile(r"(?<!\d)\d{1,2}\s?[:h]\s?\d{2}(?!\d)|(?<!\d)\d{1,2}\s?([./-])\s?\d{1,2}"
                            r"\s?\1\s?(?:\d{4}|\d{2})(?!\d)|(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
_DAY_NUMBER = re.compile(r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])(?!\d)")
_WORD_RUN = re.compile(r"\w+")
_MONTH_WORDS = frozenset(_MONTHS.split("|"))


def _dateish(line: str) -> bool:
    """A time, a year or a month name somewhere in the line. (One regex alternating over
    every month name cost about 17 us a line; a set lookup per word costs a fraction.)"""
    return _TIME_OR_YEAR.search(line) is not None or any(
        w in _MONTH_WORDS for w in _WORD_RUN.findall(line.lower()))


_WORD = re.compile(r"\w{2,}")
# a number glued to a one- or two-letter unit of time ("5h" already reads as hours)
_GLUED_AGE = re.compile(r"^\d{1,3}(?:s|m|h|d|w|mo|y)(?:\s+ago)?$")  # ("3D" is no age)


@lru_cache(maxsize=4096)
def is_date_line(line: str) -> bool:
    """A line holding only a date, a time, or a relative age ("3 years ago")."""
    stripped = line.strip()
    if not stripped or len(stripped) > 60:
        return False
    has_digit = any(map(str.isdigit, stripped))
    if has_digit and _GLUED_AGE.match(stripped):
        return True  # "2d", "1w", "3mo", "45m ago": the compact age of feeds and widgets
    words = normalize(stripped).split()
    if not has_digit:  # "a year ago", "vor einer Woche", "Yesterday"
        return bool(words) and len(words) <= 5 and all(
            w in _TIME_WORDS or w in _DAY_WORDS or w in _ARTICLE_WORDS for w in words) and (
            all(w in _DAY_WORDS for w in words) or any(w in _AGO_WORDS for w in words))
    if words and all(w in _TIME_WORDS for w in words):
        return True
    other = False  # a weekday, month or small word of a date in another language
    for w in NON_LETTERS.split(stripped.lower()):
        if len(w) > 1 and w not in _DATE_WORDS and w[:3] not in _DAY_PREFIXES:
            if w not in calendar_words():
                return False  # a word no date has (the patterns below would keep it too)
            other = True
    rest = _DATE_TOKEN.sub(" ", _DAY_NAMES.sub(" ", stripped))
    if not other:
        return not _WORD.search(rest) and _dateish(stripped)
    # Those words count only beside a full date or a time of day ("Mo, 3.3.2024 - 14:25",
    # "ma 4 mrt 2024", "pon., 4 marca 2024"): many are short ("so", "do", "we", "out"), and a
    # bare year after them ("So 2024") is no date.
    if any(not (w.isalpha() and w.lower() in calendar_words()) for w in _WORD.findall(rest)):
        return False
    return _CLOCK_OR_DATE.search(stripped) is not None or (
        _DAY_NUMBER.search(stripped) is not None
        and any(w in calendar_months() or w in _MONTH_WORDS
                for w in NON_LETTERS.split(stripped.lower())))


def is_duration(line: str) -> bool:
    """A length of time, no point in time: "2 years", "8 months 26 days", "30 Minuten" (a
    cookie table's column), where an age says "ago" ("2 years ago", "vor 30 Minuten")."""
    stripped = line.strip()
    if not any(map(str.isdigit, stripped)) or _GLUED_AGE.match(stripped):
        return False
    words = normalize(stripped).split()
    return bool(words) and all(w in _TIME_WORDS and w not in _AGO_WORDS
                               and w not in ("il", "y", "a", "her", "seit")
                               for w in words)


_DIGIT = re.compile(r"\d")
# A forum post's subject line, replying: "Re: Neuer Radweg", "AW: ...", "Odp: ...".
REPLY_SUBJECT = re.compile(r"(?i)^(?:re|aw|antw|sv|odp|rif|res)\s*(?:\[\d+\])?\s*:\s*\S")
# "Kommentar Nr. 3 von Anna Berg", "Comment #3 by Anna": a comment's number, then its author.
NUMBERED_BY = re.compile(
    r"^(?i:kommentar|comment|commentaire|comentario|comentário|commento|reactie|komentarz|"
    r"antwort|reply|réponse|respuesta|risposta|resposta|beitrag)\s*(?i:nr\.?|no\.?|n°|nº|#)?"
    r"\s*\d{1,5}\s*[.:]?\s+(?i:von|by|de|di|van|od|fra|af|door|przez|from)\s+(?=\S)")
_INITIAL = re.compile(r"^[^\W\d_]\.,?$")
_INITIAL_END = re.compile(r"\s([^\W\d_])\.$")


_NAME_NOTE = re.compile(r"(?<=\S)\s*\([^\W\d_][^()]{0,24}\)$")


def without_name_note(line: str) -> str:
    """The line less a short note in brackets at its end, as sites print after a commenter's
    name ("Anna Berg (Gast)", "Anonymous (not verified)")."""
    return _NAME_NOTE.sub("", line) if line.endswith(")") else line  # (most lines: no search)


def is_initial(word: str) -> bool:
    """One letter and a full stop ("K.", "K.,"): a name's initial."""
    return _INITIAL.match(word) is not None


def ends_in_initial(text: str) -> bool:
    """The text ends in a word's initial ("Peter M.", "Tomasz Ł."): a name whose surname was
    cut, not a sentence, though it ends in a full stop. (Initials are capitals.)"""
    # (the last three characters decide: no search through a sentence that ends in ".")
    return len(text) >= 3 and text[-1] == "." and text[-3].isspace() and text[-2].isupper() \
        and _INITIAL_END.search(text[-3:]) is not None
_WROTE = re.compile(rf"(?i)\s+{SAYS_VERBS}$")
_BY_WORDS = frozenset({"by", "von", "par", "de", "por", "di", "da", "van", "door", "fra", "af",
                       "av", "od", "przez", "from"})
_NEVER_PARTICLE = frozenset({"by", "par", "por", "door", "fra", "af", "av", "od", "przez", "from"})
_BY = re.compile(
    r"^((?i:kommentar|comment|commentaire|comentario|commento|comentário|reactie|komentarz|"
    r"antwort|reply|réponse|respuesta|beitrag|post|posted|written|verfasst|geschrieben|"
    r"publié|publicado|pubblicato|geplaatst|skrevet|napisany|submitted|gespeichert|eingestellt|"
    r"erstellt|envoyé|inviato|enviado|ingezonden|indsendt|wysłany)\s+)?"
    r"((?i:by|von|par|de|por|di|da|van|door|fra|af|av|od|przez|from))\s+")
_DATE_PREPOSITIONS = frozenset({"am", "um", "vom", "le", "el", "il", "em", "op", "den", "on", "at",
                                "de", "du", "à", "a", "o", "w", "dne", "kl", "da", "del"})
_COMPACT_AGE = re.compile(r"\d\s?[^\W\d_]{1,4}\.?$")  # "2h", "3d", "5 min", "1 Std."
_AGE_WORD = re.compile(r"(?i)\b(?:" + "|".join(sorted(_AGO_WORDS)) + r"|il y a)\b")


def may_hold_date(line: str) -> bool:
    """A cheap test before the costly ones: a time, year or month name, or a number beside an
    age word ("vor 2 Stunden", "il y a 3 heures") or a short unit at the end ("· 2h")."""
    return _dateish(line) or bool(_DIGIT.search(line) and _AGE_WORD.search(line)) \
        or _COMPACT_AGE.search(line) is not None


@lru_cache(maxsize=4096)
def split_author_date(line: str) -> tuple[str, str] | None:
    """Split "Name June 28, 2015 at 10:25 pm" into (name, date) when the tail is a date."""
    if len(line) > 100:
        return None
    if not may_hold_date(line):
        return None  # neither a date nor an age: "Anna · vor 2 Stunden", "il y a 3 heures", "· 2h"
    line = line.strip().rstrip(":")  # "Anna Berg schrieb am 3. March 2024:"
    words = line.split()
    if len(words) > 16:
        return None  # a sentence that mentions a date, not a byline
    glued = _unglued(words)  # "Anna Berg3. März 2024": two elements printed with no space
    if glued is not None and (found := _name_first(" ".join(glued), glued)) is not None:
        return found
    return _name_first(line, words) or date_then_name(line)


_DAY_GLUED = re.compile(r"^\d{1,2}[.,]?$")
_FIRST_DIGIT = re.compile(r"(?<=[^\W\d_]|[._])\d")  # a digit right after a letter, "." or "_"


def _glue(word: str, following: str) -> tuple[str, str] | None:
    """(name part, date part) of a word the page glued from two elements with nothing
    between: "Berg3." / "K.4." before a month or after a day's full stop ("Anna Berg3. März
    2024", "Tomasz K.4. März"), a weekday after an initial or a lower-case letter ("K.Mo,",
    "BergMo,"), a whole weekday name glued in lower case ("Bergmandag"). Else None.
    (A user name's own digits, "jens1987", "anna82 vor 3 Tagen", are no day.)"""
    if len(word) < 3 or not word[0].isalpha():
        return None
    nxt = following.lower().rstrip(".,")
    digit = _FIRST_DIGIT.search(word, 2)
    if digit is not None:
        # a day of the month, then its full stop or a month ("3 de marzo"); a user name's
        # own digits ("Huppsel28 am", "cruefan83 December") are no day
        left, right = word[:digit.start()], word[digit.start():]
        if _DAY_GLUED.match(right) and 1 <= int(right.rstrip(".,")) <= 31 \
                and (left[-1] == "." or left[-2:].isalpha() or "_" in left) \
                and (right.endswith(".") or nxt in _MONTH_WORDS or nxt in calendar_months()
                     or nxt in ("de", "di", "del")):
            return left, right
        return None
    calendar = calendar_words()
    for cut in range(2, len(word)):
        left, right = word[:cut], word[cut:]
        day = right.rstrip(".,")
        if not (day.isalpha() and day.lower() in calendar):
            continue
        if (right.endswith((",", ".")) or following[:1].isdigit()) and left[-1] == "." \
                or right.endswith((",", ".")) and left[-1].islower() and right[0].isupper():
            return left, right  # "K.Mo,", "K.ma 4", "BergMo," ("SoSt am" is a user name)
        if right.endswith(".") and following[:1].isdigit() and (left[0].isupper() or "_" in left):
            return left, right  # "Berglun. 3 mars": an abbreviated weekday, then the day
        if len(day) >= 5 and (left[0].isupper() or "_" in left) and (
                following[:1].isdigit() or nxt in calendar):
            return left, right  # "Bergmandag den 4.": a whole weekday name
    return None


def _unglued(words: list[str]) -> list[str] | None:
    """The words with a space put back at the first glued word (see _glue), or None."""
    for k, w in enumerate(words[:6]):
        split = _glue(w, words[k + 1] if k + 1 < len(words) else "")
        if split is not None:
            return [*words[:k], *split, *words[k + 1:]]
    return None


def _name_first(line: str, words: list[str]) -> tuple[str, str] | None:
    for cut in range(1, min(len(words), 7)):
        head = " ".join(words[:cut])
        own = 1 if cut > 1 and words[0].lower() in _BY_WORDS else 0  # "Por jens1987 em …"
        if any(map(str.isdigit, head)) and not (HANDLE.match(words[own]) and not any(
                map(str.isdigit, " ".join(words[own + 1:cut])))):
            return None  # the date starts earlier: no name before it (a user name's own
            # digits aside: "jens1987 · 3h")
        if is_initial(words[cut]):
            continue  # "Tomasz K. 4. März 2024": the initial is the name's
        tail = " ".join(words[cut:])
        if is_date_line(tail):
            if is_date_line(line):
                return None  # a date alone ("il y a 3 heures" has no author "il")
            head = head.rstrip(" ,|-–·")
            last = head.rsplit(" ", 1)
            if len(last) == 2 and last[1] in _DATE_PREPOSITIONS:
                head = last[0].rstrip(" ,|-–·")  # "Anna Berg am 3. März": "am" is the date's
            head = _WROTE.sub("", head)  # "Anna Berg schrieb", "Anna a écrit"
            by = _BY.match(head)  # "Kommentar von Anna Berg", "Posted by Anna"
            if by and by.end() < len(head) and (by.group(1) or by.group(2).islower()
                                                 or by.group(2).lower() in _NEVER_PARTICLE):
                head = head[by.end():]  # (but "Da Silva", "Van Dijk" are names)
            if head.lower() in _BY_WORDS:
                return None
            if not head.strip(" ,|-–·»«"):
                return None
            tail = tail.lstrip(" ,|-–—·•»")
            first = tail.split(" ", 1)
            if len(first) == 2 and first[0].lower() in _DATE_PREPOSITIONS \
                    and is_date_line(first[1]):
                tail = first[1]  # "Anna Berg am Mo., 04.03.2024": the date without its "am"
            return head.strip(" ,|-–·»«"), tail
    return None


# The date first, then the name after a separator or "von"/"by" ("04.03.2024 | 14:25 Uhr |
# Anna Berg", "Am 4. März 2024 um 14:25 Uhr von Anna Berg"): the last separator splits.
_NAME_AFTER = re.compile(r"^(.*\S)\s+([|·•–—-]|(?i:von|by|par|de|por|di|da|door|fra|af|av|od|"
                         r"przez|from))\s+(\S.*)$")
# A user name as sites print them: one token of letters joined by "_" or ending in digits
# ("marco_b", "jens1987"), where a name would be capitalised.
HANDLE = re.compile(r"^[^\W\d_]{2,}(?:_[^\W_]+|\d{2,})+$")


def date_then_name(line: str) -> tuple[str, str] | None:
    """(name, date) of a byline that prints the date first, else None."""
    m = _NAME_AFTER.match(line)
    if not m:
        return None
    date, sep, name = m.group(1).rstrip(" ,|·•–—-"), m.group(2), m.group(3).strip(" ,|·•–—-»«")
    tokens = name.split()
    if not 1 <= len(tokens) <= 4 or ":" in name or not is_date_line(date):
        return None
    if HANDLE.match(name):
        return name, date  # "jens1987", "marco_b"
    if any(map(str.isdigit, name)) or not name[0].isupper():
        return None
    # after a bare separator one capitalised word is as often a section ("| Politik") as a
    # name: two words, or the "von"/"by" that says a name follows
    return (name, date) if len(tokens) >= 2 or sep[0].isalpha() else None
