"""Undo common obfuscation (f*ck, f.u.c.k, zero-width, look-alikes, fullwidth, f4ck), keeping
a map from every normalized character back to the raw text so spans land on raw offsets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Cyrillic / Greek / other letters that render like Latin ones (subset of Unicode confusables).
CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g", "ո": "n", "ս": "u", "ӏ": "l", "ɑ": "a", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ɩ": "i", "ʏ": "y", "ᴠ": "v",
}
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
# Words people mask with * # % (f*ck, f**k, a**hole, sh!t is handled by LEET).
MASKABLE = (
    "fuck fucking fucked fucker fuckers fucks motherfucker shit shitty bullshit bitch bitches "
    "cunt cunts asshole assholes ass dick dicks cock pussy bastard bastards whore whores slut "
    "sluts nigger niggers nigga niggas faggot faggots fag retard retarded damn crap piss twat "
    "wanker prick idiot idiots stupid moron morons hell"
).split()
_MASK_BY_LEN: dict[int, list[str]] = {}
for _w in MASKABLE:
    _MASK_BY_LEN.setdefault(len(_w), []).append(_w)

_LEET_TOKEN = re.compile(r"[a-z0-9@$!]*[013457@$!][a-z0-9@$!]*")  # holds a leet char
# Cheap pre-check: a letter next to a leet char (an @mention's leading @ does not count).
_LEET_HINT = re.compile(r"[a-z][013457@$!]|[013457$][a-z]")
_MASK_TOKEN = re.compile(r"[a-z][a-z*#%]*[*#%][a-z*#%]*")
# Three or more single letters split by the same kind of separator: f.u.c.k, f u c k, f-u-c-k.
_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*+~|/]{1,2}[a-z](?![a-z0-9])){2,}")
_REPEAT = re.compile(r"([a-z])\1{2,}")
# A word split by one inner separator (st.upid, id-iot): joined only when the result is one of
# the MASKABLE words, so that example.com, e-mail or snake_case stay as they are.
_SPLIT = re.compile(r"(?<![a-z0-9])([a-z]+)[.\-_*]([a-z]+)(?![a-z0-9])")
_MASKABLE_SET = frozenset(MASKABLE)


@dataclass(frozen=True)
class Normalized:
    """``text`` with ``starts[i]``/``ends[i]``: the raw char range normalized char i came from."""

    raw: str
    text: str
    starts: tuple[int, ...] | None = None  # None: identity map
    ends: tuple[int, ...] | None = None

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized [start, end) onto the raw text."""
        if end <= start:
            return (0, 0)
        if self.starts is None or self.ends is None:
            return (start, end)
        return (self.starts[start], self.ends[end - 1])


def _is_dropped(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("Cf", "Mn", "Me", "Cc") and ch not in "\n\t\r"


def _unicode_pass(text: str) -> tuple[list[str], list[int], list[int]]:
    """Strip format/combining chars, NFKC and casefold each char, map look-alikes."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            chars.append(ch.lower())
            starts.append(i)
            ends.append(i + 1)
            continue
        if _is_dropped(ch):
            continue
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if _is_dropped(c):
                continue
            chars.append(c)
            starts.append(i)
            ends.append(i + 1)
    # Look-alikes only inside tokens that also hold a Latin letter, or consist only of
    # look-alikes, so real Russian or Greek words are left alone.
    n = len(chars)
    i = 0
    while i < n:
        if chars[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not chars[j].isspace():
            j += 1
        tok = chars[i:j]
        if any(c in CONFUSABLES for c in tok):
            letters = [c for c in tok if c.isalpha()]
            if any("a" <= c <= "z" for c in tok) or all(c in CONFUSABLES for c in letters):
                for k in range(i, j):
                    chars[k] = CONFUSABLES.get(chars[k], chars[k])
        i = j
    return chars, starts, ends


def _leet(m: re.Match[str]) -> str:
    tok = m.group(0)
    letters = sum(c.isalpha() for c in tok)
    if letters < 2 or letters == len(tok):
        return tok
    for word in _MASK_BY_LEN.get(len(tok), ()):  # f4ck, sh1t: leet chars as wildcards
        if all(t == w or (t in LEET and k > 0) for k, (t, w) in enumerate(zip(tok, word))):
            return word
    out = list(tok)
    for k, c in enumerate(tok):
        if c not in LEET:
            continue
        prev_l = k > 0 and tok[k - 1].isalpha()
        next_l = k + 1 < len(tok) and tok[k + 1].isalpha()
        near = prev_l or next_l or (k > 0 and tok[k - 1] in LEET) or (k + 1 < len(tok) and tok[k + 1] in LEET)
        if c == "!" and not (prev_l and next_l):
            continue
        if k == 0 and (c == "@" or letters < 3 or not next_l):
            continue
        if near:
            out[k] = LEET[c]
    return "".join(out)


def _unmask(m: re.Match[str]) -> str:
    tok = m.group(0)
    for word in _MASK_BY_LEN.get(len(tok), ()):
        if all(t == w or t in "*#%" for t, w in zip(tok, word)) and tok[0] == word[0]:
            return word
    return tok


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_PLAIN: dict[str, bool] = {}


def _plain(ch: str) -> bool:
    """A non-ASCII char that normalization leaves alone (curly quotes, accented letters)."""
    ok = _PLAIN.get(ch)
    if ok is None:
        ok = (len(ch.lower()) == 1 and unicodedata.normalize("NFKC", ch) == ch
              and not _is_dropped(ch) and ch not in CONFUSABLES)
        _PLAIN[ch] = ok
    return ok


def normalize(text: str) -> Normalized:
    """Lowercased, de-obfuscated copy of ``text`` with a map back to raw offsets."""
    if text.isascii() or all(_plain(c) for c in _NON_ASCII.findall(text)):
        s = text.lower()
        starts: list[int] | None = None
        ends: list[int] | None = None
    else:
        chars, starts, ends = _unicode_pass(text)
        s = "".join(chars)
    # Length-preserving rewrites (the offset map is unchanged).
    if _LEET_HINT.search(s):
        s = _LEET_TOKEN.sub(_leet, s)
    if any(c in s for c in "*#%"):
        s = _MASK_TOKEN.sub(_unmask, s)
    # Deletions: separators between spelled-out letters, runs of 3+ of one letter.
    drop: set[int] = set()
    for m in _SPACED.finditer(s):
        drop.update(m.start() + k for k, c in enumerate(m.group(0)) if not c.isalpha())
    if any(c in s for c in ".-_*"):
        for m in _SPLIT.finditer(s):
            if m.group(1) + m.group(2) in _MASKABLE_SET:
                drop.add(m.end(1))
    for m in _REPEAT.finditer(s):
        drop.update(range(m.start() + 2, m.end()))
    if drop:
        if starts is None or ends is None:
            starts = list(range(len(s)))
            ends = [i + 1 for i in starts]
        keep = [i for i in range(len(s)) if i not in drop]
        s = "".join(s[i] for i in keep)
        starts = [starts[i] for i in keep]
        ends = [ends[i] for i in keep]
    if starts is None or ends is None:
        return Normalized(text, s)
    return Normalized(text, s, tuple(starts), tuple(ends))
