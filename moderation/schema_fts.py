"""The full-text index's watermark: comments_fts may lag behind comments and catch up later.

Invariant (schema v7): the comments whose id is at most ``fts_progress.indexed_through`` are
in ``comments_fts`` with their current text and author, and no comment above it is. A bulk
ingest stores comments without indexing them (the watermark stays put); a catch-up indexes the
next ids above the watermark and moves it, in the same transaction, so a crash at any moment
leaves the invariant true. The triggers keep it true for single inserts, edits and deletes:
an FTS5 external-content 'delete' of a row that was never inserted would corrupt the index,
so a row above the watermark is left to the catch-up.
"""

from __future__ import annotations

import sqlite3

FTS_PROGRESS = (
    "CREATE TABLE IF NOT EXISTS fts_progress ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " indexed_through INTEGER NOT NULL)")  # comments with id <= this are in comments_fts

# The watermark as the triggers read it.
_W = "(SELECT indexed_through FROM fts_progress WHERE id = 1)"

# A new comment is indexed at once when nothing below it waits (its id is at most one past the
# watermark; a reused id below it counts too), and the watermark follows it; otherwise the
# catch-up indexes it in turn.
FTS_INSERT_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS comments_ai AFTER INSERT ON comments"
    f" WHEN new.rowid <= {_W} + 1 BEGIN"
    " INSERT INTO comments_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);"
    " UPDATE fts_progress SET indexed_through = new.rowid"
    " WHERE id = 1 AND indexed_through < new.rowid; END")

FTS_DELETE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS comments_ad AFTER DELETE ON comments"
    f" WHEN old.rowid <= {_W} BEGIN"
    " INSERT INTO comments_fts (comments_fts, rowid, text, author)"
    " VALUES ('delete', old.rowid, old.text, old.author); END")

FTS_UPDATE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS comments_au AFTER UPDATE OF text, author ON comments"
    f" WHEN old.rowid <= {_W} BEGIN"
    " INSERT INTO comments_fts (comments_fts, rowid, text, author)"
    " VALUES ('delete', old.rowid, old.text, old.author);"
    " INSERT INTO comments_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);"
    " END")

FTS_TRIGGERS = {"comments_ai": FTS_INSERT_TRIGGER, "comments_ad": FTS_DELETE_TRIGGER,
                "comments_au": FTS_UPDATE_TRIGGER}


def m7_fts_watermark(conn: sqlite3.Connection) -> None:
    """The full-text index may lag behind a bulk ingest: a watermark says how far it reaches."""
    # A database of an older version indexed every comment through its triggers.
    conn.execute(FTS_PROGRESS)
    conn.execute("INSERT OR IGNORE INTO fts_progress(id, indexed_through)"
                 " SELECT 1, COALESCE(MAX(id), 0) FROM comments")
    for name, ddl in FTS_TRIGGERS.items():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(ddl)
