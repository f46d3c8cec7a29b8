"""A fixed-size Bloom filter over 63-bit hashes: which comments a streamed ingest may have met.

Written here rather than taken from a library: it is a dozen lines of numpy over hashes the
ingest has already computed, and it must answer a whole chunk at once (a library filter
answers one key per Python call, which is the cost being avoided).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SeenFilter:
    """``maybe_seen`` is False only for hashes never added: those need no database lookup.

    Three slices of each hash index a bit array of 16 bits per expected hash (a power of two,
    64 KiB to 16 MiB, fixed for the filter's life: memory does not grow with the file). Past
    the expected number, false positives grow; each costs one lookup and nothing else.
    """

    MAX_BITS = 1 << 27

    def __init__(self, expected: int | None = None) -> None:
        want = 16 * expected if expected else self.MAX_BITS
        self.bits = min(max(1 << 19, 1 << (want - 1).bit_length()), self.MAX_BITS)
        width = self.bits.bit_length() - 1
        self.shifts = (0, (63 - width) // 2, 63 - width)
        self._bits = np.zeros(self.bits // 8, dtype=np.uint8)

    def _positions(self, hashes: Sequence[int]) -> list[np.ndarray]:
        h = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
        mask = np.uint64(self.bits - 1)
        return [(h >> np.uint64(s)) & mask for s in self.shifts]

    def check_then_add(self, hashes: Sequence[int]) -> np.ndarray:
        """For each hash, whether it may have been added before this call; then add them all."""
        if not hashes:
            return np.zeros(0, dtype=bool)
        maybe = np.ones(len(hashes), dtype=bool)
        positions = self._positions(hashes)
        for pos in positions:
            byte, bit = pos >> np.uint64(3), (pos & np.uint64(7)).astype(np.uint8)
            maybe &= (self._bits[byte] >> bit) & 1 == 1
        for pos in positions:
            byte, bit = pos >> np.uint64(3), (pos & np.uint64(7)).astype(np.uint8)
            np.bitwise_or.at(self._bits, byte, np.left_shift(np.uint8(1), bit))
        return maybe
