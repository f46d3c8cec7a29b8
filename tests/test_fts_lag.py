"""The full-text index lags behind a bulk ingest and catches up (issue 20, item 4): search says
when it is behind, edits and deletes stay right on both sides of the watermark, a SIGKILL in
the middle of a catch-up leaves a consistent index, old databases migrate, readers never write."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLE

from moderation import schema
from moderation.ingest import ingest_file
from moderation.cli import cli
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.schema_fts import FTS_TRIGGERS
from moderation.store import Store


def archive(path: Path, n: int, start: int = 0, words: int = 0) -> Path:
    """n comments; every one says 'bridge', every 7th also 'idiot'; authors u0..u4; ``words``
    more words in each (more work for the index)."""
    pad = "".join(f" w{j}x{j * 7 % 13}" for j in range(words))
    with path.open("w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            text = (f"comment number {i} about the bridge" + (" you idiot" if i % 7 == 0 else "")
                    + pad)
            fh.write(json.dumps({"id": f"c{i}", "article": f"a{i % 5}", "author": f"u{i % 5}",
                                 "text": text}) + "\n")
    return path


def fts_check(conn: sqlite3.Connection, *, against_content: bool) -> None:
    """FTS5's own check; ``against_content`` (rank 1) also compares every indexed row with the
    comments table, which holds only when nothing is behind."""
    conn.execute("INSERT INTO comments_fts(comments_fts, rank) VALUES ('integrity-check', ?)",
                 (int(against_content),))


def matches(store: Store, word: str) -> set[int]:
    return {r["id"] for r in store.search(word, limit=10**6).rows}


def watermark(store: Store) -> int:
    return int(store.query("SELECT indexed_through AS w FROM fts_progress")[0]["w"])


def lagging(tmp_path: Path, n: int = 140, words: int = 0) -> Store:
    s = Store(tmp_path / "lag.db")
    summary = ingest_file(s, archive(tmp_path / "a.jsonl", n, words=words), "jsonl",
                          chunk=50 if n <= 1000 else 5000, index="later")
    assert summary.comments_added == n and summary.index_behind == n
    return s


def test_search_reports_behind_then_finds_everything_after_catch_up(tmp_path: Path) -> None:
    with lagging(tmp_path) as s:
        result = s.search("idiot")
        assert result.rows == [] and result.behind == 140
        assert s.search_index_behind() == 140
        assert s.index_some(30) == 30 and s.search_index_behind() == 110
        assert matches(s, "idiot") == {i + 1 for i in range(0, 30, 7)}  # ids start at 1
        done = s.catch_up_index(rows=25)
        assert (done.indexed, done.transactions, done.behind) == (110, 5, 0)
        result = s.search("idiot", limit=1000)
        assert result.behind == 0
        assert {r["id"] for r in result.rows} == {i + 1 for i in range(0, 140, 7)}
        assert matches(s, "bridge") == set(range(1, 141))
        assert matches(s, "u3") == {i + 1 for i in range(140) if i % 5 == 3}  # the author
        fts_check(s.db.conn, against_content=True)
        assert s.integrity_check() == "ok"


def test_ingest_after_mode_catches_up_and_now_mode_never_lags(tmp_path: Path) -> None:
    src = archive(tmp_path / "a.jsonl", 90)
    for mode in ("after", "now"):
        with Store(tmp_path / f"{mode}.db") as s:
            summary = ingest_file(s, src, "jsonl", chunk=20, index=mode)
            assert summary.index_behind == 0 and s.search_index_behind() == 0
            assert summary.index_catch_up_rows == (90 if mode == "after" else 0)
            assert watermark(s) == 90 and len(matches(s, "bridge")) == 90
            fts_check(s.db.conn, against_content=True)
    with pytest.raises(ValueError, match="index must be one of"):
        ingest_file(Store(tmp_path / "x.db"), src, "jsonl", index="never")


def test_queue_search_on_a_lagging_index(tmp_path: Path) -> None:
    from moderation.config import Config

    with lagging(tmp_path, 20) as s:
        s.save_scores([(cid, Scores({"toxicity": 0.9}, "m", "1")) for cid in range(1, 21)])
        th = Config().thresholds
        assert s.queue_rows(th, search="idiot") == []
        s.catch_up_index()
        assert [r["id"] for r in s.queue_rows(th, search="idiot")] == [1, 8, 15]


def edit(s: Store, cid: int, text: str) -> None:
    s.write(lambda conn: conn.execute("UPDATE comments SET text = ? WHERE id = ?", (text, cid)))


def delete(s: Store, cid: int) -> None:
    s.write(lambda conn: conn.execute("DELETE FROM comments WHERE id = ?", (cid,)))


def test_edits_and_deletes_before_and_after_catch_up(tmp_path: Path) -> None:
    with lagging(tmp_path, 60) as s:
        s.index_some(30)  # ids 1..30 indexed, 31..60 behind
        edit(s, 8, "now about a heron")      # indexed
        edit(s, 43, "now about a kestrel")   # not yet
        delete(s, 15)                        # indexed
        delete(s, 50)                        # not yet: an FTS 'delete' here would corrupt it
        assert matches(s, "heron") == {8} and matches(s, "kestrel") == set()
        assert 15 not in matches(s, "bridge") and 8 not in matches(s, "bridge")
        fts_check(s.db.conn, against_content=False)
        # a comment stored the small way while the index lags waits its turn
        s.ingest(ParseResult(format="text", source="late.txt", articles=(Article(
            title="Late", comments=(Comment("a late falcon comment", author="z"),)),)))
        assert matches(s, "falcon") == set() and s.search_index_behind() == 30
        s.catch_up_index(rows=7)
        assert matches(s, "heron") == {8} and matches(s, "kestrel") == {43}
        assert matches(s, "falcon") == {61}
        assert matches(s, "bridge") == set(range(1, 61)) - {8, 15, 43, 50}
        fts_check(s.db.conn, against_content=True)
        # with nothing behind, edits, deletes and single inserts are indexed at once
        edit(s, 43, "back on the bridge")
        delete(s, 9)
        s.ingest(ParseResult(format="text", source="later.txt", articles=(Article(
            title="Later", comments=(Comment("an osprey comment", author="y"),)),)))
        assert matches(s, "osprey") == {62} and s.search_index_behind() == 0
        assert matches(s, "kestrel") == set() and 43 in matches(s, "bridge")
        assert 9 not in matches(s, "bridge")
        fts_check(s.db.conn, against_content=True)
        assert s.integrity_check() == "ok"


def test_ids_of_deleted_indexed_comments_come_again_unindexed(tmp_path: Path) -> None:
    # The last comments are deleted (indexed, so their index rows go); a bulk ingest then gets
    # their ids again, below the watermark: the watermark comes down with them.
    with lagging(tmp_path, 30) as s:
        s.catch_up_index()
        for cid in (30, 29, 28):
            delete(s, cid)
        ingest_file(s, archive(tmp_path / "b.jsonl", 10, start=1000), "jsonl", index="later")
        assert watermark(s) == 27 and s.search_index_behind() == 10
        fts_check(s.db.conn, against_content=False)
        s.catch_up_index()
        assert matches(s, "1003") == {31}
        fts_check(s.db.conn, against_content=True)


KILLABLE = """
import sys
from moderation.store import Store
s = Store(sys.argv[1])
for _ in sys.stdin:  # one catch-up transaction per line read
    s.index_some(int(sys.argv[2]))
    print("step", flush=True)
"""


def test_sigkill_in_the_middle_of_a_catch_up_then_resume(tmp_path: Path) -> None:
    n = 40_000
    with lagging(tmp_path, n, words=40) as s:
        db = Path(s.path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for delay in (0.0, 0.01, 0.03):
        proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(db), "5000"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "step\n"  # one transaction committed
        proc.stdin.write("go\n")
        proc.stdin.flush()
        time.sleep(delay)  # the kill lands inside the second one (5,000 rows) or just after
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(db) as s:
            assert s.integrity_check() == "ok"
            fts_check(s.db.conn, against_content=False)
            w = watermark(s)
            assert 0 < w < n, "the kill was meant to land in the middle"
            assert w % 5000 == 0  # whole transactions only: the killed one left nothing
            # exactly the comments up to the watermark are found, each once
            assert matches(s, "bridge") == set(range(1, w + 1))
            assert s.search_index_behind() == n - w
    with Store(db) as s:
        assert s.catch_up_index(rows=5000).behind == 0
        assert matches(s, "bridge") == set(range(1, n + 1))
        fts_check(s.db.conn, against_content=True)
        assert s.integrity_check() == "ok"


def v6_database(path: Path) -> None:
    """A database as version 6 left it: every comment indexed by unconditional triggers."""
    with Store(path) as s:
        s.ingest(SAMPLE)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("DROP TABLE fts_progress")
    for name in FTS_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    for st in schema.statements(schema.TABLES):
        if st.startswith("CREATE TRIGGER IF NOT EXISTS comments_a"):
            conn.execute(st)
    conn.execute("DELETE FROM schema_migrations WHERE version = 7")
    conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    conn.execute("PRAGMA user_version = 6")
    conn.execute("INSERT INTO comments(article_id, key, text, author, text_hash, ingested_at)"
                 " VALUES (1, x'00', 'added by version six', 'old', x'01', 't')")
    conn.execute("COMMIT")
    conn.close()


def test_old_schema_database_is_migrated_with_its_index_complete(tmp_path: Path) -> None:
    db = tmp_path / "v6.db"
    v6_database(db)
    with Store(db) as s:
        assert schema.schema_version(s.db.conn) == schema.SCHEMA_VERSION == 7
        assert watermark(s) == 6 and s.search_index_behind() == 0
        assert matches(s, "six") == {6} and matches(s, "idiot") == {2}
        fts_check(s.db.conn, against_content=True)
        sql = {r["name"]: r["sql"] for r in s.query(
            "SELECT name, sql FROM sqlite_master WHERE name LIKE 'comments_a_'")}
        assert all("fts_progress" in sql[name] for name in FTS_TRIGGERS)
        # and a bulk ingest into it lags and catches up like any other
        ingest_file(s, archive(tmp_path / "a.jsonl", 12), "jsonl", index="later")
        assert s.search_index_behind() == 12
        s.catch_up_index()
        assert len(matches(s, "bridge")) == 12
        fts_check(s.db.conn, against_content=True)


def test_a_reader_on_a_lagging_index_writes_nothing(tmp_path: Path) -> None:
    from moderation.config import Config

    with lagging(tmp_path, 40) as s:
        s.index_some(10)
        db = Path(s.path)
    files = sorted(p.name for p in db.parent.iterdir())
    before = db.read_bytes()
    with Store(db, reader=True) as r:
        assert r.search_index_behind() == 30
        result = r.search("bridge", limit=100)
        assert (len(result.rows), result.behind) == (10, 30)
        r.queue_rows(Config().thresholds, search="bridge")
        assert r.db.conn.total_changes == 0
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == files


def test_cli_ingest_later_search_says_behind_reindex_catches_up(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    src = str(archive(tmp_path / "a.jsonl", 50))
    runner = CliRunner()
    r = runner.invoke(cli, ["--db", db, "ingest", src, "-q", "--search-index", "later"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["--db", db, "search", "idiot"])
    assert r.exit_code == 0 and "search index is 50 comments behind" in r.stderr
    assert "0 comment(s) found" in r.stderr and r.stdout == ""
    r = runner.invoke(cli, ["--db", db, "reindex", "-q", "--rows-per-transaction", "20"])
    assert r.exit_code == 0, r.output
    done = json.loads(r.stderr.strip().splitlines()[-1])["search_index"]
    assert (done["indexed"], done["transactions"], done["behind"]) == (50, 3, 0)
    r = runner.invoke(cli, ["--db", db, "search", "idiot", "--json"])
    assert "behind" not in r.stderr
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == [
        i + 1 for i in range(0, 50, 7)]
    # the default catches up once the files are stored, and says what it did
    db2 = str(tmp_path / "d.db")
    r = runner.invoke(cli, ["--db", db2, "ingest", src, "-q"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stderr.strip().splitlines()[-1])["search_index"]["behind"] == 0
    r = runner.invoke(cli, ["--db", db2, "search", "bridge", "--limit", "100"])
    assert "50 comment(s) found" in r.stderr and "behind" not in r.stderr


@pytest.mark.asyncio
async def test_queue_search_says_the_index_is_behind(tmp_path: Path) -> None:
    from textual.widgets import Static

    from moderation.config import Config
    from moderation.tui.app import make_app

    with lagging(tmp_path, 20) as s:
        s.index_some(6)
        s.save_scores([(cid, Scores({"toxicity": 0.9}, "m", "1")) for cid in range(1, 21)])
        app = make_app(s, Config(), moderator="ann")
        async with app.run_test(size=(200, 40)) as pilot:
            await pilot.press("slash", *"idiot", "enter")
            for _ in range(50):
                await pilot.pause(0.05)
                if app.index_behind:
                    break
            assert sorted(i.comment_id for i in app.items) == [1]
            assert "index 14 behind" in str(app.query_one("#filters", Static).render())
            assert "14 comments behind" in str(app.query_one("#status-line", Static).render())
            s.catch_up_index()
            await pilot.press("slash", "ctrl+a", "ctrl+k", *"idiot", "enter")
            for _ in range(50):
                await pilot.pause(0.05)
                if not app.index_behind:
                    break
            assert sorted(i.comment_id for i in app.items) == [1, 8, 15]
            assert "behind" not in str(app.query_one("#filters", Static).render())
