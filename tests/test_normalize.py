"""normalize(): obfuscation undone, raw offsets kept."""

from __future__ import annotations

import pytest

from moderation.scoring.normalize import normalize

CASES = [
    ("You are a f*cking idiot", "you are a fucking idiot"),
    ("f.u.c.k you", "fuck you"),
    ("f u c k off", "fuck off"),
    ("f-u-c-k off", "fuck off"),
    ("fu\u200bck you", "fuck you"),
    ("fu\u0441k you", "fuck you"),  # Cyrillic es
    ("ｆｕｃｋ you", "fuck you"),  # fullwidth
    ("f4ck off sh1t", "fuck off shit"),
    ("a$$hole", "asshole"),
    ("a**hole", "asshole"),
    ("b!tch", "bitch"),
    ("fuuuuuck", "fuuck"),
]


@pytest.mark.parametrize("raw,want", CASES)
def test_obfuscations(raw: str, want: str) -> None:
    assert normalize(raw).text == want


@pytest.mark.parametrize("raw", ["Hello world, 2017 was the 4th year.", "Привет мир", "Café naïve", "@USER hi"])
def test_ordinary_text_left_alone(raw: str) -> None:
    assert normalize(raw).text == raw.lower()


def test_offsets_map_back_to_raw() -> None:
    raw = "ok \uff49\uff44\uff49\uff4f\uff54 and m\u200bor\u043en here"
    n = normalize(raw)
    assert n.text == "ok idiot and moron here"
    i = n.text.index("idiot")
    s, e = n.raw_span(i, i + 5)
    assert raw[s:e] == "\uff49\uff44\uff49\uff4f\uff54"
    i = n.text.index("moron")
    s, e = n.raw_span(i, i + 5)
    assert raw[s:e] == "m\u200bor\u043en"
    j = n.text.index("here")
    assert raw[slice(*n.raw_span(j, j + 4))] == "here"


def test_spaced_letters_map_to_whole_raw_run() -> None:
    raw = "well f.u.c.k you"
    n = normalize(raw)
    i = n.text.index("fuck")
    assert raw[slice(*n.raw_span(i, i + 4))] == "f.u.c.k"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALPHABET = st.sampled_from(list("abcdefuck .-*#$@!0134 \u200b\u00adаеос\uff46\uff55ﬁßİ\u0301\n"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_ALPHABET)))
def test_offset_map_is_total_and_ordered(raw: str) -> None:
    n = normalize(raw)
    if n.starts is None:
        assert len(n.text) == len(raw)
        return
    assert len(n.starts) == len(n.ends) == len(n.text)
    assert all(0 <= s < e <= len(raw) for s, e in zip(n.starts, n.ends))
    assert list(n.starts) == sorted(n.starts)
    if n.text:
        s, e = n.raw_span(0, len(n.text))
        assert 0 <= s < e <= len(raw)


def test_a_word_split_by_one_inner_separator_is_joined_only_when_abusive() -> None:
    from moderation.scoring.normalize import normalize

    assert normalize("you are st.upid").text == "you are stupid"
    assert normalize("an id-iot").text == "an idiot"
    for benign in ("see example.com", "e-mail me", "snake_case", "U.S. policy"):
        assert normalize(benign).text == benign.lower()
    n = normalize("ok st.upid")
    assert n.raw_span(3, 9) == (3, 10)  # the span covers the raw word, dot included


_SEPARATORS = st.text(alphabet="ab z09.-_*+~|/@$!13457#%\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.text(alphabet=_ALPHABET), _SEPARATORS), max_size=8))
def test_normalize_many_is_normalize_of_each(texts: list[str]) -> None:
    from moderation.scoring.normalize import normalize_many

    assert normalize_many(texts) == [normalize(t) for t in texts]
    cases = [raw for raw, _ in CASES] + ["f u c k", "s0000 aaa", "x-y st.upid", "a$ b", "U.S. x"]
    assert normalize_many(cases) == [normalize(t) for t in cases]
