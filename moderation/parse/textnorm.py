"""The letters-only, lower-case form of a line that the phrase tables and the date vocabulary
are matched against."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

NON_LETTERS = re.compile(r"[\W\d_]+")  # (a run of anything but letters)
_CAMEL_JOIN = re.compile(r"(?<=[a-zäöüéèàß])(?=[A-ZÄÖÜ])")
_CAMEL_PAIR = re.compile(r"[a-zäöüéèàß][A-ZÄÖÜ]")


@lru_cache(maxsize=8192)
def normalize(line: str) -> str:
    """Lower-case letters-only form used for phrase matching (digits and symbols dropped)."""
    # "NewestMost Voted": themes glue buttons together; split at a lower-to-upper join.
    # (the look-behind pattern tests every position: a plain search finds the rare join first)
    text = _CAMEL_JOIN.sub(" ", line) if _CAMEL_PAIR.search(line) else line
    if text.isascii():
        # the same as the regex below, for ASCII: every non-letter a separator
        return " ".join(text.lower().translate(_ASCII_NON_LETTERS).split())
    text = unicodedata.normalize("NFKC", text)
    return NON_LETTERS.sub(" ", text.lower()).strip()


_ASCII_NON_LETTERS = {c: " " for c in range(128) if not chr(c).isalpha()}
