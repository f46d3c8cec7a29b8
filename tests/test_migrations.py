"""Schema migrations: ordered, each in a transaction, and the log's append-only guard survives."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation import schema
from moderation.actions import decide
from moderation.cli import cli
from moderation.errors import StoreError
from moderation.store import Store

from conftest import SAMPLE


def v1_database(path: Path) -> None:
    """A database as the first release left it: the baseline tables, guards, version 1."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statement in schema.statements(schema.TABLES):
        conn.execute(statement)
    for ddl in schema.GUARD_TRIGGERS.values():
        conn.execute(ddl)
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO articles(key, title, ingested_at) VALUES ('a', 'Old article', 't')")
    conn.execute("INSERT INTO comments(article_id, key, text, text_hash, ingested_at)"
                 " VALUES (1, 'c', 'old comment', 'h', 't')")
    conn.execute("INSERT INTO moderation_log(at, moderator, action, comment_id, article_id,"
                 " prev_status, new_status, evidence) VALUES ('2024-01-01T00:00:00.000000Z',"
                 " 'ann', 'hide', 1, 1, 'pending', 'hidden', '{\"model\": \"m\"}')")
    conn.execute("INSERT INTO decisions(comment_id, status, action, moderator, decided_at,"
                 " revision, log_id) VALUES (1, 'hidden', 'hide', 'ann', 't', 1, 1)")
    conn.execute("COMMIT")
    conn.close()


def assert_append_only(conn: sqlite3.Connection) -> None:
    assert schema.missing_guards(conn) == []
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE moderation_log SET moderator = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM moderation_log")


def test_new_database_is_at_the_latest_version_with_history(store: Store) -> None:
    conn = store.db.conn
    assert schema.schema_version(conn) == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == list(range(schema.BASELINE_VERSION + 1, schema.SCHEMA_VERSION + 1))
    assert "moderation_log_readable" in store.db.view_names()
    assert "comment_status" in store.db.view_names()


def test_old_database_is_migrated_and_keeps_its_log(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    v1_database(path)
    with Store(path) as store:
        assert schema.schema_version(store.db.conn) == schema.SCHEMA_VERSION
        assert_append_only(store.db.conn)
        rows = store.query("SELECT * FROM moderation_log_readable")
        assert [(r["moderator"], r["action"], r["model"], r["article_title"]) for r in rows] == [
            ("ann", "hide", "m", "Old article")]
        assert store.status_of(1) == ("hidden", 1)
    with Store(path) as again:  # opening a migrated database changes nothing
        assert again.query("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == len(
            schema.MIGRATIONS)


def test_guard_exists_after_every_migration(tmp_path: Path) -> None:
    for upto in range(len(schema.MIGRATIONS) + 1):
        path = tmp_path / f"step{upto}.db"
        v1_database(path)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        applied = schema.migrate(conn, schema.MIGRATIONS[:upto])
        conn.execute("COMMIT")
        assert applied == list(range(2, 2 + upto))
        assert schema.schema_version(conn) == 1 + upto
        assert_append_only(conn)
        conn.close()


def _drops_the_guard(conn: sqlite3.Connection) -> None:
    """A careless migration: rebuilds nothing, just drops a guard trigger."""
    conn.execute("DROP TRIGGER moderation_log_no_delete")
    conn.execute("DROP TRIGGER moderation_log_no_update")


def _hides_the_log_behind_a_view(conn: sqlite3.Connection) -> None:
    """A migration after which no trigger can guard moderation_log (it became a view)."""
    conn.execute("ALTER TABLE moderation_log RENAME TO moderation_log_old")
    conn.execute("CREATE VIEW moderation_log AS SELECT * FROM moderation_log_old")


def _fails_halfway(conn: sqlite3.Connection) -> None:
    """A migration that breaks after its first statement."""
    conn.execute("CREATE TABLE half_done (x)")
    conn.execute("SELECT no_such_function()")


def _migrate(path: Path, steps: list) -> list[int]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            applied = schema.migrate(conn, steps)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return applied
    finally:
        conn.close()


def test_migration_that_drops_the_guard_gets_it_back(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    v1_database(path)
    assert _migrate(path, [*schema.MIGRATIONS, _drops_the_guard]) == list(
        range(2, schema.SCHEMA_VERSION + 2))
    conn = sqlite3.connect(path, isolation_level=None)
    assert_append_only(conn)
    conn.close()


def test_migration_that_leaves_the_log_unguardable_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    v1_database(path)
    with pytest.raises(sqlite3.DatabaseError):
        _migrate(path, [*schema.MIGRATIONS, _hides_the_log_behind_a_view])
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.schema_version(conn) == 1  # the caller's transaction rolled back as a whole
    assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'moderation_log'"
                        ).fetchone()[0] == "table"
    assert_append_only(conn)
    conn.close()


def test_failing_migration_rolls_back_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    v1_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="no_such_function"):
        schema.migrate(conn, [*schema.MIGRATIONS, _fails_halfway])
    # The savepoint undid the failed step; the steps before it are intact in the transaction.
    assert "half_done" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert schema.schema_version(conn) == schema.SCHEMA_VERSION
    conn.execute("ROLLBACK")
    assert schema.schema_version(conn) == 1
    assert_append_only(conn)
    conn.close()


def test_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(StoreError, match="newer than this program"):
        Store(path)


def test_cli_restores_a_missing_guard_at_start(tmp_path: Path, config) -> None:
    path = tmp_path / "cli.db"
    with Store(path) as store:
        store.ingest(SAMPLE)
        decide(store, 2, "hide", "ann", config.thresholds, reason="abuse")
        store.db.execute("DROP TRIGGER moderation_log_no_update")
    result = CliRunner().invoke(cli, ["--db", str(path), "export", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "append-only guard was missing" in result.stderr
    with Store(path) as store:
        assert_append_only(store.db.conn)
        assert [r["action"] for r in store.log_rows()] == ["hide", "guard_restored"]


def test_a_same_named_trigger_that_guards_nothing_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "tampered.db"
    with Store(path) as store:
        store.ingest(SAMPLE)
        store.db.execute("DROP TRIGGER moderation_log_no_delete")
        store.db.execute("CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON"
                         " moderation_log BEGIN SELECT 1; END")
        assert schema.missing_guards(store.db.conn) == ["moderation_log_no_delete"]
        assert store.check_guards() == ["moderation_log_no_delete"]
        assert_append_only(store.db.conn)


def test_incomplete_log_entries_are_refused(scored_store: Store) -> None:
    conn = scored_store.db.conn
    good = {"at": "2026-01-01T00:00:00.000000Z", "moderator": "ann", "automated": 0,
            "action": "hide", "comment_id": 2, "article_id": 1, "prev_status": "pending",
            "new_status": "hidden", "undoes": None}

    def insert(**changes: object) -> None:
        row = {**good, **changes}
        conn.execute(f"INSERT INTO moderation_log({', '.join(row)}) VALUES"
                     f" ({', '.join('?' * len(row))})", list(row.values()))

    for bad in ({"moderator": " "}, {"moderator": "system"}, {"automated": 2},
                {"at": "2026-01-01 00:00:00"}, {"at": "2026-01-01T00:00:00+02:00"},
                {"comment_id": None}, {"prev_status": None}, {"new_status": "gone"},
                {"action": "undo"}):
        with pytest.raises(sqlite3.IntegrityError, match="incomplete entry refused"):
            insert(**bad)
    insert()
    insert(moderator="system", automated=1)
    assert scored_store.query("SELECT COUNT(*) AS n FROM moderation_log")[0]["n"] == 2


def test_a_decision_without_evidence_still_snapshots_the_model(scored_store: Store) -> None:
    scored_store.record_decision(2, "hide", "bob", reason="abuse")
    scored_store.record_decision(1, "approve", "system", automated=True)
    rows = list(scored_store.log_rows())
    assert json.loads(rows[0]["evidence"]) == {
        "model": "fixture", "version": "1", "scores": {"toxicity": 0.97, "insult": 0.93},
        "thresholds": None, "flagged": None, "score_status": "ok"}
    assert (rows[1]["moderator"], rows[1]["automated"]) == ("system", 1)


CRASH_BETWEEN_LOG_AND_STATUS = r"""
import os, sys
from moderation.store import Store
store = Store(sys.argv[1])
# The process dies for real (no cleanup, no rollback by Python) right after the log row is
# inserted and before the decision row is written: SQLite calls die() from the trigger.
store.db.conn.create_function("die", 0, lambda: os._exit(9))
store.db.conn.execute("CREATE TEMP TRIGGER die_after_log AFTER INSERT ON main.moderation_log"
                      " BEGIN SELECT die(); END")
store.record_decision(2, "hide", "ann", reason="abuse")
print("not reached")
"""


def test_a_crash_between_log_row_and_status_leaves_neither(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "crash.db"
    with Store(path) as store:
        store.ingest(SAMPLE)
    done = subprocess.run([sys.executable, "-c", CRASH_BETWEEN_LOG_AND_STATUS, str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 9 and "not reached" not in done.stdout, done.stderr
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        assert store.status_of(2) == ("pending", 0)
        assert store.query("SELECT COUNT(*) AS n FROM moderation_log")[0]["n"] == 0
        assert store.query("SELECT COUNT(*) AS n FROM decisions")[0]["n"] == 0
        store.record_decision(2, "hide", "ann", reason="abuse")  # and it works afterwards
        assert store.status_of(2) == ("hidden", 1)


OPEN_OLD_DB = r"""
import sys, time
from moderation.store import Store
deadline = float(sys.argv[2])
while time.time() < deadline:  # start together
    time.sleep(0.001)
with Store(sys.argv[1]) as store:
    print(store.query("SELECT value FROM meta WHERE key = 'schema_version'")[0]["value"])
"""


def test_processes_opening_an_old_database_together_migrate_it_once(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "old.db"
    v1_database(path)
    start = str(time.time() + 3)
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_OLD_DB, str(path), start],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outs]
    assert {out.strip() for out, _ in outs} == {str(schema.SCHEMA_VERSION)}
    with Store(path) as store:
        assert [r["version"] for r in store.query(
            "SELECT version FROM schema_migrations ORDER BY 1")] == list(
            range(2, schema.SCHEMA_VERSION + 1))
        assert_append_only(store.db.conn)
        assert store.query("SELECT COUNT(*) AS n FROM moderation_log")[0]["n"] == 1


def test_the_sqlite3_shell_reads_the_schema_and_views(tmp_path: Path, config) -> None:
    import shutil
    import subprocess

    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 shell is not installed")
    path = tmp_path / "shell.db"
    with Store(path) as store:
        store.ingest(SAMPLE)
        decide(store, 2, "hide", "ann", config.thresholds, reason="abuse")
    tables = subprocess.run([shell, "-readonly", str(path), ".tables"], capture_output=True,
                            text=True, check=True).stdout.split()
    for name in ("articles", "comments", "scorings", "scores", "decisions", "moderation_log",
                 "schema_migrations", "moderation_log_readable", "comment_status"):
        assert name in tables
    out = subprocess.run(
        [shell, "-readonly", "-header", "-csv", str(path),
         "SELECT log_id, moderator, action, reason, comment_id, new_status"
         " FROM moderation_log_readable"], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["log_id,moderator,action,reason,comment_id,new_status",
                                "1,ann,hide,abuse,2,hidden"]


def test_keys_of_an_older_database_become_the_keys_new_ingests_compute(tmp_path: Path) -> None:
    """Schemas v5 and v6: a database whose comment keys and text hashes are 64-character hex
    (as v4 and earlier wrote them) gets the binary keys, starting with the text hash, that
    this version computes; re-ingesting the same comments adds nothing; the second hash
    index is gone and stays gone."""
    from moderation.store.core import _sha, article_key, comment_base

    path = tmp_path / "v4.db"
    with Store(path) as store:
        store.ingest(SAMPLE)
        new_keys = store.db.conn.execute(
            "SELECT id, key, text_hash FROM comments ORDER BY id").fetchall()
    assert all(isinstance(k, bytes) and len(k) == 16 and k[:8] == t[:8] for _, k, t in new_keys)
    # what v4 stored, computed the way v4 did: hex SHA-256 of the identity and of the text
    old = []
    for article in SAMPLE.articles:
        akey = article_key(article, SAMPLE.source, SAMPLE.format)
        seen: dict[str, int] = {}
        for c in article.comments:
            base = comment_base(akey, c)
            n = seen[base] = seen.get(base, -1) + 1
            old.append((_sha(base, str(n)), _sha(c.text)))
    assert len(old) == len(new_keys)
    conn = sqlite3.connect(path, isolation_level=None)
    for (cid, _, _), (key, thash) in zip(new_keys, old, strict=True):
        conn.execute("UPDATE comments SET key = ?, text_hash = ? WHERE id = ?", (key, thash, cid))
    conn.execute("CREATE INDEX comments_text_hash ON comments(text_hash)")
    conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.execute("DELETE FROM schema_migrations WHERE version > 4")
    conn.close()
    for _ in range(2):
        with Store(path) as store:
            assert schema.schema_version(store.db.conn) == schema.SCHEMA_VERSION
            assert store.db.conn.execute(
                "SELECT id, key, text_hash FROM comments ORDER BY id").fetchall() == new_keys
            assert "comments_text_hash" not in {
                r[0] for r in store.db.conn.execute("SELECT name FROM sqlite_master")}
            assert store.ingest(SAMPLE).comments_added == 0
            assert store.query("SELECT COUNT(*) AS n FROM comments")[0]["n"] == len(new_keys)
