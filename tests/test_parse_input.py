"""Input handling shared by every format: encodings, empty/binary/missing files, sniffing."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.errors import InputError
from moderation.parse import FORMATS, parse_bytes, parse_file, sniff_format
from moderation.parse.decode import decode

FIX = Path(__file__).resolve().parent / "fixtures" / "parse"


def test_cp1252_without_charset_is_decoded_and_the_guess_recorded() -> None:
    result = parse_file(FIX / "cp1252.txt")
    assert result.encoding["encoding"] == "cp1252" and result.encoding["guessed"] is True
    assert result.articles[0].title == "Café menu – “specials”"


def test_utf16_with_bom() -> None:
    result = parse_file(FIX / "utf16_bom.txt")
    assert result.encoding == {"encoding": "utf-16-le", "guessed": False, "bom": True}
    assert "été included" in (result.articles[0].body or "")


def test_mixed_utf8_and_latin1_keeps_both() -> None:
    text, note = decode("naïve ".encode() + "café".encode("latin-1"), "mixed.txt")
    assert text == "naïve café"
    assert note["guessed"] is True


@pytest.mark.parametrize("name,reason", [
    ("empty.txt", "empty"), ("binary.bin", "binary file (PNG image)"),
    ("nulls.dat", "binary file (contains NUL bytes)"),
])
def test_empty_and_binary_files_refused_naming_the_file(name: str, reason: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_file(FIX / name)
    assert name in str(exc.value) and reason in str(exc.value)


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t\n")
    with pytest.raises(InputError, match="blank.txt: file is empty"):
        parse_file(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        parse_file(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        parse_file(tmp_path)


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(InputError, match="unknown format 'pdf'.*text, html, wxr"):
        parse_bytes(b"hello", "x.txt", "pdf")


def test_sniffing_by_content_then_extension() -> None:
    assert sniff_format("<!DOCTYPE html><html><body>x</body></html>", "page.txt") == "html"
    assert sniff_format("Just a title\n\nSome text.", "page.html") == "html"
    assert sniff_format("Just a title\n\nSome text.", "dump") == "text"
    assert sniff_format('{"text": "hi"}\n', "rows") == "jsonl"
    assert set(FORMATS) == {"text", "html", "wxr", "disqus", "csv", "jsonl"}


def test_forced_format_overrides_sniffing() -> None:
    html = (FIX / "wpdiscuz7.html").read_bytes()
    result = parse_bytes(html, "page.html", "text")
    assert result.format == "text"


def test_to_json_shape() -> None:
    data = parse_file(FIX / "wpdiscuz7.html").to_json()
    assert set(data) >= {"format", "articles", "warnings", "encoding", "source"}
    article = data["articles"][0]
    assert set(article) >= {"title", "byline", "body", "url", "comments"}
    assert set(article["comments"][0]) >= {"id", "parent", "author", "date", "text", "kind"}


def test_utf16_without_bom_is_guessed_and_recorded() -> None:
    data = "Harbour notes\n\nThe harbour office said the wall repairs begin next week.\n"
    result = parse_bytes(data.encode("utf-16-le"), "nobom.txt")
    assert result.encoding["encoding"] == "utf-16-le" and result.encoding["guessed"] is True
    assert result.articles[0].title == "Harbour notes"


def test_utf16_xml_export_with_bom() -> None:
    data = (FIX / "tiny.wxr").read_text(encoding="utf-8").replace('encoding="UTF-8"',
                                                                   'encoding="UTF-16"')
    result = parse_bytes(data.encode("utf-16"), "utf16.wxr")
    assert result.format == "wxr"
    assert len(result.articles[0].comments) == 5


def test_a_json_array_of_comments_is_read_item_by_item() -> None:
    """A .json export: one array of comment objects (or one object holding it under
    "comments"), read as JSON Lines rows are; a bad item is named by its place."""
    data = b'[{"text": "First!", "author": "ann"}, {"author": "bob"}, {"text": "Second"}]'
    result = parse_bytes(data, "export.json")
    assert result.format == "jsonl"
    assert [(c.author, c.text) for c in result.articles[0].comments] == [
        ("ann", "First!"), (None, "Second")]
    assert result.warnings == ("export.json: item 2: no text in column 'text'",)
    wrapped = parse_bytes(b'{"comments": [{"text": "Hi there"}], "count": 1}', "c.json")
    assert [c.text for c in wrapped.articles[0].comments] == ["Hi there"]
    lines = parse_bytes(b'{"text": "one"}\n{"text": "two"}\n', "lines.json")
    assert [c.text for c in lines.articles[0].comments] == ["one", "two"]


def test_items_of_a_json_array_that_are_no_objects_are_rejected_one_by_one() -> None:
    """HOSTILE_INPUT #21: the good records of a file are stored and each bad one is named
    with its reason, in a JSON array as in JSON Lines (the whole file was refused before)."""
    data = b'[{"text": "Kept"}, 5, "a string", null, [1], {"text": "Also kept"}]'
    result = parse_bytes(data, "export.json")
    assert [c.text for c in result.articles[0].comments] == ["Kept", "Also kept"]
    assert result.warnings == tuple(f"export.json: item {n}: not a JSON object"
                                    for n in (2, 3, 4, 5))
    surrogate = parse_bytes(b'[{"text": "fine"}, {"text": "\\ud800 lone"}]', "export.json")
    assert [c.text for c in surrogate.articles[0].comments] == ["fine"]
    assert surrogate.warnings == ("export.json: item 2: invalid UTF-8 or lone surrogate in 'text'",)


@pytest.mark.parametrize(("data", "says"), [
    (b'{"page.txt": {"title": "T", "comments": 3}}', "an object with 1 key(s) ('page.txt')"),
    (b'[1, 2, 3]', "a list of 3 item(s), none of them an object"),
    (b'[]', "a list of 0 item(s), none of them an object"),
    (b'"just a string"', "a single str value"),
])
def test_a_json_document_that_is_no_comment_export_is_refused(data: bytes, says: str) -> None:
    with pytest.raises(InputError, match="no comment export") as err:
        parse_bytes(data, "labels.json")
    assert says in str(err.value) and "labels.json" in str(err.value)


def test_malformed_json_names_the_line_and_a_bracketed_dump_stays_text() -> None:
    from moderation.errors import ParseError

    with pytest.raises(ParseError, match=r"broken\.json \(line 2\): malformed JSON"):
        parse_bytes(b'[{"text": "a"},\n {"text": ]', "broken.json")
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_bytes(b"[" * 100_000, "deep.json")
    dump = parse_bytes(b"[Update] The council met again.\n\nIt decided nothing.", "page.txt")
    assert dump.format == "text"
