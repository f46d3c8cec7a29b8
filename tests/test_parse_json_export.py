"""A ``.json`` export (one JSON array of comment objects) streamed item by item: the same
comments whatever the read size, errors that name the item, and `moderation ingest` storing it
as it stored a .json parsed whole (the same keys), with rejects named by item."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from test_cli import mod

from moderation.errors import InputError, ParseError
from moderation.parse import jsondoc, parse_bytes
from moderation.parse.tabular import TabularColumns

ITEMS = [{"text": "Erster Kommentar, mit Umlaut ä und \u00e9", "author": "ann", "id": "1"},
         12345678, {"text": "a \"quoted\" word and a \\ backslash", "article": "a2"},
         {"text": "nested", "extra": {"deep": [1, 2, {"x": None}]}, "id": "3"},
         -0.5e10, True, None, {"author": "no text"}, {"text": "last one"}]


def read(data: bytes, chunk: int | None = None) -> tuple[list, list[str]]:
    rejects: list = []
    rows = jsondoc.iter_json(io.BufferedReader(io.BytesIO(data)), TabularColumns(), "x.json",
                             rejects.append)
    return [(k, c.text, c.author, c.id) for k, c in rows], [str(r) for r in rejects]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 64])
def test_any_read_size_gives_what_the_whole_document_gives(monkeypatch: pytest.MonkeyPatch,
                                                           chunk: int) -> None:
    """Items, numbers and strings cut anywhere by the end of a read decode as when the
    document is read whole (a number cut "1234|5678" must not come out as 1234)."""
    data = json.dumps(ITEMS, indent=1, ensure_ascii=False).encode("utf-8")
    whole = parse_bytes(data, "x.json")
    want = [(a.id, c.text, c.author, c.id) for a in whole.articles for c in a.comments]
    monkeypatch.setattr(jsondoc, "_CHUNK", chunk)
    got, rejects = read(data)
    assert sorted(got, key=str) == sorted(want, key=str) and len(got) == 4
    assert rejects == list(whole.warnings) == [
        f"x.json: item {n}: {why}" for n, why in (
            (2, "not a JSON object"), (5, "not a JSON object"), (6, "not a JSON object"),
            (7, "not a JSON object"), (8, "no text in column 'text'"))]


def test_numbers_cut_by_a_read_are_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read size over values whose prefixes are values too ("2550690257." cut after the
    point decoded as 2550690257 once)."""
    values = [2550690257.394217, -12.5e-3, 1e21, 0, -7, 3.25, True, False, None, "s", [1.5],
              {"text": "t", "n": 123456789.25}]
    data = json.dumps(values, indent=2).encode("ascii")
    for chunk in range(1, 24):
        monkeypatch.setattr(jsondoc, "_CHUNK", chunk)
        stream = jsondoc._Rest("", io.TextIOWrapper(io.BytesIO(data), encoding="ascii"))
        assert [v for _n, v in jsondoc._array_items(stream, "x.json")] == values, chunk


@pytest.mark.parametrize(("data", "says"), [
    (b'[{"text": "a"}, {"text": "b"', r"item 2: the array is not closed|item 2: Expecting"),
    (b'[{"text": "a"}] {"text": "b"}', "item 2: more data after the array"),
    (b'[{"text": "a"} {"text": "b"}]', "item 2: expected ',' or ']' after an item"),
    (b'[{"text": "a"},\n\n {"text": ]', r"\(line 3\): malformed JSON in item 2: Expecting value"),
    (b"[" + b"[" * 100_000, "nested too deeply"),
])
def test_a_broken_array_is_an_error_naming_the_item(monkeypatch: pytest.MonkeyPatch,
                                                    data: bytes, says: str) -> None:
    monkeypatch.setattr(jsondoc, "_CHUNK", 4)
    with pytest.raises(ParseError, match=says):
        read(data)


def test_an_array_without_objects_is_no_comment_export() -> None:
    with pytest.raises(InputError, match="a list of 3 item"):
        read(b"[1, 2, 3]")
    with pytest.raises(InputError, match="file is empty"):
        read(b"  \n")


def test_ingest_streams_a_json_export_keeping_keys_and_naming_rejects(tmp_path: Path) -> None:
    """`moderation ingest export.json`: good items stored, each bad one in --rejects by item
    (exit 1), an 11 MB comment kept whole with its flag (HOSTILE_INPUT #18), and a second run
    adds nothing."""
    big = " ".join(f"{i:08d}" for i in range(11_000_000 // 9 + 1))
    items = [{"text": "first", "article": "a1"}, 7, {"text": big, "article": "a1"},
             {"author": "x"}, {"text": "first", "article": "a1"}]
    (tmp_path / "export.json").write_text(json.dumps(items), encoding="utf-8")
    res = mod("--db", "m.db", "ingest", "-q", "--rejects", "rej.jsonl", "export.json",
              cwd=tmp_path)
    assert res.returncode == 1, res.stderr  # items skipped
    assert "Traceback" not in res.stderr
    rejects = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert [(r["item"], r["detail"]) for r in rejects] == [
        (2, "not a JSON object"), (4, "no text in column 'text'")]
    with sqlite3.connect(tmp_path / "m.db") as db:
        rows = db.execute("SELECT length(text), flags FROM comments ORDER BY id").fetchall()
    assert [n for n, _f in rows] == [5, len(big), 5]  # the repeated "first" is its own comment
    assert rows[1][1] is not None and "oversize" in rows[1][1]
    again = mod("--db", "m.db", "ingest", "-q", "export.json", cwd=tmp_path)
    assert '"comments_added": 0' in again.stderr, again.stderr


def test_ingest_of_a_broken_json_export_says_where(tmp_path: Path) -> None:
    (tmp_path / "cut.json").write_text('[{"text": "kept?"},\n {"text": "cut off', encoding="utf-8")
    res = mod("--db", "m.db", "ingest", "-q", "cut.json", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "cut.json (line 2): malformed JSON in item 2" in res.stderr, res.stderr
