"""The SQLite schema: tables, indexes, the append-only guard on the log, and migrations."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

STATUSES = ("pending", "approved", "hidden")
# The fixed vocabulary of moderation_log.action.
ACTIONS = ("approve", "hide", "note", "undo", "guard_restored")

TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,          -- stable identity: sha256 of source identity
    source TEXT,                       -- file the article was ingested from
    source_format TEXT,                -- text|html|wxr|disqus|csv|jsonl
    source_id TEXT,                    -- the id the source system gave it, if any
    title TEXT,
    byline TEXT,
    body TEXT,
    url TEXT,
    date TEXT,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    key TEXT NOT NULL UNIQUE,          -- content identity: re-ingest adds nothing twice
    source_id TEXT,
    parent_source_id TEXT,
    parent_known INTEGER NOT NULL DEFAULT 0,  -- 0: the source does not record threading
    parent_id INTEGER REFERENCES comments(id),
    author TEXT,                       -- raw, as the source had it
    author_norm TEXT,                  -- normalized for matching (NFKC, invisibles removed)
    date TEXT,
    text TEXT NOT NULL,                -- raw, as the source had it
    text_hash TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'comment',   -- comment|pingback|trackback
    position INTEGER NOT NULL DEFAULT 0,
    source_status TEXT,                -- approved|pending|spam|deleted as the source kept it
    flags TEXT,                        -- JSON list of parser flags (e.g. "oversize")
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scorings (
    id INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comments(id),
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,              -- ok|empty|unsupported_language|invalid_score|...
    windows INTEGER NOT NULL DEFAULT 1,
    language TEXT,
    spans TEXT,                        -- JSON [[start, end, label, weight], ...]
    max_value REAL,                    -- highest label score, for ordering
    top_label TEXT,
    is_current INTEGER NOT NULL DEFAULT 1,
    scored_at TEXT NOT NULL,
    UNIQUE (comment_id, model, version)
);
CREATE TABLE IF NOT EXISTS scores (
    comment_id INTEGER NOT NULL REFERENCES comments(id),
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    label TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (comment_id, model, version, label)
);
CREATE TABLE IF NOT EXISTS decisions (
    comment_id INTEGER PRIMARY KEY REFERENCES comments(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'hidden')),
    action TEXT NOT NULL,
    moderator TEXT NOT NULL,
    reason TEXT,
    note TEXT,
    decided_at TEXT NOT NULL,
    revision INTEGER NOT NULL,         -- bumps on every change: detects concurrent edits
    log_id INTEGER NOT NULL REFERENCES moderation_log(id)
);
CREATE TABLE IF NOT EXISTS moderation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,                  -- UTC, ISO 8601
    moderator TEXT NOT NULL,           -- a person, or 'system'
    automated INTEGER NOT NULL DEFAULT 0,   -- 1 when automated means took the action
    action TEXT NOT NULL CHECK (action IN ('approve', 'hide', 'note', 'undo', 'guard_restored')),
    reason TEXT,                       -- reason code (from queue.hide_reasons)
    note TEXT,                         -- free text
    comment_id INTEGER REFERENCES comments(id),
    article_id INTEGER REFERENCES articles(id),
    prev_status TEXT,
    new_status TEXT,
    undoes INTEGER REFERENCES moderation_log(id),
    evidence TEXT                      -- JSON: model, version, scores, thresholds, flagged labels
);
CREATE INDEX IF NOT EXISTS comments_article ON comments(article_id, position);
CREATE INDEX IF NOT EXISTS comments_author_norm ON comments(author_norm);
CREATE INDEX IF NOT EXISTS comments_text_hash ON comments(text_hash);
CREATE INDEX IF NOT EXISTS scorings_current ON scorings(is_current, max_value);
CREATE INDEX IF NOT EXISTS scorings_model ON scorings(model, version);
CREATE INDEX IF NOT EXISTS log_comment ON moderation_log(comment_id);
CREATE INDEX IF NOT EXISTS log_moderator ON moderation_log(moderator, id);
-- Full-text search over comment text and author, laid out as sqlite-utils' enable_fts() does,
-- so that `sqlite-utils search` and Datasette find it.
CREATE VIRTUAL TABLE IF NOT EXISTS comments_fts USING FTS5 (text, author, content="comments");
CREATE TRIGGER IF NOT EXISTS comments_ai AFTER INSERT ON comments BEGIN
  INSERT INTO comments_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);
END;
CREATE TRIGGER IF NOT EXISTS comments_ad AFTER DELETE ON comments BEGIN
  INSERT INTO comments_fts (comments_fts, rowid, text, author)
  VALUES ('delete', old.rowid, old.text, old.author);
END;
CREATE TRIGGER IF NOT EXISTS comments_au AFTER UPDATE OF text, author ON comments BEGIN
  INSERT INTO comments_fts (comments_fts, rowid, text, author)
  VALUES ('delete', old.rowid, old.text, old.author);
  INSERT INTO comments_fts (rowid, text, author) VALUES (new.rowid, new.text, new.author);
END;
"""

GUARD_TRIGGERS = {
    "moderation_log_no_update": (
        "CREATE TRIGGER IF NOT EXISTS moderation_log_no_update BEFORE UPDATE ON moderation_log "
        "BEGIN SELECT RAISE(ABORT, 'moderation_log is append-only: UPDATE refused'); END"
    ),
    "moderation_log_no_delete": (
        "CREATE TRIGGER IF NOT EXISTS moderation_log_no_delete BEFORE DELETE ON moderation_log "
        "BEGIN SELECT RAISE(ABORT, 'moderation_log is append-only: DELETE refused'); END"
    ),
}


def missing_guards(conn: sqlite3.Connection) -> list[str]:
    """Names of the append-only triggers that are not in the database."""
    present = {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    }
    return [name for name in GUARD_TRIGGERS if name not in present]


def statements(script: str) -> list[str]:
    """Split a script into complete statements (executescript would commit the transaction)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def create(conn: sqlite3.Connection) -> None:
    """Create every table, index and trigger that is missing (idempotent)."""
    for statement in statements(TABLES):
        conn.execute(statement)
    for ddl in GUARD_TRIGGERS.values():
        conn.execute(ddl)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
    )
