"""Is a comment in a language the model covers? Script check plus py3langid, biased to "yes".

A model scoring a language it was not trained on produces confident-looking numbers that mean
little, so such a comment must go to a human instead of being reported clean. False alarms
cost a moderator a glance; a missed one hides abuse, but flagging every short English comment
would bury the queue, so the rule only flags what it is fairly sure of:

1. no letters at all (emoji, digits, punctuation only): undetermined (``und``), not covered;
2. most letters in a script none of the covered languages is written in (Han, Arabic, Greek,
   Cyrillic for an English-only model, ...): not covered;
3. at least ``MIN_LETTERS`` letters and py3langid's best guess is an uncovered language with
   probability >= ``MIN_CONFIDENCE`` while the covered languages together get < ``MAX_COVERED``:
   not covered; otherwise covered (short or ambiguous text is given the benefit of the doubt).

py3langid (langid.py's maintained fork, by trafilatura's author): 97 languages, a 4.6 MB
wheel with numpy as its only dependency, a model stored as npz (no pickle), deterministic and
fast; lingua is more accurate on very short text but ships a 96 MB wheel.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

MIN_LETTERS = 12
MIN_CONFIDENCE = 0.5
MAX_COVERED = 0.1

# The script each language is written in (those a Detoxify model covers, and near neighbours).
SCRIPTS = {
    "en": "LATIN",
    "fr": "LATIN",
    "es": "LATIN",
    "it": "LATIN",
    "pt": "LATIN",
    "tr": "LATIN",
    "de": "LATIN",
    "nl": "LATIN",
    "pl": "LATIN",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "bg": "CYRILLIC",
    "sr": "CYRILLIC",
    "el": "GREEK",
    "ar": "ARABIC",
    "fa": "ARABIC",
    "he": "HEBREW",
    "hi": "DEVANAGARI",
    "zh": "CJK",
    "ja": "CJK",
    "ko": "HANGUL",
}

_lock = threading.Lock()
_identifier: Any = None


def _langid() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


@functools.lru_cache(maxsize=1 << 16)
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    if first in ("HIRAGANA", "KATAKANA"):
        return "CJK"
    return first or "UNKNOWN"


# ASCII bytes that are not letters: deleting them leaves the letters (all LATIN).
_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def letter_scripts(text: str) -> Counter[str]:
    """How many letters (Unicode category L*, i.e. ``str.isalpha``) of each script the text
    has (first word of the Unicode name). Most comments are ASCII: counted in C there, and a
    character's script is looked up once per process otherwise."""
    if text.isascii():
        n = len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
        return Counter({"LATIN": n}) if n else Counter()
    return Counter(map(_script, filter(str.isalpha, text)))


# English function words that are not also common words of a neighbouring Latin-script language
# (no "a", "no", "me", "in", "is", "on", "do", "to", "die", "so").
_EN_MARKERS = frozenset(
    ["the", "and", "you", "that", "this", "with", "your", "what", "they", "have", "are", "was", "just", "would", "there", "their", "about", "been", "were", "which", "when", "who", "will", "not", "but", "from", "because"])
_WORD = re.compile(r"[a-z']+")
# The same words in ASCII text, in C: bytes other than a-z and ' become spaces, then split().
_NON_WORD = bytes(b if 97 <= b <= 122 or b == 39 else 32 for b in range(256))
_EN_MARKERS_B = frozenset(w.encode() for w in _EN_MARKERS)


def clearly_english(text: str) -> bool:
    """At least three English function words, making up a tenth or more of the words.

    A fast path only: anything it does not accept goes to the language identifier.
    """
    head = text[:2000]
    if head.isascii():
        words, markers = head.encode("ascii").lower().translate(_NON_WORD).split(), _EN_MARKERS_B
    else:
        words, markers = _WORD.findall(head.lower()), _EN_MARKERS
    if len(words) < 4:
        return False
    hits = sum(map(markers.__contains__, words))
    return hits >= 3 and hits * 10 >= len(words)


# What says nothing about a comment's language: links, @handles (platforms write "@user" or a
# reader's name), a retweet mark, the "#" of a hashtag. Left in, the Latin letters of a link or of
# "@anonymized_account" pull py3langid towards English.
_NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|@[\w.-]+|(?<!\w)RT(?!\w)|#(?=\w)", re.IGNORECASE)


def identifiable(text: str) -> str:
    """The part of ``text`` that shows its language: NFKC (fullwidth and "mathematical"
    letters, a common disguise, count as the letters they show), without links, @handles,
    retweet marks and hashtag signs; lowercased when shouted (py3langid learned from
    sentence-case text: "POLSKOŚĆ TO NIE NORMALNOŚĆ" reads as English). A text that would keep
    no letter is returned as it was."""
    text = unicodedata.normalize("NFKC", text)
    if "@" in text or "/" in text or "#" in text or "RT" in text or "rt" in text:
        kept = _NOT_LANGUAGE.sub(" ", text)
        if any(map(str.isalpha, kept)):
            text = kept
    upper = sum(map(str.isupper, text))
    if upper >= 8 and upper * 10 >= sum(map(str.isalpha, text)) * 7:
        text = text.lower()
    return text


def check(text: str, covered: Iterable[str]) -> tuple[str | None, bool]:
    """(language code or None when too short to tell, whether the model covers it)."""
    covered = frozenset(covered)
    text = identifiable(text)
    scripts = letter_scripts(text)
    letters = sum(scripts.values())
    if letters == 0:
        return "und", False
    covered_scripts = {SCRIPTS[c] for c in covered if c in SCRIPTS}
    # Only when every covered language's script is known, or a covered one could be refused.
    if covered_scripts and all(c in SCRIPTS for c in covered):
        main_script, count = scripts.most_common(1)[0]
        if main_script not in covered_scripts and count * 2 > letters:
            lang, _ = _langid().classify(text)
            return str(lang), False
    if letters < MIN_LETTERS:
        return None, True
    if "en" in covered and clearly_english(text):
        return "en", True  # the common case, without ranking 97 languages
    # py3langid's best guess first: when it is a covered language, ranking all 97 (half the
    # cost of a call) cannot change the answer, as rank's first entry is that same guess.
    top, _ = _langid().classify(text)
    if top in covered:
        return str(top), True
    ranked = _langid().rank(text)
    top, p_top = ranked[0]
    covered_mass = sum(p for lang, p in ranked if lang in covered)
    if top not in covered and p_top >= MIN_CONFIDENCE and covered_mass < MAX_COVERED:
        return str(top), False
    best = (
        top
        if top in covered
        else max(((p, lang) for lang, p in ranked if lang in covered), default=(0.0, None))[1]
    )
    return (str(best) if best else None), True


def probabilities(text: str) -> dict[str, float]:
    """py3langid's probability of each language for ``text`` (as ``check`` reads it); the
    English fast path's texts are English for certain."""
    text = identifiable(text)
    if clearly_english(text):
        return {"en": 1.0}
    return {str(lang): float(p) for lang, p in _langid().rank(text)}


# Sentences (or lines) of a comment, for telling a comment written in two languages.
_SEGMENT = re.compile(r"[^.!?\n]+[.!?\n]*")
MIXED_MIN_LETTERS = 30  # letters a second language needs, and the share of the identified ones
MIXED_MIN_SHARE = 0.25
MIXED_CONFIDENCE = 0.9  # a sentence counts only when py3langid is this sure of it


def mixed(text: str) -> tuple[str, ...] | None:
    """The languages of a comment written in more than one (most letters first), or None.

    Each sentence of at least 20 letters that py3langid places with probability 0.9 or more
    counts its letters for that language; a comment is mixed when two or more languages have
    ``MIXED_MIN_LETTERS`` letters and ``MIXED_MIN_SHARE`` of the counted ones each. One model
    scores it in one language, so it goes to a person (status ``mixed_language``). Measured on
    the labeled sets' train rows (bench/routing_share.py): 0.1% of German and Danish tweets,
    fewer elsewhere, all of them bilingual or translated."""
    text = identifiable(text[:20000])
    if len(text) < 2 * MIXED_MIN_LETTERS or sum(map(str.isalpha, text)) < 2 * MIXED_MIN_LETTERS:
        return None
    letters: Counter[str] = Counter()
    for seg in _SEGMENT.findall(text):
        n = sum(map(str.isalpha, seg))
        if n >= 20:
            lang, p = _langid().classify(seg)
            if p >= MIXED_CONFIDENCE:
                letters[str(lang)] += n
    total = sum(letters.values())
    langs = tuple(lang for lang, n in letters.most_common()
                  if n >= MIXED_MIN_LETTERS and n >= MIXED_MIN_SHARE * total)
    return langs if len(langs) > 1 else None


def status_of(text: str, covered: bool) -> str:
    """A scored comment's status from its language: ``unsupported_language`` when the model
    does not cover it, ``mixed_language`` when it is written in more than one (``mixed``),
    else ``ok``. Both send it to a person with the reason."""
    if not covered:
        return "unsupported_language"
    return "mixed_language" if mixed(text) else "ok"


def likely_among(text: str, candidates: Iterable[str], covered: Iterable[str],
                 min_share: float = 0.05) -> str | None:
    """For a text ``check`` gave the benefit of the doubt: the most probable of ``candidates``
    when the ``covered`` languages together are under ``MAX_COVERED`` and that candidate has at
    least ``min_share`` (Danish is often ranked behind Norwegian, say, yet far from English)."""
    text = identifiable(text)
    if sum(letter_scripts(text).values()) < MIN_LETTERS:
        return None
    covered, candidates = frozenset(covered), frozenset(candidates)
    if "en" in covered and clearly_english(text):
        return None
    ranked = _langid().rank(text)
    if sum(p for lang, p in ranked if lang in covered) >= MAX_COVERED:
        return None
    p, lang = max(((p, lang) for lang, p in ranked if lang in candidates), default=(0.0, None))
    return str(lang) if lang is not None and p >= min_share else None
