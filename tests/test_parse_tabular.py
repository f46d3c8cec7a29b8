"""CSV and JSONL: configurable columns, streaming, bad rows rejected with line and reason."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest

from moderation.errors import InputError
from moderation.parse import TabularColumns, TabularReject, iter_tabular, parse_file

FIX = Path(__file__).resolve().parent / "fixtures" / "parse"


def test_csv_rows_and_rejects_with_line_numbers() -> None:
    rejects: list[TabularReject] = []
    rows = list(iter_tabular(FIX / "comments.csv", "csv", on_reject=rejects.append))
    assert [(key, c.id, c.author, c.parent) for key, c in rows] == [
        ("a1", "1", "Marta", None),
        ("a1", "2", "Tom", "1"),
        ("a2", "5", 'Quote "Q" Person', None),
    ]
    assert rows[0][1].text == "About time.\nWill the steps reopen?"
    assert [(r.line, r.reason) for r in rejects] == [
        (5, "no text in column 'text'"),
        (6, "invalid UTF-8 or lone surrogate in 'text'"),
    ]
    assert [r.code for r in rejects] == ["no_text", "invalid_utf8"]


def test_jsonl_rejects_malformed_lines_and_keeps_the_rest() -> None:
    rejects: list[TabularReject] = []
    rows = list(iter_tabular(FIX / "comments.jsonl", "jsonl", on_reject=rejects.append))
    assert [c.id for _k, c in rows] == ["1", "2", "7"]
    reasons = {r.line: r.reason for r in rejects}
    assert reasons[3].startswith("malformed JSON")
    assert reasons[5].startswith("invalid UTF-8")
    assert "lone surrogate" in reasons[6]
    assert reasons[7] == "no text in column 'text'"
    assert reasons[8] == "not a JSON object"
    assert sorted({r.code for r in rejects}) == ["invalid_utf8", "malformed_json", "no_text"]


def test_parse_file_groups_by_article_and_reports_skips_as_warnings() -> None:
    result = parse_file(FIX / "comments.csv")
    assert result.format == "csv"
    assert [a.id for a in result.articles] == ["a1", "a2"]
    assert len(result.warnings) == 2 and "line 5" in result.warnings[0]


def test_custom_column_names() -> None:
    data = b"comment_body,who,post\nHello there,Ann,p9\n"
    cols = TabularColumns(text="comment_body", author="who", article="post")
    rows = list(iter_tabular(io.BufferedReader(io.BytesIO(data)), "csv", cols))
    assert [(k, c.author, c.text) for k, c in rows] == [("p9", "Ann", "Hello there")]


def test_missing_text_column_names_the_columns_found() -> None:
    with pytest.raises(InputError, match="no 'text' column.*'a', 'b'"):
        list(iter_tabular(io.BufferedReader(io.BytesIO(b"a,b\n1,2\n")), "csv"))


def test_empty_and_binary_tabular_files_refused(tmp_path: Path) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        list(iter_tabular(empty, "jsonl"))
    with pytest.raises(InputError, match="binary"):
        list(iter_tabular(FIX / "binary.bin", "csv"))


def test_streaming_keeps_memory_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = {"article": "a", "author": "x", "text": "a comment of moderate length " * 4}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(60_000):
            fh.write(json.dumps({**line, "id": str(i)}) + "\n")
    assert path.stat().st_size > 8_000_000
    tracemalloc.start()
    count = sum(1 for _ in iter_tabular(path, "jsonl"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 60_000
    assert peak < 2_000_000  # far below the file size: rows are not accumulated


def test_utf16_csv_with_bom() -> None:
    data = "\ufeffid,text\n1,été\n".encode("utf-16-le")
    rows = list(iter_tabular(io.BufferedReader(io.BytesIO(data)), "csv"))
    assert [c.text for _k, c in rows] == ["été"]


def test_cp1252_csv_is_read_with_a_reported_guess(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("id,text\n1,Caf\u00e9 \u2013 na\u00efve\n2,plain\n".encode("cp1252"))
    notes: list[str] = []
    rows = list(iter_tabular(path, "csv", on_warning=notes.append))
    assert [c.text for _k, c in rows] == ["Caf\u00e9 \u2013 na\u00efve", "plain"]
    assert len(notes) == 1 and "cp1252" in notes[0] and "excel.csv" in notes[0]
    result = parse_file(path)
    assert result.encoding["encoding"] == "cp1252" and result.encoding["guessed"] is True


def test_csv_cut_inside_a_quoted_field_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('id,text\n1,fine\n2,"a long comment, with a comma and then the file was cut')
    rejects: list[TabularReject] = []
    rows = list(iter_tabular(path, "csv", on_reject=rejects.append))
    assert [c.text for _k, c in rows] == ["fine"]
    assert [(r.line, r.code) for r in rejects] == [(3, "malformed_csv")]
    assert "quoted field" in rejects[0].reason
