"""Property tests: no input makes a parser fail with anything but InputError or ParseError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.documents import ParseResult
from moderation.errors import InputError
from moderation.parse import FORMATS, parse_bytes
from moderation.parse.text import parse_text

_settings = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])
_markup = st.lists(st.sampled_from([
    "<div class='comment'>", "<div class='comment-content'>", "</div>", "<p>", "</p>",
    "<li id='comment-1' class='comment'>", "<b class='fn'>", "</b>", "<?xml version='1.0'?>",
    "<disqus>", "<post>", "<message>", "</message>", "</post>", "<rss>", "<item>",
    "<wp:comment>", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "Notify of\n", "1. ", "\n\n",
    "Reply", "Jane Doe\n", "text, more text. ", '{"text": "x"}\n', ",", '"', "\x00", "\ufeff",
]), max_size=40).map("".join)


def _check(data: bytes, fmt: str | None) -> None:
    try:
        result = parse_bytes(data, "prop.in", fmt)
    except InputError as exc:  # ParseError is an InputError
        assert "prop.in" in str(exc)
        return
    assert isinstance(result, ParseResult)
    for article in result.articles:
        for comment in article.comments:
            assert comment.text.strip()


@_settings
@given(st.binary(max_size=2000), st.sampled_from((None, *FORMATS)))
def test_arbitrary_bytes(data: bytes, fmt: str | None) -> None:
    _check(data, fmt)


@_settings
@given(_markup, st.sampled_from((None, *FORMATS)))
def test_markup_soup(text: str, fmt: str | None) -> None:
    _check(text.encode("utf-8", "surrogatepass"), fmt)


@_settings
@given(st.text(max_size=3000))
def test_text_parser_total(text: str) -> None:
    article = parse_text(text)
    assert all(c.text == c.text.strip() and c.text for c in article.comments)
