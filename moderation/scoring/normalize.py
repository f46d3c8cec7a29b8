"""Undo common obfuscation (f*ck, f.u.c.k, zero-width, look-alikes, fullwidth, f4ck), keeping
a map from every normalized character back to the raw text so spans land on raw offsets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def _needs_unicode_pass(text: str) -> bool:
    """Some character of ``text`` is folded, stripped or mapped (not plain ASCII or plain
    letters): the offset-keeping Unicode pass must run before the rewrites."""
    return not (text.isascii() or all(_plain(c) for c in _NON_ASCII.findall(text)))


def normalize(text: str) -> Normalized:
    """Lowercased, de-obfuscated copy of ``text`` with a map back to raw offsets."""
    if not _needs_unicode_pass(text):
        return _rewrite(text, text.lower(), None, None, None)
    chars, starts, ends = _unicode_pass(text)
    return _rewrite(text, "".join(chars), starts, ends, None)


def normalize_many(texts: Sequence[str]) -> list[Normalized]:
    """``[normalize(t) for t in texts]``, faster: one numpy pass over all the lowercased texts
    finds those where a rewrite's pattern cannot match, and its regex is skipped there."""
    lowered = [None if _needs_unicode_pass(t) else t.lower() for t in texts]
    may = _may_match([s for s in lowered if s is not None])
    out, k = [], 0
    for t, s in zip(texts, lowered):
        if s is None:
            chars, starts, ends = _unicode_pass(t)
            out.append(_rewrite(t, "".join(chars), starts, ends, None))
        else:
            out.append(_rewrite(t, s, None, None, may[k]))
            k += 1
    return out


# Character classes of the rewrites' patterns, as bits of a table over ASCII (128: all else).
_AZ, _AN, _LEET_AFTER, _LEET_BEFORE, _SPACED_SEP, _SPLIT_SEP = 1, 2, 4, 8, 16, 32
_CLASSES = np.zeros(129, dtype=np.uint8)
for _c in range(128):
    _ch = chr(_c)
    _CLASSES[_c] = (("a" <= _ch <= "z") * _AZ | ("a" <= _ch <= "z" or "0" <= _ch <= "9") * _AN
                    | (_ch in "013457@$!") * _LEET_AFTER | (_ch in "013457$") * _LEET_BEFORE
                    | (_ch in " .-_*+~|/") * _SPACED_SEP | (_ch in ".-_*") * _SPLIT_SEP)


def _may_match(lowered: Sequence[str]) -> list[tuple[bool, bool, bool, bool]]:
    """Per text: whether ``_LEET_HINT``, ``_SPACED``, ``_SPLIT`` and ``_REPEAT`` may match it
    (False: they surely do not). Necessary conditions on neighbouring characters, checked for
    all texts at once; "\n" between texts is in none of the classes, as no text's edge is."""
    if not lowered:
        return []
    big = "\n" + "\n".join(lowered) + "\n"
    cp = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    c = _CLASSES[np.minimum(cp, 128)]
    az, an = (c & _AZ) > 0, (c & _AN) > 0
    sep = (c & _SPACED_SEP) > 0
    lone = az[1:-1] & ~an[:-2]  # a letter not after a letter or digit; at i + 1
    after = az[1:-1] & ~an[2:]  # a letter not before one; at i + 1
    conds = (
        # [a-z][013457@$!]|[013457$][a-z]: the pattern itself
        (az[:-1] & ((c[1:] & _LEET_AFTER) > 0)) | (((c[:-1] & _LEET_BEFORE) > 0) & az[1:]),
        # a lone letter, one or two separators, then a letter not before a letter or digit
        lone[:-2] & sep[2:-2] & (after[2:] | (sep[3:-1] & np.r_[after[3:], False])),
        # a letter, a separator, a letter
        az[:-2] & ((c[1:-1] & _SPLIT_SEP) > 0) & az[2:],
        # one letter three times
        az[:-2] & (cp[:-2] == cp[1:-1]) & (cp[1:-1] == cp[2:]),
    )
    starts = np.cumsum([0] + [len(s) + 1 for s in lowered])  # each text's "\n" in big
    flags = np.zeros((len(lowered), len(conds)), dtype=bool)
    for j, cond in enumerate(conds):
        flags[np.searchsorted(starts, np.flatnonzero(cond), side="right") - 1, j] = True
    return [tuple(f) for f in flags.tolist()]


def _rewrite(text: str, s: str, starts: list[int] | None, ends: list[int] | None,
             may: tuple[bool, bool, bool, bool] | None) -> Normalized:
    """The de-obfuscating rewrites of the lowercased ``s``; ``may``: from ``_may_match``."""
    may_leet, may_spaced, may_split, may_repeat = may or (True, True, True, True)
    # Length-preserving rewrites (the offset map is unchanged).
    before = s
    if may_leet and _LEET_HINT.search(s):
        s = _LEET_TOKEN.sub(_leet, s)
    if any(c in s for c in "*#%"):
        s = _MASK_TOKEN.sub(_unmask, s)
    if s is not before and s != before:  # new letters: ``may`` no longer holds
        may_spaced = may_split = may_repeat = True
    # Deletions: separators between spelled-out letters, runs of 3+ of one letter.
    drop: set[int] = set()
    if may_spaced:
        for m in _SPACED.finditer(s):
            drop.update(m.start() + k for k, c in enumerate(m.group(0)) if not c.isalpha())
    if may_split and any(c in s for c in ".-_*"):
        for m in _SPLIT.finditer(s):
            if m.group(1) + m.group(2) in _MASKABLE_SET:
                drop.add(m.end(1))
    if may_repeat:
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
