"""The language check's letter counting: the fast paths count exactly what the per-character
definition counts (Unicode category L*, script = first word of the character's name)."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

from moderation.scoring.language import check, letter_scripts


def by_definition(text: str) -> Counter[str]:
    def script(ch: str) -> str:
        first = unicodedata.name(ch, "").split(" ", 1)[0]
        return "CJK" if first in ("HIRAGANA", "KATAKANA") else (first or "UNKNOWN")

    return Counter(script(ch) for ch in text if unicodedata.category(ch).startswith("L"))


def test_letter_scripts_match_the_definition_on_ascii_and_any_unicode() -> None:
    rng = random.Random(7)
    texts = ["", "1234 !?", "Hello, World! x_y", "façade — 東京 ひらがな カタカナ", "ﬁ ǅ ʰ", "Привет",
             "a\u0301b\u200d", "\U0001d400\U0001d401 x", "\ud800 lone surrogate"]
    texts += ["".join(chr(rng.randrange(0, 0x3400)) for _ in range(40)) for _ in range(300)]
    texts += ["".join(chr(rng.randrange(0, 128)) for _ in range(60)) for _ in range(300)]
    for t in texts:
        assert letter_scripts(t) == by_definition(t), repr(t)


def test_check_still_routes_by_script_and_language() -> None:
    assert check("Привет, как дела? Это длинный комментарий.", {"en"})[1] is False
    assert check("This is clearly an English comment about the article.", {"en"}) == ("en", True)
    assert check("12345 !!!", {"en"}) == ("und", False)
