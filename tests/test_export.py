"""Exports of the moderation log: formula-safe CSV, one-record-per-line JSONL, atomic files."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from moderation import export as ex
from moderation.actions import decide
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.errors import ExportError
from moderation.store import Store

HOSTILE_CELLS = ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2", " =1+2", "\uff1d1+2",
                 'say "hi"\nthen, bye', "nul\x00byte"]
JSON_HOSTILE = "line\rbreak \u2028 sep \u2029 para \u0085 next"


def hostile_store(store: Store, config) -> Store:
    comments = tuple(Comment(t, author=t, position=i) for i, t in enumerate(HOSTILE_CELLS))
    store.ingest(ParseResult("csv", (Article(title="=HYPERLINK(\"x\")", comments=comments),),
                             source="h.csv"))
    for cid in range(1, len(HOSTILE_CELLS) + 1):
        store.save_scores([(cid, Scores({"toxicity": 0.9}, "m", "1"))])
        decide(store, cid, "hide", "=mod", config.thresholds, reason="abuse", note="-note")
    return store


def test_csv_cells_are_neutralized_and_parse_back(store: Store, config) -> None:
    hostile_store(store, config)
    buf = io.StringIO(newline="")
    n = ex.export(store.log_rows(), "csv", buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert n == len(HOSTILE_CELLS) and rows[0] == list(ex.COLUMNS)
    col = {c: i for i, c in enumerate(ex.COLUMNS)}
    for row, original in zip(rows[1:], HOSTILE_CELLS, strict=True):
        for name in ("comment_text", "comment_author", "moderator", "note", "article_title"):
            cell = row[col[name]]
            assert cell.lstrip(" \t\r\n\x00")[:1] not in set("=+-@\uff1d\uff0b\uff0d\uff20"), (name, cell)
        assert row[col["comment_text"]] in (original, "'" + original)
        assert row[col["comment_id"]].isdigit()  # numbers untouched


def test_neutralize_leaves_plain_text_alone() -> None:
    assert ex.neutralize("hello = world") == "hello = world"
    assert ex.neutralize("=cmd") == "'=cmd"
    assert ex.neutralize("\t@x") == "'\t@x"


def test_jsonl_is_one_valid_record_per_line(store: Store, config) -> None:
    store.ingest(ParseResult("text", (Article(title="t", comments=(Comment(JSON_HOSTILE),)),),
                             source="j"))
    store.save_scores([(1, Scores({"toxicity": 0.9}, "m", "1"))])
    decide(store, 1, "hide", "ann", config.thresholds, reason="abuse", note=JSON_HOSTILE)
    buf = io.StringIO()
    ex.export(store.log_rows(), "jsonl", buf)
    lines = buf.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 2
    rec = json.loads(lines[0])
    assert rec["comment_text"] == JSON_HOSTILE and rec["note"] == JSON_HOSTILE
    assert rec["scores"] == {"toxicity": 0.9}


def test_export_into_a_file_not_a_directory_is_refused(store: Store, config,
                                                       tmp_path: Path) -> None:
    hostile_store(store, config)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        ex.export_to_file(store.log_rows(), "csv", blocker / "log.csv")


def test_export_to_file_is_atomic_in_a_read_only_dir(store: Store, config, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions; see the not-a-directory case")
    hostile_store(store, config)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="cannot write"):
            ex.export_to_file(store.log_rows(), "csv", ro / "log.csv")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


def test_failed_export_leaves_old_file_and_no_temp(store: Store, config, tmp_path: Path) -> None:
    hostile_store(store, config)
    target = tmp_path / "log.jsonl"
    target.write_text("previous export\n")

    def broken_rows():
        yield from store.log_rows()
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left"):
        ex.export_to_file(broken_rows(), "jsonl", target)
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name != "test.db" and "test.db" not in p.name] == ["log.jsonl"]


def test_export_to_file_writes_everything(store: Store, config, tmp_path: Path) -> None:
    hostile_store(store, config)
    target = tmp_path / "log.csv"
    assert ex.export_to_file(store.log_rows(), "csv", target) == len(HOSTILE_CELLS)
    assert len(list(csv.reader(target.open(newline="")))) == len(HOSTILE_CELLS) + 1
