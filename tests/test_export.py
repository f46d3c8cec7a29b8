"""Exports of the moderation log: formula-safe CSV, one-record-per-line JSONL, atomic files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import mounted_tmpfs
from hypothesis import given
from hypothesis import strategies as st

from moderation import export as ex
from moderation.actions import decide
from moderation.cli import cli
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


# -- neutralization against the full list of case 6 -----------------------------------------

FORMULA_CELLS = [
    "=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2", "\n=1+2", " =1+2", "   @x",
    "\x00=1+2", "\u00a0=1+2", "\u3000=1+2", "\u200b=1+2", "\ufeff=1+2", "\u202e=1+2",
    "\uff1d1+2", "\uff0b1", "\uff0d1", "\uff20SUM(A1)", "\ufe661+2", "\ufe621", "\ufe631",
    "\u22121", "=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "\t", "\r",
]
PLAIN_CELLS = ["hello = world", "a+b", "", "5", "e-mail", "'quoted", "x\n=1", "NaN"]


@pytest.mark.parametrize("cell", FORMULA_CELLS)
def test_formula_cells_are_prefixed(cell: str) -> None:
    assert ex.neutralize(cell) == "'" + cell
    assert ex.unneutralize(ex.neutralize(cell)) == cell


@pytest.mark.parametrize("cell", PLAIN_CELLS)
def test_plain_cells_are_left_alone(cell: str) -> None:
    assert ex.neutralize(cell) == cell
    assert ex.unneutralize(cell) == cell


def test_an_apostrophe_before_a_formula_stays_distinguishable() -> None:
    assert ex.neutralize("'=x") == "''=x"
    assert ex.unneutralize("''=x") == "'=x" and ex.unneutralize("'=x") == "=x"
    many = "'" * 100_000 + "=x"
    assert ex.neutralize(many) == "'" + many and ex.unneutralize("'" + many) == many


@given(st.text())
def test_neutralize_is_reversible_and_safe(text: str) -> None:
    out = ex.neutralize(text)
    assert ex.unneutralize(out) == text
    if out and not out.startswith("'"):
        assert not ex._formula_like(out)


def _db_values(store: Store) -> list[dict]:
    return [ex.record(r) for r in store.log_rows()]


def test_csv_parses_back_to_the_same_rows(store: Store, config) -> None:
    hostile_store(store, config)
    buf = io.StringIO(newline="")
    ex.export(store.log_rows(), "csv", buf)
    header, *rows = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert tuple(header) == ex.COLUMNS
    expected = _db_values(store)
    assert len(rows) == len(expected)
    for row, rec in zip(rows, expected, strict=True):
        for name, cell in zip(header, row, strict=True):
            value = rec[name]
            if value is None:
                assert cell == ""
            elif name in ex.NUMERIC:
                assert cell == str(value)  # numbers untouched
            elif isinstance(value, (dict, list)):
                assert json.loads(ex.unneutralize(cell)) == value
            else:
                assert ex.unneutralize(cell) == value, name


def test_jsonl_keeps_line_separators_inside_records(store: Store, config) -> None:
    texts = [JSON_HOSTILE, "a\nb", "\u2028", "x\x00y\x1b[2Jz"]
    store.ingest(ParseResult("text", (Article(title="t", comments=tuple(
        Comment(t, position=i) for i, t in enumerate(texts))),), source="j"))
    for cid in range(1, len(texts) + 1):
        decide(store, cid, "approve", "ann\u2029", config.thresholds)
    buf = io.StringIO()
    assert ex.export(store.log_rows(), "jsonl", buf) == len(texts)
    out = buf.getvalue()
    # str.splitlines() also splits on \r, \x85, \u2028, \u2029: none may appear raw.
    assert len(out.splitlines()) == len(texts) == out.count("\n")
    assert [json.loads(line)["comment_text"] for line in out.splitlines()] == texts


def _raw_log_row(store: Store, evidence: str) -> None:
    # Another program (or an older version) appended a row whose snapshot holds NaN/Infinity;
    # the log accepts inserts, so the export must cope with it.
    store.db.execute(
        "INSERT INTO moderation_log(at, moderator, action, comment_id, article_id, prev_status,"
        " new_status, evidence) VALUES ('2026-01-01T00:00:00.000000Z', 'ann', 'hide', 1, 1,"
        " 'pending', 'hidden', ?)", [evidence])


def test_nan_in_a_stored_snapshot_becomes_null_with_a_status(store: Store) -> None:
    store.ingest(ParseResult("text", (Article(title="t", comments=(Comment("x"),)),), source="n"))
    _raw_log_row(store, '{"model": "m", "scores": {"toxicity": NaN, "insult": 0.5,'
                        ' "threat": Infinity, "obscene": 1e999}, "flagged": []}')
    _raw_log_row(store, "{not json")
    _raw_log_row(store, '{"scores": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _raw_log_row(store, '{"scores": ' + "[" * 900 + "]" * 900 + "}")
    buf = io.StringIO()
    assert ex.export(store.log_rows(), "jsonl", buf) == 4

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    first, second, deep, deeper = (json.loads(line, parse_constant=refuse)
                                   for line in buf.getvalue().splitlines())
    assert deep["score_status"] == "invalid_evidence"
    assert deeper["score_status"] in ("invalid_evidence", None)
    assert first["scores"] == {"toxicity": None, "insult": 0.5, "threat": None, "obscene": None}
    assert first["score_status"] == "invalid_score" and first["model"] == "m"
    assert second["score_status"] == "invalid_evidence" and second["scores"] == {}
    csv_buf = io.StringIO(newline="")
    ex.export(store.log_rows(), "csv", csv_buf)
    assert "NaN" not in csv_buf.getvalue() and "Infinity" not in csv_buf.getvalue()


# -- filters --------------------------------------------------------------------------------

def test_times_are_normalized_to_the_stored_form() -> None:
    assert ex.parse_time("2026-11-22") == "2026-11-22T00:00:00.000000Z"
    assert ex.parse_time("2026-11-22T09:30+01:00") == "2026-11-22T08:30:00.000000Z"
    assert ex.parse_time("2026-11-22T08:30:00Z") == "2026-11-22T08:30:00.000000Z"


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "22/11/2026", ""])
def test_bad_dates_are_a_clear_error(bad: str) -> None:
    with pytest.raises(ExportError, match=r"--since .*not an ISO 8601 date"):
        ex.log_filter(since=bad)


def test_filter_contradictions_and_unknown_actions_are_refused() -> None:
    with pytest.raises(ExportError, match="not before --until"):
        ex.log_filter(since="2026-02-01", until="2026-01-01")
    with pytest.raises(ExportError, match="--action 'delete': use one of approve"):
        ex.log_filter(action="delete")


def test_filters_select_rows(store: Store, config) -> None:
    times = iter(["2026-01-01T10:00:00.000000Z", "2026-01-02T10:00:00.000000Z",
                  "2026-01-03T10:00:00.000000Z"])
    store.clock = lambda: next(times)
    store.ingest(ParseResult("text", (Article(title="t", comments=(
        Comment("a", position=0), Comment("b", position=1))),), source="f"))
    decide(store, 1, "hide", "ann", config.thresholds, reason="abuse")
    decide(store, 2, "approve", "bob", config.thresholds)

    def ids(**kw) -> list[int]:
        return [r["log_id"] for r in map(ex.record, store.log_rows(**ex.log_filter(**kw)))]

    assert ids() == [1, 2]
    assert ids(since="2026-01-03") == [2]
    assert ids(until="2026-01-02T11:00:00+01:00") == []  # 10:00 UTC is not before 10:00 UTC
    assert ids(until="2026-01-03") == [1]
    assert ids(moderator="bob") == [2] and ids(action="hide") == [1]
    assert ids(article=1) == [1, 2] and ids(article=2) == []


def test_cli_refuses_a_bad_date_without_touching_the_output(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "export", "-o", str(out),
                                      "--since", "last tuesday"])
    assert result.exit_code == 2
    assert "--since 'last tuesday': not an ISO 8601 date" in result.stderr
    assert not out.exists() and not (tmp_path / "x.db").exists()


def test_cli_writes_a_file_and_stdout_the_same(store: Store, config, tmp_path: Path) -> None:
    hostile_store(store, config)
    out = tmp_path / "log.jsonl"
    runner = CliRunner()
    r1 = runner.invoke(cli, ["--db", store.path, "export", "--format", "jsonl", "-o", str(out)])
    r2 = runner.invoke(cli, ["--db", store.path, "export", "--format", "jsonl"])
    assert r1.exit_code == r2.exit_code == 0
    assert out.read_text(encoding="utf-8") == r2.stdout
    assert f"{len(HOSTILE_CELLS)} log entries exported" in r1.stderr


# -- case 15 on real filesystems: a full disk and a read-only directory ---------------------

@pytest.fixture
def tiny_fs(tmp_path: Path):
    """A 256 KiB tmpfs mounted for the test (needs root and mount permission; else skipped)."""
    with mounted_tmpfs(tmp_path / "tiny", "256k") as mnt:
        yield mnt


def big_log(store: Store, config, n: int = 40) -> None:
    text = "x" * 20_000
    store.ingest(ParseResult("text", (Article(title="t", comments=tuple(
        Comment(f"{i} {text}", position=i) for i in range(n))),), source="big"))
    for cid in range(1, n + 1):
        decide(store, cid, "approve", "ann", config.thresholds)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_full_disk_leaves_the_old_file_and_no_partial_one(store: Store, config, tiny_fs: Path,
                                                          fmt: str) -> None:
    big_log(store, config)  # about 800 KB of export, more than the 256 KiB filesystem holds
    target = tiny_fs / f"log.{fmt}"
    target.write_text("previous export\n")
    with pytest.raises(ExportError, match="No space left on device.*previous file is unchanged"):
        ex.export_to_file(store.log_rows(), fmt, target)
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tiny_fs.iterdir()) == [target.name]
    # The space is free again: a small export into the same place succeeds.
    assert ex.export_to_file(store.log_rows(action="hide"), fmt, target) == 0


def test_read_only_filesystem_is_a_clear_error(store: Store, config, tiny_fs: Path) -> None:
    hostile_store(store, config)
    target = tiny_fs / "log.csv"
    target.write_text("previous export\n")
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    with pytest.raises(ExportError, match="cannot write to .*Read-only file system"):
        ex.export_to_file(store.log_rows(), "csv", target)
    assert target.read_text() == "previous export\n"
    result = CliRunner().invoke(cli, ["--db", store.path, "export", "-o", str(target)])
    assert result.exit_code == 2 and "Read-only file system" in result.stderr
    assert "Traceback" not in result.output
