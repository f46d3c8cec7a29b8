"""The 25 cases of the hostile-input list (docs/RELIABILITY.md maps each to its tests).

Each test is named after its case: ``test_case_NN_<what>``. They drive the real CLI as a
subprocess in a temp directory, read the real SQLite file afterwards, and check what reached
the terminal. Cases already covered elsewhere (tests/test_tui.py, tests/test_export.py,
tests/test_store.py, ...) get only what those tests leave out; RELIABILITY.md lists both.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from moderation import export as ex
from moderation.actions import decide
from moderation.batch import INGEST_CHUNK
from moderation.config import Config
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.errors import InputError, ParseError
from moderation.parse import parse_bytes
from moderation.safetext import match_key, visible
from moderation.store import Store

from conftest import REPO
from test_cli import mod

# Characters that must never reach a terminal raw (newline is the only control let through).
TERMINAL_BAD = ({chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))} - {"\n"}) | {
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u200b", "\u00ad", "\u2028", "\u2029"}

MARKUP = '[@click=app.quit]Read more[/] [bold red]URGENT[/] [link="https://x"]y[/]'
BYPASSES = ["[ @click=app.quit]x", "[RED]x[/]", "[$accent]x", "\\[", "trailing \\"]
BRACKET_JUNK = ["[/]", "[0]", "[bold", "[[[[", "[[self foo] bar]"]
ESCAPES = ("title \x1b]0;pwned\x07 clip \x1b]52;c;ZXZpbA==\x07 link \x1b]8;;http://x\x1b\\y"
           "\x1b]8;;\x1b\\ clear \x1b[2J reset \x1bc c1 \x9b31m \x85 nul \x00 del \x7f bel \x07")
BIDI = "bidi \u202egnp.exe\u202c \u2066iso\u2069 \u2067r\u2069 \u2068f\u2069 zw\u200bsp soft\u00adhy"


def run_sql(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Everything a moderator did: decisions and the whole log, as stored."""
    return {t: run_sql(db, f"SELECT * FROM {t} ORDER BY 1") for t in ("decisions", "moderation_log")}


def bad_chars(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if c in TERMINAL_BAD})


def no_traceback(res: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr[-2000:]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# -- cases 1-5: untrusted text on the terminal (the queue: tests/test_tui.py) --------------

HOSTILE_TEXTS = [MARKUP, " ".join(BYPASSES), " ".join(BRACKET_JUNK), ESCAPES, BIDI]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose comments, authors and article title are the hostile strings, flagged."""
    d = tmp_path_factory.mktemp("hostile")
    db = d / "h.db"
    with Store(db) as s:
        comments = tuple(Comment(t, author=t, position=i) for i, t in enumerate(HOSTILE_TEXTS))
        s.ingest(ParseResult("text", (Article(title=MARKUP + ESCAPES, comments=comments),),
                             source="h.txt"))
        s.save_scores([(i + 1, Scores({"toxicity": 0.99 - i / 100}, "m", "1"))
                       for i in range(len(HOSTILE_TEXTS))])
    return db


@pytest.fixture(scope="module")
def flagged_out(hostile_db: Path) -> subprocess.CompletedProcess[str]:
    res = mod("--db", str(hostile_db), "flagged", cwd=hostile_db.parent)
    assert res.returncode == 0, res.stderr
    no_traceback(res)
    return res


def test_case_01_markup_printed_literally_by_flagged(flagged_out) -> None:
    out = flagged_out.stdout
    assert out.count(MARKUP) >= 3  # the text, the author and the article title
    assert "5 flagged comment(s)" in flagged_out.stderr


def test_case_02_escape_bypasses_printed_literally_by_flagged(flagged_out) -> None:
    for piece in BYPASSES:
        assert piece in flagged_out.stdout


def test_case_03_bracket_junk_renders_without_loss(flagged_out) -> None:
    from moderation.tui import render

    assert " ".join(BRACKET_JUNK) in flagged_out.stdout
    # The queue's renderers take it as plain Text: no MarkupError, every character kept.
    for junk in [*BRACKET_JUNK, " ".join(BRACKET_JUNK), MARKUP, *BYPASSES]:
        console = Console(file=io.StringIO(), width=400, color_system=None)
        for shown in (render.safe(junk), render.safe(junk, one_line=True),
                      render.comment_line({"id": 1, "author": junk, "text": junk,
                                           "status": "pending"}, width=400)):
            console.print(shown)
            assert junk in shown.plain
        assert console.file.getvalue().count(junk) >= 3


def test_case_04_terminal_escapes_never_reach_the_terminal(flagged_out, hostile_db) -> None:
    assert bad_chars(flagged_out.stdout + flagged_out.stderr) == []
    # Visible placeholders instead.
    for marker in ("␛]0;pwned␇", "␛]52;c;", "␛[2J", "␛c", "<U+009B>", "<U+0085>", "␀", "␡"):
        assert marker in flagged_out.stdout, marker
    # Raw characters kept in the database, for text and author alike.
    assert run_sql(hostile_db, "SELECT text, author FROM comments WHERE id = 4") == [
        (ESCAPES, ESCAPES)]


def test_case_04_parse_output_carries_no_raw_control_characters(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    write_jsonl(src, [{"text": ESCAPES + BIDI, "author": ESCAPES}])
    res = mod("parse", str(src), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert bad_chars(res.stdout + res.stderr) == []
    (article,) = json.loads(res.stdout)["articles"]
    assert article["comments"][0]["text"] == ESCAPES + BIDI  # JSON escapes, nothing lost


def test_case_04_raw_bytes_from_csv_and_jsonl_kept_in_the_database(tmp_path: Path) -> None:
    raw = "esc \x1b]0;t\x07 csi \x1b[2J c1 \x9b del \x7f bel \x07 bidi \u202e end"
    with (tmp_path / "c.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "author", "text"], ["1", raw, raw]])
    write_jsonl(tmp_path / "c.jsonl", [{"id": "2", "author": "nul\x00" + raw,
                                        "text": "nul\x00" + raw}])
    res = mod("--db", "m.db", "ingest", "c.csv", "c.jsonl", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert bad_chars(res.stderr + res.stdout) == []
    got = run_sql(tmp_path / "m.db", "SELECT source_id, author, text FROM comments ORDER BY id")
    assert got == [("1", raw, raw), ("2", "nul\x00" + raw, "nul\x00" + raw)]


def test_case_05_bidi_and_invisibles_shown_with_markers(flagged_out, hostile_db) -> None:
    for marker in ("<RLO>", "<PDF>", "<LRI>", "<RLI>", "<FSI>", "<PDI>", "<ZWSP>", "<SHY>"):
        assert marker in flagged_out.stdout, marker
    assert run_sql(hostile_db, "SELECT text, author FROM comments WHERE id = 5") == [(BIDI, BIDI)]


def test_case_05_author_matching_uses_a_normalized_form(store: Store, config: Config) -> None:
    variants = ["Troll", "Tr\u200boll", "TROLL", "\uff34\uff52\uff4f\uff4c\uff4c", "\u202eTroll",
                "T\u00adroll", " troll  ", "Tro\u2060ll"]
    store.ingest(ParseResult("text", (Article(title="t", comments=tuple(
        Comment(f"comment {i}", author=a, position=i) for i, a in enumerate(variants))),),
        source="a"))
    assert {match_key(a) for a in variants} == {"troll"}
    rows = store.query("SELECT author, author_norm FROM comments ORDER BY id")
    assert [r["author"] for r in rows] == variants  # raw kept
    assert {r["author_norm"] for r in rows} == {"troll"}
    # One author for the queue: every variant's comment is in the author's pending list.
    assert [cid for cid, _ in store.pending_by_author("troll")] == list(range(1, 9))
    # A look-alike in another script is not folded onto the Latin name (no false matches).
    assert match_key("\u0422roll") != "troll"


# -- cases 6-7: exports (more in tests/test_export.py and tests/test_golden_export.py) -------

CSV_CELLS = ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2", " =1+2", "\uff1d1+2",
             'say "hi"\nthen, bye', "nul\x00byte", "'=already quoted", "plain text"]


@pytest.fixture
def export_db(tmp_path: Path) -> Path:
    db = tmp_path / "x.db"
    with Store(db) as s:
        s.ingest(ParseResult("csv", (Article(title="=HYPERLINK(\"http://x\")", comments=tuple(
            Comment(t, author=t, position=i) for i, t in enumerate(CSV_CELLS))),), source="x"))
        s.save_scores([(i + 1, Scores({"toxicity": 0.9, "insult": 0.25}, "m", "1"))
                       for i in range(len(CSV_CELLS))])
    return db


def test_case_06_csv_export_through_the_cli_is_neutralized_and_parses_back(
        export_db: Path, tmp_path: Path) -> None:
    for cid, note in enumerate(CSV_CELLS, start=1):
        res = mod("--db", str(export_db), "decide", str(cid), "hide", "--reason", "abuse",
                  "--note", note.replace("\x00", ""), "--moderator", "@mod", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
    out = tmp_path / "log.csv"
    res = mod("--db", str(export_db), "export", "--format", "csv", "-o", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    header, *rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert tuple(header) == ex.COLUMNS and len(rows) == len(CSV_CELLS)
    col = {c: i for i, c in enumerate(header)}
    for n, (row, original) in enumerate(zip(rows, CSV_CELLS, strict=True), start=1):
        for name in ("comment_text", "comment_author", "note", "moderator", "article_title"):
            cell = row[col[name]]
            assert not ex._formula_like(cell) or cell.startswith("'"), (name, cell)
        assert ex.unneutralize(row[col["comment_text"]]) == original
        assert ex.unneutralize(row[col["comment_author"]]) == original
        assert ex.unneutralize(row[col["note"]]) == original.replace("\x00", "")
        assert ex.unneutralize(row[col["moderator"]]) == "@mod"
        assert row[col["comment_id"]] == str(n) and row[col["log_id"]] == str(n)  # untouched
        assert json.loads(row[col["scores"]]) == {"toxicity": 0.9, "insult": 0.25}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".log.csv")] == []


def test_case_07_jsonl_export_one_record_per_line_and_nan_is_null(tmp_path: Path) -> None:
    texts = ["cr\rhere", "ls\u2028here", "ps\u2029here", "nel\u0085here", "all\r\u2028\u2029\x85"]
    db = tmp_path / "j.db"
    with Store(db) as s:
        s.ingest(ParseResult("text", (Article(title="t\u2028", comments=tuple(
            Comment(t, author=t, position=i) for i, t in enumerate(texts))),), source="j"))
        # The model produced a NaN for one label of comment 1: refused, with a status.
        s.save_scores([(1, Scores({"toxicity": float("nan"), "insult": 0.7}, "m", "1"))])
        s.save_scores([(i, Scores({"toxicity": 0.9}, "m", "1")) for i in range(2, 6)])
        assert s.scores_for(1)["status"] == "invalid_score"
        for cid in range(1, 6):
            decide(s, cid, "hide", "ann", Config().thresholds, reason="abuse", note=texts[cid - 1])
    res = mod("--db", str(db), "export", "--format", "jsonl", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = res.stdout

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    lines = out.splitlines()  # splits on \r, U+2028, U+2029 and U+0085 too
    assert len(lines) == len(texts) == out.count("\n")
    recs = [json.loads(line, parse_constant=refuse) for line in lines]
    assert [r["comment_text"] for r in recs] == texts
    assert [r["note"] for r in recs] == texts
    assert recs[0]["scores"] == {"insult": 0.7} and recs[0]["score_status"] == "invalid_score"
    assert "NaN" not in out and "Infinity" not in out


# -- case 8: numpy float32 scores ------------------------------------------------------------

def test_case_08_float32_scores_stored_as_real_and_ordered(store: Store, config: Config) -> None:
    from moderation.triage import load_queue

    texts = ["mild", "worst", "clean", "middle", "edge"]
    values = [np.float32(0.55), np.float32(0.97), np.float32(0.01), np.float32(0.8),
              np.float32(0.5)]
    store.ingest(ParseResult("text", (Article(title="t", comments=tuple(
        Comment(t, position=i) for i, t in enumerate(texts))),), source="f"))
    # Both write paths: save_scores (interactive) and save_batch (the batch scorer).
    store.save_scores([(1, Scores({"toxicity": values[0], "insult": np.float32(0.1)}, "m", "1")),
                       (2, Scores({"toxicity": values[1], "insult": np.float32(0.9)}, "m", "1"))])
    store.save_batch("m", "1", [(i + 1, Scores({"toxicity": values[i],
                                                "insult": np.float32(0.1)}, "m", "1"))
                                for i in (2, 3, 4)], [])
    types = store.query("SELECT DISTINCT typeof(value) AS t FROM scores")
    assert [r["t"] for r in types] == ["real"]
    assert [r["t"] for r in store.query(
        "SELECT DISTINCT typeof(max_value) AS t FROM scorings")] == ["real"]
    queue = load_queue(store, config.thresholds)
    # Worst first; 0.5 exactly (float32 0.5 is exact) reaches the 0.5 threshold; clean is out.
    assert [i.comment_id for i in queue] == [2, 4, 1, 5]
    assert queue[0].flagged == ["toxicity", "insult"]
    assert [i.flagged for i in queue[1:]] == [["toxicity"]] * 3
    assert all(type(v) is float for i in queue for v in i.labels.values())


# -- case 12: re-ingest after moderators acted -------------------------------------------------

def test_case_12_reingest_after_decisions_changes_nothing_decided(tmp_path: Path) -> None:
    rows = [{"id": str(i), "article": "a1", "author": f"u{i}", "text": f"comment {i}"}
            for i in range(1, 6)]
    write_jsonl(tmp_path / "export.jsonl", rows)
    (tmp_path / "page.txt").write_text((REPO / "seeds" / "000_3085d7b6e1beafaf.txt").read_text())
    assert mod("--db", "m.db", "ingest", "-q", "export.jsonl", "page.txt",
               cwd=tmp_path).returncode == 0
    db = tmp_path / "m.db"
    n_before = run_sql(db, "SELECT COUNT(*) FROM comments")[0][0]
    for cid, action in ((1, "hide"), (2, "approve"), (7, "hide"), (8, "note")):
        extra = ["--note", "seen"] if action == "note" else []
        res = mod("--db", "m.db", "decide", str(cid), action, "--moderator", "ann", *extra,
                  cwd=tmp_path)
        assert res.returncode == 0, res.stderr
    decided = snapshot(db)
    comments = run_sql(db, "SELECT id, key, text FROM comments ORDER BY id")
    # The same files again: nothing added, nothing decided touched.
    again = mod("--db", "m.db", "ingest", "-q", "export.jsonl", "page.txt", cwd=tmp_path)
    assert again.returncode == 0 and "0 new" in again.stderr
    assert snapshot(db) == decided
    assert run_sql(db, "SELECT id, key, text FROM comments ORDER BY id") == comments
    # The export changed: comment 2 edited, one comment added. Only those two are new rows.
    rows[1]["text"] = "comment 2, edited"
    write_jsonl(tmp_path / "export.jsonl", [*rows, {"id": "6", "article": "a1", "text": "new"}])
    changed = mod("--db", "m.db", "ingest", "-q", "export.jsonl", cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert snapshot(db) == decided
    after = run_sql(db, "SELECT id, key, text FROM comments ORDER BY id")
    assert after[:len(comments)] == comments
    assert [t for _, _, t in after[len(comments):]] == ["comment 2, edited", "new"]
    assert run_sql(db, "SELECT COUNT(*) FROM comments")[0][0] == n_before + 2


# -- case 13: the append-only log ----------------------------------------------------------------

def test_case_13_log_refuses_update_and_delete_from_any_connection(export_db: Path,
                                                                      tmp_path: Path) -> None:
    assert mod("--db", str(export_db), "decide", "1", "hide", "--moderator", "ann",
               cwd=tmp_path).returncode == 0
    before = snapshot(export_db)
    conn = sqlite3.connect(export_db)  # another program, not the tool's Store
    try:
        for sql in ("UPDATE moderation_log SET moderator = 'mallory'",
                    "DELETE FROM moderation_log", "UPDATE moderation_log SET action = 'approve'"
                    " WHERE id = 1"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
        # Dropping the guard behind the tool's back: the next command restores it and says so.
        conn.execute("DROP TRIGGER moderation_log_no_update")
        conn.commit()
    finally:
        conn.close()
    res = mod("--db", str(export_db), "export", "--format", "jsonl", cwd=tmp_path)
    assert res.returncode == 0
    assert "append-only guard was missing and has been restored" in res.stderr
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        run_sql(export_db, "UPDATE moderation_log SET moderator = 'mallory'")
    assert snapshot(export_db)["decisions"] == before["decisions"]
    log = snapshot(export_db)["moderation_log"]
    assert log[:1] == before["moderation_log"] and len(log) == 2  # + the guard_restored entry


# -- case 14: a failure between the status change and its log row ---------------------------

def test_case_14_failed_status_change_writes_no_log_row(scored_store: Store, config: Config) -> None:
    # The other half of tests/test_store.py::test_decision_and_log_row_roll_back_together:
    # the status change itself fails (after or before the log insert, whichever comes first).
    decide(scored_store, 3, "approve", "ann", config.thresholds)
    before = [scored_store.query(f"SELECT * FROM {t} ORDER BY 1") for t in
              ("decisions", "moderation_log")]
    for when in ("INSERT", "UPDATE"):
        scored_store.db.execute(
            f"CREATE TRIGGER fail_{when} BEFORE {when} ON decisions "
            "BEGIN SELECT RAISE(ABORT, 'power cut'); END")
    for cid, action in ((2, "hide"), (3, "hide")):  # a new decision row, then an update
        with pytest.raises(sqlite3.IntegrityError, match="power cut"):
            decide(scored_store, cid, action, "ann", config.thresholds, reason="abuse")
    after = [scored_store.query(f"SELECT * FROM {t} ORDER BY 1") for t in
             ("decisions", "moderation_log")]
    assert after == before
    assert scored_store.status_of(2) == ("pending", 0)
    assert scored_store.status_of(3) == ("approved", 1)
    # Every status has its log row and every log row its status.
    orphans = scored_store.query(
        "SELECT d.comment_id FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM moderation_log l"
        " WHERE l.comment_id = d.comment_id AND l.new_status = d.status)")
    assert orphans == []


# -- case 15: disk full, read-only database or output directory ------------------------------

@pytest.fixture
def small_fs(tmp_path: Path):
    """A 2 MiB tmpfs (needs root and mount permission; else skipped)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_case_15_full_disk_under_the_database_is_a_clear_error(small_fs: Path,
                                                                tmp_path: Path) -> None:
    db = small_fs / "m.db"
    seeds = REPO / "seeds"
    assert mod("--db", str(db), "ingest", str(seeds), cwd=tmp_path).returncode == 0
    assert mod("--db", str(db), "decide", "1", "hide", "--moderator", "ann",
               cwd=tmp_path).returncode == 0
    before = snapshot(db)
    comments = run_sql(db, "SELECT COUNT(*) FROM comments")
    big = write_jsonl(tmp_path / "big.jsonl", [{"id": str(i), "text": f"c{i} " + "x" * 300}
                                               for i in range(8000)])
    res = mod("--db", str(db), "ingest", "-q", str(big), cwd=tmp_path)
    assert res.returncode == 2
    no_traceback(res)
    assert "m.db: cannot write: database or disk is full" in res.stderr
    assert run_sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert snapshot(db) == before
    # Whole transactions only: the chunks committed before the disk filled, nothing partial.
    added = run_sql(db, "SELECT COUNT(*) FROM comments")[0][0] - comments[0][0]
    assert added % INGEST_CHUNK == 0 and added < 8000


def test_case_15_read_only_database_is_a_clear_error(small_fs: Path, tmp_path: Path) -> None:
    db = small_fs / "m.db"
    assert mod("--db", str(db), "ingest", str(REPO / "seeds"), cwd=tmp_path).returncode == 0
    before = snapshot(db)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    for args in (("decide", "1", "hide", "--moderator", "ann"),
                 ("ingest", str(REPO / "seeds"))):
        res = mod("--db", str(db), *args, cwd=tmp_path)
        assert res.returncode == 2, res.stderr
        no_traceback(res)
        assert "m.db: cannot write: " in res.stderr
        assert "readonly database" in res.stderr or "unable to open" in res.stderr
    subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    assert run_sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert snapshot(db) == before


def test_case_15_missing_output_directory_is_a_clear_error(export_db: Path,
                                                           tmp_path: Path) -> None:
    assert mod("--db", str(export_db), "decide", "1", "hide", "--moderator", "ann",
               cwd=tmp_path).returncode == 0
    target = tmp_path / "no" / "such" / "dir" / "log.csv"
    res = mod("--db", str(export_db), "export", "-o", str(target), cwd=tmp_path)
    assert res.returncode == 2
    no_traceback(res)
    assert "log.csv: cannot write to" in res.stderr and "nothing written" in res.stderr
    assert not (tmp_path / "no").exists()
    assert run_sql(export_db, "PRAGMA integrity_check") == [("ok",)]
