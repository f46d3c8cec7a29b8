"""Property tests (Hypothesis) of every parser and exporter (issue 9, item 4).

Parsers (text, html, wxr, disqus, csv, jsonl; forced and sniffed): arbitrary text, bytes and
nesting never raise anything but InputError/ParseError, and a document built from generated
comments, with a garbage record slipped in, gives every good comment back with its text intact.
Exporters (CSV, JSONL): what is written always parses back to the same rows (CSV through the
documented, reversible apostrophe rule: ``export.unneutralize``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation import export as ex
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.errors import InputError
from moderation.parse import FORMATS, parse_bytes
from moderation.store import Store

# $PROPERTY_EXAMPLES raises the example counts for a longer hunt (e.g. 1000 before a release).
SCALE = int(os.environ.get("PROPERTY_EXAMPLES", "40"))
FAST = settings(max_examples=SCALE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(max_examples=max(15, SCALE // 3), deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])

# Source names: each extension the sniffer knows, and none.
SOURCES = ["x", "x.txt", "x.html", "x.xml", "x.csv", "x.jsonl"]
FORMAT_CHOICES = [None, *FORMATS]


def parse_or_refuse(data: bytes, source: str, fmt: str | None) -> ParseResult | None:
    """Parse; an InputError (ParseError included) is a refusal, anything else a crash."""
    try:
        result = parse_bytes(data, source, fmt)
    except InputError as exc:
        assert str(exc)  # a refusal says why
        return None
    assert isinstance(result, ParseResult) and result.format in FORMATS
    for article in result.articles:
        for comment in article.comments:
            assert isinstance(comment.text, str) and comment.text
    return result


# -- never a crash --------------------------------------------------------------------------------

XML_TEMPLATES = [
    (b'<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>%s'
     b"</item></channel></rss>"),
    b'<?xml version="1.0"?><disqus xmlns:dsq="http://disqus.com/disqus-internals">%s</disqus>',
    b"<html><body><div class='comment'><div class='comment-content'>%s</div></div></body></html>",
    b'{"text": "%s"}\n',
    b"text,author\n%s,x\n",
    b"Title\n\nBody\n\nComments\n\n%s\n",
]


@FAST
@given(data=st.binary(max_size=3000), source=st.sampled_from(SOURCES),
       fmt=st.sampled_from(FORMAT_CHOICES))
def test_arbitrary_bytes_never_crash_a_parser(data: bytes, source: str, fmt: str | None) -> None:
    parse_or_refuse(data, source, fmt)


@FAST
@given(text=st.text(max_size=2000), source=st.sampled_from(SOURCES),
       fmt=st.sampled_from(FORMAT_CHOICES), encoding=st.sampled_from(["utf-8", "utf-16"]))
def test_arbitrary_text_never_crashes_a_parser(text: str, source: str, fmt: str | None,
                                               encoding: str) -> None:
    parse_or_refuse(text.encode(encoding, "surrogatepass"), source, fmt)


@FAST
@given(template=st.sampled_from(XML_TEMPLATES), text=st.text(max_size=500),
       fmt=st.sampled_from(FORMAT_CHOICES), source=st.sampled_from(SOURCES))
def test_arbitrary_text_inside_each_format_never_crashes(template: bytes, text: str,
                                                         fmt: str | None, source: str) -> None:
    parse_or_refuse(template.replace(b"%s", text.encode("utf-8", "surrogatepass")), source, fmt)


TAGS = ["div", "p", "span", "b", "li", "ul", "item", "comment", "wp:comment", "message",
        "post", "thread", "title", "a", "table", "td"]


@st.composite
def nested_markup(draw: st.DrawFn) -> bytes:
    """Deep, unbalanced and interleaved tags, with attributes and text between them."""
    depth = draw(st.integers(0, 600))
    tags = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=6))
    classes = draw(st.sampled_from(["comment", "comment-content", "fn", "x", ""]))
    opened = "".join(f"<{tags[i % len(tags)]} class='{classes}'>t{i}" for i in range(depth))
    closing = draw(st.sampled_from(["all", "none", "half"]))
    n_close = {"all": depth, "none": 0, "half": depth // 2}[closing]
    closed = "".join(f"</{tags[i % len(tags)]}>" for i in reversed(range(depth - n_close, depth)))
    return (opened + closed).encode()


@FAST
@given(inner=nested_markup(), template=st.sampled_from(XML_TEMPLATES[:3]),
       fmt=st.sampled_from(FORMAT_CHOICES))
def test_arbitrary_nesting_never_crashes_a_parser(inner: bytes, template: bytes,
                                                  fmt: str | None) -> None:
    parse_or_refuse(template.replace(b"%s", inner), "x", fmt)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=30)


@FAST
@given(records=st.lists(st.one_of(JSON_VALUES, st.dictionaries(
    st.sampled_from(["text", "author", "id", "parent", "article", "date", "x"]), JSON_VALUES,
    max_size=6)), min_size=1, max_size=8), deep=st.integers(0, 5000))
def test_arbitrary_json_records_and_nesting_never_crash_jsonl(records: list, deep: int) -> None:
    lines = [json.dumps(r) for r in records] + ['{"text": "t", "x": ' + "[" * deep + "]" * deep
                                                + "}"]
    result = parse_or_refuse("\n".join(lines).encode(), "x.jsonl", None)
    assert result is not None  # never refused whole: bad lines are skipped with a reason


# -- never a lost record ---------------------------------------------------------------------

# Words that survive every format unchanged: no whitespace, no markup or entity characters,
# nothing XML 1.0 forbids; letters from several scripts, digits, punctuation, emoji.
WORD_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Cf"),
    blacklist_characters="<>&\"'\\\ufffe\uffff")
WORD = st.text(WORD_CHARS, min_size=1, max_size=12)
PARAGRAPH = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
# A normalized comment text: words split by one space, paragraphs by one blank line.
CLEAN_TEXT = st.lists(PARAGRAPH, min_size=1, max_size=3).map("\n\n".join)
NAME = st.text(st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=12)


@st.composite
def comments(draw: st.DrawFn, text: st.SearchStrategy[str] = CLEAN_TEXT
             ) -> list[tuple[str, str | None, str]]:
    """(id, author or None, text) for 1-6 comments, ids unique."""
    texts = draw(st.lists(text, min_size=1, max_size=6))
    return [(str(i + 1), draw(st.none() | NAME), t) for i, t in enumerate(texts)]


def got_comments(result: ParseResult) -> list[tuple[str | None, str | None, str]]:
    return [(c.id, c.author, c.text) for a in result.articles for c in a.comments]


def tabular_normal(text: str) -> str:
    return text.strip().replace("\r\n", "\n")


# Arbitrary text for CSV/JSONL cells: anything but NUL and other C0 controls (a file full of
# them is refused as binary) and lone surrogates (not encodable); must hold a visible char.
CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",),
                                  blacklist_characters="".join(
                                      chr(c) for c in range(32) if c not in (9, 10, 13))),
                    min_size=1, max_size=200).filter(lambda t: t.strip() != "")

CSV_GARBAGE = [b"99,too,many,cells,here\r\n", b'98,x,"bad \xff\xfe bytes"\r\n', b"97,,\r\n",
               b"96,x,   \r\n"]
JSONL_GARBAGE = [b'{"id": "99", "text": "cut\n', b"[1, 2, 3]\n", b'{"id": "98", "text": ""}\n',
                 b'{"text": "bad \xff\xfe bytes"}\n', b'{"text": "lone \\udc00"}\n',
                 b'{"text": {"nested": "object"}}\n', b"not json at all\n"]


@FAST
@given(rows=comments(CELL_TEXT), garbage=st.sampled_from([None, *CSV_GARBAGE]),
       where=st.integers(0, 6), source=st.sampled_from(["c.csv", "c.tsv"]),
       forced=st.booleans(), bom=st.sampled_from([b"", b"\xef\xbb\xbf"]))
def test_csv_keeps_every_good_row(rows, garbage, where, source, forced, bom) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["id", "author", "text"])
    lines = []
    for cid, author, text in rows:
        one = io.StringIO(newline="")
        csv.writer(one, lineterminator="\r\n").writerow([cid, author or "", text])
        lines.append(one.getvalue().encode())
    if garbage is not None:
        lines.insert(min(where, len(lines)), garbage)
    data = bom + buf.getvalue().encode() + b"".join(lines)
    result = parse_or_refuse(data, source, "csv" if forced else None)
    assert result is not None and result.format == "csv"
    want = [(cid, author, tabular_normal(text)) for cid, author, text in rows]
    if garbage is not None and b"\xff" in garbage and result.encoding.get("encoding") == "cp1252":
        # No UTF-8 character anywhere: the file is read as cp1252 (a recorded guess) and the
        # row is a good one in that reading.
        assert result.encoding["guessed"] is True
        want.insert(min(where, len(want)), ("98", "x", "bad \u00ff\u00fe bytes"))
        assert got_comments(result) == want
        return
    assert got_comments(result) == want
    if garbage is not None:
        assert len(result.warnings) == 1 and "line" in result.warnings[0]


@FAST
@given(rows=comments(CELL_TEXT), garbage=st.sampled_from([None, *JSONL_GARBAGE]),
       where=st.integers(1, 6), how=st.sampled_from(["forced", "extension", "content"]),
       ascii_only=st.booleans(), utf16=st.booleans())
def test_jsonl_keeps_every_good_record(rows, garbage, where, how, ascii_only, utf16) -> None:
    lines = [(json.dumps({"id": cid, "author": author, "text": text}, ensure_ascii=ascii_only)
              + "\n").encode() for cid, author, text in rows]
    if garbage is not None:  # never first: the content sniffer looks at the first line
        lines.insert(min(where, len(lines)), garbage)
    data = b"".join(lines)
    if utf16 and (garbage is None or b"\xff" not in garbage):
        data = data.decode().encode("utf-16")
    source = {"forced": "x", "extension": "x.jsonl", "content": "x"}[how]
    result = parse_or_refuse(data, source, "jsonl" if how == "forced" else None)
    assert result is not None and result.format == "jsonl"
    want = [(cid, author, tabular_normal(text)) for cid, author, text in rows]
    assert got_comments(result) == want


def wxr_document(items: list[list[tuple[str, str | None, str]]], garbage: str | None) -> bytes:
    parts = [('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/" '
              'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Blog</title>')]
    for n, item in enumerate(items):
        parts.append(f"<item><title>Post {n}</title><wp:post_id>{n + 1}</wp:post_id>"
                     "<wp:post_type>post</wp:post_type>")
        if garbage and n == 0:
            parts.append(garbage)
        for cid, author, text in item:
            parts.append(f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
                         + (f"<wp:comment_author>{escape(author)}</wp:comment_author>"
                            if author else "")
                         + f"<wp:comment_content>{escape(text)}</wp:comment_content>"
                         "<wp:comment_approved>1</wp:comment_approved>"
                         "<wp:comment_parent>0</wp:comment_parent></wp:comment>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


WXR_GARBAGE = [
    ("<wp:comment><wp:comment_id>999</wp:comment_id><wp:comment_content></wp:comment_content>"
     "</wp:comment>"),
    "<wp:comment><wp:comment_id>998</wp:comment_id></wp:comment>",
    "<junk>" + "<deeper a='1'>" * 100 + "x" + "</deeper>" * 100 + "</junk>",
    "<!-- a comment --><?pi data?>",
]


def split_ids(rows: list[tuple[str, str | None, str]], sizes: list[int]) -> list[list]:
    out, i = [], 0
    for size in sizes:
        out.append(rows[i:i + size])
        i += size
    out.append(rows[i:])
    return [chunk for chunk in out if chunk]


@FAST
@given(rows=comments(), sizes=st.lists(st.integers(1, 3), max_size=3),
       garbage=st.sampled_from([None, *WXR_GARBAGE]), forced=st.booleans(),
       truncate=st.booleans())
def test_wxr_keeps_every_good_comment(rows, sizes, garbage, forced, truncate) -> None:
    data = wxr_document(split_ids(rows, sizes), garbage)
    if truncate:  # cut after the last item: everything before the damage is kept
        data = data[: data.rindex(b"</item>") + len(b"</item>")]
    result = parse_or_refuse(data, "export.xml", "wxr" if forced else None)
    assert result is not None and result.format == "wxr"
    assert got_comments(result) == rows
    if truncate:
        assert any("stopped at" in w for w in result.warnings)


def disqus_document(rows: list[tuple[str, str | None, str]], garbage: str | None) -> bytes:
    parts = [('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
              'xmlns:dsq="http://disqus.com/disqus-internals">'
              '<thread dsq:id="t1"><id>key1</id><title>Thread</title><link>http://x/1</link>'
              "</thread>")]
    for n, (cid, author, text) in enumerate(rows):
        if garbage and n == 1:
            parts.append(garbage)
        parts.append(f"<post dsq:id={quoteattr(cid)}><message>{escape(text)}</message>"
                     "<createdAt>2020-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted>"
                     "<isSpam>false</isSpam>"
                     + (f"<author><name>{escape(author)}</name></author>" if author else "")
                     + '<thread dsq:id="t1"/></post>')
    parts.append("</disqus>")
    return "".join(parts).encode()


DISQUS_GARBAGE = [
    '<post dsq:id="999"><message></message><thread dsq:id="t1"/></post>',
    '<post dsq:id="998"><thread dsq:id="t1"/></post>',
    "<category dsq:id='c'><title>General</title>" + "<x>" * 100 + "</x>" * 100 + "</category>",
]


@FAST
@given(rows=comments(), garbage=st.sampled_from([None, *DISQUS_GARBAGE]),
       forced=st.booleans())
def test_disqus_keeps_every_good_post(rows, garbage, forced) -> None:
    result = parse_or_refuse(disqus_document(rows, garbage), "d.xml",
                             "disqus" if forced else None)
    assert result is not None and result.format == "disqus"
    assert got_comments(result) == rows


def html_page(rows: list[tuple[str, str | None, str]], garbage: str | None) -> bytes:
    items = []
    for n, (cid, author, text) in enumerate(rows):
        if garbage and n == 1:
            items.append(garbage)
        paras = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        items.append(
            f'<li class="comment" id="comment-{cid}"><article class="comment-body">'
            '<footer class="comment-meta"><div class="comment-author vcard">'
            + (f'<b class="fn">{escape(author)}</b>' if author else "")
            + '</div><div class="comment-metadata"><time datetime="2020-01-01">Jan 1</time>'
            f'</div></footer><div class="comment-content">{paras}</div>'
            '<div class="reply"><a class="comment-reply-link">Reply</a></div></article></li>')
    return ("<!DOCTYPE html><html><head><title>Article</title></head><body><article>"
            "<h1>Article</h1><p>" + "Body text of the article. " * 20 + "</p></article>"
            '<div id="comments"><ol class="comment-list">' + "".join(items)
            + "</ol></div></body></html>").encode()


HTML_GARBAGE = [
    '<li class="comment" id="comment-999"><div class="comment-content"></div></li>',
    "<li><span><b><i>unclosed</li>",
    "<li>" + "<div>" * 100 + "deep" + "</div>" * 100 + "</li>",
    "<script>document.write('<li class=comment>')</script>",
]


@FAST
@given(rows=comments(), garbage=st.sampled_from([None, *HTML_GARBAGE]),
       forced=st.booleans())
def test_html_keeps_every_good_comment(rows, garbage, forced) -> None:
    result = parse_or_refuse(html_page(rows, garbage), "page.html", "html" if forced else None)
    assert result is not None and result.format == "html"
    assert got_comments(result) == rows


@pytest.mark.parametrize("rows", [
    [("1", None, "+1")], [("1", None, "0"), ("2", None, "hello")],
    [("1", "Ann", "0")], [("1", "Bob", "Like"), ("2", "Ann", "Agreed.")],
    [("1", None, "A"), ("2", None, "© A")],
], ids=["plus_one", "zero_then_hello", "zero_with_author", "like_then_agreed", "copyright"])
def test_html_comment_that_reads_like_chrome_is_kept(rows) -> None:
    # Found by the property above (fixed in 6566f97): these were silently dropped.
    result = parse_or_refuse(html_page(rows, None), "page.html", None)
    assert result is not None and got_comments(result) == rows


# -- exporters: always parse back to the same rows ---------------------------------------------

EXPORT_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
SCORE = st.floats(allow_nan=True, allow_infinity=True) | st.floats(0, 1)


@st.composite
def log_rows(draw: st.DrawFn) -> list[dict]:
    """Rows shaped like Store.log_rows(): hostile text anywhere, odd evidence snapshots."""
    rows = []
    for i in range(draw(st.integers(0, 5))):
        scores = draw(st.dictionaries(st.sampled_from(["toxicity", "insult", "threat"]), SCORE,
                                      max_size=3))
        evidence = draw(st.one_of(
            st.none(), st.just("{not json"), st.just("[1, 2]"),
            st.builds(lambda s, st_: json.dumps({"model": "m", "version": "1", "scores": s,
                                                 "thresholds": {"toxicity": 0.5},
                                                 "flagged": ["toxicity"], "score_status": st_}),
                      st.just(scores), st.sampled_from(["ok", "empty", None]))))
        rows.append({
            "id": i + 1, "at": draw(EXPORT_TEXT), "moderator": draw(EXPORT_TEXT),
            "automated": draw(st.sampled_from([0, 1])),
            "action": draw(st.sampled_from(["approve", "hide", "note", "undo"])),
            "reason": draw(st.none() | EXPORT_TEXT), "note": draw(st.none() | EXPORT_TEXT),
            "comment_id": draw(st.none() | st.integers(1, 10**9)),
            "article_id": draw(st.none() | st.integers(1, 10**9)),
            "article_title": draw(st.none() | EXPORT_TEXT),
            "comment_author": draw(st.none() | EXPORT_TEXT),
            "comment_text": draw(st.none() | EXPORT_TEXT),
            "prev_status": draw(st.none() | st.sampled_from(["pending", "hidden"])),
            "new_status": draw(st.none() | st.sampled_from(["approved", "hidden"])),
            "undoes": draw(st.none() | st.integers(1, 100)), "evidence": evidence,
        })
    return rows


def no_constants(token: str) -> None:
    raise AssertionError(f"non-standard JSON constant {token}")


def assert_csv_is_records(text: str, records: list[dict]) -> None:
    header, *cells = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(header) == ex.COLUMNS and len(cells) == len(records)
    for row, rec in zip(cells, records, strict=True):
        for name, cell in zip(header, row, strict=True):
            value = rec[name]
            if cell and cell[0] != "'":
                assert not ex._formula_like(cell), (name, cell)  # never a live formula
            if value is None:
                assert cell == ""
            elif name in ex.NUMERIC:
                assert cell == str(value)  # numbers untouched
            elif isinstance(value, (dict, list)):
                assert json.loads(ex.unneutralize(cell), parse_constant=no_constants) == value
            else:
                assert ex.unneutralize(cell) == str(value), name


def assert_jsonl_is_records(text: str, records: list[dict]) -> None:
    lines = text.splitlines()  # also splits on \r, \x85, U+2028, U+2029: none may be raw
    assert len(lines) == len(records) == text.count("\n")
    for line, rec in zip(lines, records, strict=True):
        assert json.loads(line, parse_constant=no_constants) == {c: rec[c] for c in ex.COLUMNS}


def finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return True


@FAST
@given(rows=log_rows())
def test_csv_and_jsonl_exports_parse_back_to_the_same_rows(rows: list[dict]) -> None:
    records = [ex.record(r) for r in rows]
    for rec in records:  # a non-finite score is an explicit null with a status, never NaN
        assert finite(rec["scores"])
        if rec["scores"] and None in rec["scores"].values():
            assert rec["score_status"] == "invalid_score"
    for fmt, check in (("csv", assert_csv_is_records), ("jsonl", assert_jsonl_is_records)):
        buf = io.StringIO(newline="")
        assert ex.export(rows, fmt, buf) == len(rows)
        check(buf.getvalue(), records)


@pytest.fixture(scope="module")
def scratch() -> Path:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@FEW
@given(texts=st.lists(st.tuples(CELL_TEXT, st.none() | CELL_TEXT, st.none() | CELL_TEXT),
                      min_size=1, max_size=4),
       labels=st.dictionaries(st.sampled_from(["toxicity", "insult"]),
                              st.floats(0, 1, width=32), min_size=1))
def test_exported_files_from_a_real_store_parse_back_to_the_stored_rows(
        scratch: Path, texts, labels) -> None:
    from moderation.actions import decide
    from moderation.config import Config

    db = Path(tempfile.mkdtemp(dir=scratch)) / "p.db"
    with Store(db) as store:
        store.ingest(ParseResult("csv", (Article(title=texts[0][0], comments=tuple(
            Comment(t, author=a, position=i) for i, (t, a, _) in enumerate(texts))),),
            source="p"))
        store.save_scores([(i + 1, Scores(labels, "m", "1")) for i in range(len(texts))])
        for i, (_, _, note) in enumerate(texts):
            decide(store, i + 1, "note" if note else "approve", "mod", Config().thresholds,
                   note=note)
        records = [ex.record(r) for r in store.log_rows()]
        assert [r["comment_text"] for r in records] == [t for t, _, _ in texts]
        for fmt, check in (("csv", assert_csv_is_records), ("jsonl", assert_jsonl_is_records)):
            out = db.parent / f"log.{fmt}"
            assert ex.export_to_file(store.log_rows(), fmt, out) == len(texts)
            with out.open(encoding="utf-8", newline="") as fh:  # keep a raw \r as written
                check(fh.read(), records)
