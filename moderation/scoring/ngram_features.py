"""Hashed character and word n-gram features of normalized texts, in numpy: shared by the
linear model (``builtin:linear-tox``), multi-tox's per-language n-gram models and training.

Polynomial rolling hashes over the UTF-32 code points of all texts at once (prefix sums,
invertible multiplier), so every n-gram of every text is hashed without a Python loop over
characters; each n-gram length and word n-grams get their own salt before bucketing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_P = 0x100000001B3  # odd multiplier: invertible mod 2**64
_P_INV = pow(_P, -1, 1 << 64)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")  # words of the normalized text (letters, digits)
_ALNUM = np.array([chr(c).isalnum() for c in range(128)] + [False])  # [^\W_] is str.isalnum


_POW_CACHE: dict[int, np.ndarray] = {}


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) mod 2**64 (cached, grown by doubling)."""
    have = _POW_CACHE.get(base)
    if have is None or len(have) < n:
        size = max(n, 2 * len(have) if have is not None else 1 << 16)
        out = np.full(size, base, dtype=np.uint64)
        out[0] = 1
        with np.errstate(over="ignore"):
            out = np.cumprod(out, dtype=np.uint64)  # wraps mod 2**64, as intended
        _POW_CACHE[base] = have = out
    return have[:n]


def _bucket(h: np.ndarray, bits: int, salt: int) -> np.ndarray:
    x = (h + np.uint64(salt)) * _MIX
    x ^= x >> np.uint64(29)
    x *= _MIX
    return (x >> np.uint64(64 - bits)).astype(np.int64)


def _words(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of ``_WORD``'s matches in the code points ``cp``, which end with a
    non-word character: runs of letters and digits, where two runs joined by one apostrophe
    make one word and the regex, scanning on, starts afresh (a'b'c'd: a'b, c'd)."""
    isw = _ALNUM[np.minimum(cp, 128)]
    other = np.flatnonzero(cp >= 128)
    if len(other):
        u, inv = np.unique(cp[other], return_inverse=True)
        isw[other] = np.array([chr(c).isalnum() for c in u.tolist()], dtype=bool)[inv]
    edge = np.diff(isw.view(np.int8), prepend=0)
    s, e = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    link = (s[1:] == e[:-1] + 1) & (cp[e[:-1]] == ord("'"))  # run i, "'", run i + 1
    if not link.any():
        return s, e
    k = np.arange(len(link))
    chain = np.maximum.accumulate(np.where(link & ~np.r_[False, link[:-1]], k, 0))
    head = link & ((k - chain) % 2 == 0)  # first, third, ... link of a chain of links
    keep = ~np.r_[False, head]  # a run after a head's apostrophe is part of its word
    e = np.where(np.r_[head, False], np.r_[e[1:], 0], e)
    return s[keep], e[keep]


class Features:
    """Per-batch feature occurrences: row, bucket, and the char range [lo, hi) of each, in
    each row's normalized text."""

    def __init__(self, texts: Sequence[str], bits: int, char_ns: Sequence[int], word_ns: Sequence[int]):
        pieces, offs, pos = [], [], 0
        for t in texts:
            offs.append(pos)
            pieces.append(" " + t + " \x00")
            pos += len(t) + 3
        big = "".join(pieces)
        offs_a = np.asarray(offs + [pos], dtype=np.int64)
        cp32 = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
        cp = cp32.astype(np.uint64)
        n = len(cp)
        with np.errstate(over="ignore"):
            pw = _powers(_P, n + 1)
            pinv = _powers(_P_INV, n + 1)
            pref = np.zeros(n + 1, dtype=np.uint64)
            pref[1:] = np.cumsum(cp * (pw[:n] if n else pw[:0]), dtype=np.uint64)
            seg = np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(offs_a))
            rows, buckets, lo, hi = [], [], [], []
            for k in char_ns:
                m = max(0, n - k + 1)  # n-grams [a, a + k) for a < m: slices, not gathers
                ok = (seg[:m] == seg[k - 1:]) & (cp[k - 1:] != 0)
                a = np.flatnonzero(ok)
                h = ((pref[k:] - pref[:m]) * pinv[:m])[ok]
                rows.append(seg[:m][ok]); buckets.append(_bucket(h, bits, k))
                lo.append(a); hi.append(a + k)
            ws_a, we_a = _words(cp32)
            wh = (pref[we_a] - pref[ws_a]) * pinv[ws_a]
            wseg = seg[ws_a] if len(ws_a) else ws_a
            if 1 in word_ns:
                rows.append(wseg); buckets.append(_bucket(wh, bits, 101)); lo.append(ws_a); hi.append(we_a)
            if 2 in word_ns and len(ws_a) > 1:
                same = wseg[1:] == wseg[:-1]
                h2 = wh[:-1] * np.uint64(_P) + wh[1:] * np.uint64(31)
                rows.append(wseg[1:][same]); buckets.append(_bucket(h2[same], bits, 102))
                lo.append(ws_a[:-1][same]); hi.append(we_a[1:][same])
        self.n = len(texts)
        self.offsets = offs_a + 1  # where each text starts in ``big`` (after the leading space)
        self.row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        self.bucket = np.concatenate(buckets) if buckets else np.zeros(0, np.int64)
        self.lo = np.concatenate(lo) if lo else np.zeros(0, np.int64)
        self.hi = np.concatenate(hi) if hi else np.zeros(0, np.int64)
        self.big = big
        self.word_start, self.word_end, self.word_row = ws_a, we_a, wseg

    def matrix(self, idf: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Unique (row, bucket) pairs, sorted, with l2-normalized log-count * idf values, and
        each pair's occurrence count. The sort also yields each occurrence's pair, which only
        the span explanation needs (``pair_of``)."""
        key = self.row * (1 << bits) + self.bucket
        if self.n << bits < 1 << 31:  # int32 keys sort about twice as fast
            key = key.astype(np.int32)
        skey, self._perm = _sort_keys(key, self.n, bits)
        self._new = np.r_[True, skey[1:] != skey[:-1]] if len(skey) else np.zeros(0, bool)
        self._inv = None
        first = np.flatnonzero(self._new)
        counts = np.diff(np.r_[first, len(skey)])
        uniq = skey[first].astype(np.int64)
        r, b = uniq >> bits, uniq & ((1 << bits) - 1)
        v = (1.0 + np.log(counts)) * idf[b].astype(np.float64)
        norm = np.sqrt(np.bincount(r, weights=v * v, minlength=self.n))
        v = v / np.where(norm > 0, norm, 1.0)[r]
        return r, b, v, counts

    def pair_of(self, occurrences: np.ndarray) -> np.ndarray:
        """For these occurrence indices, the index of their pair in the last ``matrix``."""
        if self._inv is None:
            self._inv = np.empty(len(self._perm), dtype=np.int64)
            self._inv[self._perm] = np.cumsum(self._new) - 1
        return self._inv[occurrences]


def _sort_keys(key: np.ndarray, n_rows: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``key`` (row * 2**bits + bucket, non-negative) sorted, and the permutation that sorts it.

    A least-significant-digit radix sort: stable argsorts of 16-bit digits, which numpy does by
    radix, not by comparison. On 512 news comments (450k keys, two digits) about 9 ms, where
    one ``np.sort`` of the int32 keys took 13.5 ms and the permutation a 19 ms ``searchsorted``."""
    width = max(1, ((n_rows << bits) - 1).bit_length())
    perm = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    for shift in range(16, width, 16):
        digit = ((key >> shift) & 0xFFFF).astype(np.uint16)
        perm = perm[np.argsort(digit[perm], kind="stable")]
    return key[perm], perm


def weighted_sums(feats: Features, idf: np.ndarray, bits: int,
                  W: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Per text, the sum over its feature pairs of ``W[bucket] * value``: shape (texts, k) for
    W of shape (buckets, k), in W's precision. Also returns (rows, buckets, values, counts,
    contributions) for explaining a score (``LinearScorer.spans``)."""
    r, b, v, counts = feats.matrix(idf, bits)
    contrib = np.take(W, b, axis=0)  # (pairs, k); r is sorted. (take: twice as fast as W[b])
    contrib *= v.astype(W.dtype)[:, None]
    out = np.zeros((feats.n, W.shape[1]))
    if len(r):
        first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        out[r[first]] = np.add.reduceat(contrib, first, axis=0)
    return out, (r, b, v, counts, contrib)
