"""WXR and Disqus exports: kinds, statuses, parents, hostile XML, malformed and huge files."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from moderation.errors import InputError, ParseError
from moderation.parse import parse_bytes, parse_file

FIX = Path(__file__).resolve().parent / "fixtures" / "parse"


def test_wxr_kinds_statuses_and_threaded_parents() -> None:
    result = parse_file(FIX / "tiny.wxr")
    assert result.format == "wxr"
    (article,) = result.articles  # the attachment item without comments is not an article
    assert article.title == "Harbour wall repairs begin"
    assert article.url == "https://gazette.example/harbour-wall"
    assert article.body == "Repairs begin next week.\n\nThe promenade stays closed."
    got = [(c.id, c.parent, c.kind, c.source_status) for c in article.comments]
    assert got == [
        ("1", None, "comment", "approved"),
        ("2", "1", "comment", "approved"),
        ("3", None, "pingback", "approved"),
        ("4", None, "trackback", "pending"),
        ("5", None, "comment", "spam"),
    ]
    assert article.comments[0].text == "About time.\n\nWill the steps reopen?"
    assert all(c.parent_known for c in article.comments)


@pytest.mark.parametrize("namespace", [
    "http://wordpress.org/export/1.0/", "http://wordpress.org/export/1.1/",
    "https://wordpress.org/export/1.2/",
])
def test_wxr_versions_match_by_local_name(namespace: str) -> None:
    data = (FIX / "tiny.wxr").read_bytes().replace(
        b"http://wordpress.org/export/1.2/", namespace.encode())
    comments = parse_bytes(data, "v.wxr").articles[0].comments
    assert len(comments) == 5


def test_disqus_export_threads_parents_and_flags() -> None:
    result = parse_file(FIX / "tiny_disqus.xml")
    assert result.format == "disqus"
    (article,) = result.articles
    assert (article.id, article.title) == ("100", "Harbour wall repairs begin")
    got = [(c.id, c.parent, c.author, c.source_status) for c in article.comments]
    assert got == [
        ("1000", None, "Marta", "approved"),
        ("1001", "1000", "Tom", "approved"),
        ("1002", None, "Anon", "deleted"),
        ("1003", None, "spammer", "spam"),
    ]
    assert article.comments[0].text == "About time.\n\nWill the steps reopen?"


def test_disqus_import_file_is_recognised() -> None:
    result = parse_file(FIX / "disqus_import.xml")
    assert result.format == "wxr"
    assert any("Disqus import" in w for w in result.warnings)
    assert [c.text for c in result.articles[0].comments] == ["Hello back"]
    with pytest.raises(ParseError, match="Disqus \\*import\\* file"):
        parse_file(FIX / "disqus_import.xml", "disqus")


@pytest.mark.parametrize("name", ["entity_bomb.xml", "external_entity.xml", "external_dtd.xml"])
def test_dtd_entities_refused_fast_without_reading(name: str) -> None:
    start = time.perf_counter()
    tracemalloc.start()
    with pytest.raises(ParseError, match="DTD/entities not allowed") as exc:
        parse_file(FIX / name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - start < 1
    assert peak < 5_000_000
    assert name in str(exc.value)


def test_quadratic_blowup_refused() -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "' + b"x" * 50_000 + b'">]><disqus>'
            + b"&a;" * 50_000 + b"</disqus>")
    with pytest.raises(ParseError, match="DTD/entities not allowed"):
        parse_bytes(data, "quad.xml")


def test_malformed_file_reports_position() -> None:
    with pytest.raises(ParseError) as exc:
        parse_file(FIX / "malformed_disqus.xml")
    assert "malformed_disqus.xml" in str(exc.value)
    assert exc.value.position and exc.value.position.startswith("line ")


def test_truncated_file_keeps_good_records_and_says_what_was_skipped() -> None:
    result = parse_file(FIX / "truncated_disqus.xml")
    assert [c.id for c in result.articles[0].comments] == ["1000", "1001"]
    assert any(w.startswith("stopped at line") and "2 post(s) before it kept" in w
               for w in result.warnings)


@pytest.mark.parametrize("depth", [300, 3_000, 300_000],
                         ids=["our-check", "libxml2-limit", "far-past-both"])
@pytest.mark.parametrize("fmt", ["disqus", "wxr"])
def test_deep_nesting_refused_with_reason(depth: int, fmt: str) -> None:
    # 300 levels pass libxml2 (its limit is 2048 with huge_tree) and meet our 256-level check;
    # 3,000 and 300,000 reach libxml2's own limit inside the first chunk it parses, before any
    # event: both must read the same one-line reason, whatever libxml2 is underneath.
    root = b"<disqus>" if fmt == "disqus" else b'<rss version="2.0"><channel>'
    tail = b"</disqus>" if fmt == "disqus" else b"</channel></rss>"
    data = root + b"<a>" * depth + b"</a>" * depth + tail
    with pytest.raises(ParseError, match="nesting deeper than 256 levels; refused"):
        parse_bytes(data, "deep.xml", fmt)


@pytest.mark.parametrize("message", [
    "Excessive depth in document: 256 use XML_PARSE_HUGE option",  # libxml2 2.9-2.11
    "Excessive depth in document: 2048, use XML_PARSE_HUGE option",  # libxml2 2.12+
])
def test_libxml2_depth_errors_of_any_version_map_to_our_reason(message: str) -> None:
    from lxml import etree

    from moderation.parse.xmlsafe import too_deep

    assert too_deep(etree.XMLSyntaxError(message, 1, 1, 6147))
    assert not too_deep(etree.XMLSyntaxError("Opening and ending tag mismatch", 76, 1, 9))


def test_oversize_comment_kept_whole_with_a_flag() -> None:
    big = "word " * 2_300_000  # 11.5 MB
    data = (FIX / "tiny_disqus.xml").read_text().replace("buy cheap pills", big).encode()
    comments = parse_bytes(data, "big.xml").articles[0].comments
    spam = comments[-1]
    assert "oversize" in spam.flags
    assert len(spam.text) == len(big.strip())


def test_large_export_streams_with_bounded_tree_memory() -> None:
    post = (b'<post dsq:id="%d"><message><![CDATA[<p>comment number %d with some words</p>]]>'
            b"</message><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            b'<author><name>n</name></author><thread dsq:id="1"/></post>\n')
    body = b"".join(post % (i, i) for i in range(20_000))
    data = (b'<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
            b'xmlns:dsq="http://disqus.com/disqus-internals"><thread dsq:id="1"><title>t</title>'
            b"</thread>" + body + b"</disqus>")
    result = parse_bytes(data, "many.xml")
    assert len(result.articles[0].comments) == 20_000


def test_xml_that_is_no_export_is_refused_clearly() -> None:
    with pytest.raises(InputError, match="neither a WordPress WXR"):
        parse_bytes(b'<?xml version="1.0"?><catalog><book/></catalog>', "books.xml")


def test_iter_comments_streams_exports_and_tabular_files() -> None:
    from moderation.parse import iter_comments

    warnings: list[str] = []
    pairs = list(iter_comments(FIX / "tiny_disqus.xml", warnings=warnings))
    assert [(a.id, c.id) for a, c in pairs] == [("100", "1000"), ("100", "1001"),
                                                ("100", "1002"), ("100", "1003")]
    assert pairs[0][0] is pairs[1][0] and pairs[0][0].comments == ()
    wxr = list(iter_comments(FIX / "tiny.wxr"))
    assert [c.kind for _a, c in wxr] == ["comment", "comment", "pingback", "trackback", "comment"]
    csv_warnings: list[str] = []
    rows = list(iter_comments(FIX / "comments.csv", warnings=csv_warnings))
    assert [(a.id, c.id) for a, c in rows] == [("a1", "1"), ("a1", "2"), ("a2", "5")]
    assert len(csv_warnings) == 2
    truncated: list[str] = []
    assert len(list(iter_comments(FIX / "truncated_disqus.xml", warnings=truncated))) == 2
    assert truncated and "stopped at line" in truncated[-1]


@pytest.mark.slow
def test_huge_export_streams_with_bounded_process_memory(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "huge.xml"
    post = ('<post dsq:id="{i}"><message><![CDATA[<p>comment {i} ' + "words " * 40
            + "</p>]]></message><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            '<author><name>n</name></author><thread dsq:id="{t}"/></post>\n')
    with path.open("w") as fh:
        fh.write('<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
                 'xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for t in range(100):
            fh.write(f'<thread dsq:id="{t}"><title>t{t}</title></thread>\n')
        for i in range(150_000):
            fh.write(post.format(i=i, t=i % 100))
        fh.write("</disqus>\n")
    size = path.stat().st_size
    assert size > 40_000_000
    code = ("import resource, sys\nfrom moderation.parse import iter_comments\n"
            f"n = sum(1 for _ in iter_comments({str(path)!r}))\n"
            "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    baseline = ("import resource\nimport moderation.parse\n"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout.split()
    base = int(subprocess.run([sys.executable, "-c", baseline], capture_output=True,
                              text=True, check=True).stdout)
    assert int(out[0]) == 150_000
    grown_kb = int(out[1]) - base
    assert grown_kb * 1024 < size / 4, f"memory grew {grown_kb} KB for a {size} byte file"


def test_export_with_a_prolog_longer_than_64_kb_is_read(tmp_path: Path) -> None:
    # The root element is found by streaming the file, not by parsing a 64 KB head.
    data = (FIX / "tiny.wxr").read_bytes()
    decl_end = data.index(b"?>") + 2
    padded = data[:decl_end] + b"\n" + b"<!-- exported by a chatty plugin -->\n" * 3000 + data[decl_end:]
    assert len(padded) > 100_000
    (tmp_path / "padded.wxr").write_bytes(padded)
    padded_result = parse_file(tmp_path / "padded.wxr")
    assert padded_result.format == "wxr"
    assert padded_result.articles == parse_file(FIX / "tiny.wxr").articles
