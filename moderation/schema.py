"""The SQLite schema: tables, indexes, the append-only guard on the log, and migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from moderation.schema_fts import m7_fts_watermark

# TABLES below is the version-1 baseline and stays as it is: change the schema only by appending
# a function to MIGRATIONS, so that new and old databases end up with the same schema.
BASELINE_VERSION = 1

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
-- API keys of `moderation serve`: only a SHA-256 of each key is kept (the key is shown once).
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_hash BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,              -- the key's first characters, to tell keys apart
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS comments_article ON comments(article_id, position);
CREATE INDEX IF NOT EXISTS comments_author_norm ON comments(author_norm);
CREATE INDEX IF NOT EXISTS comments_text_hash ON comments(text_hash);
CREATE INDEX IF NOT EXISTS scorings_current ON scorings(is_current, max_value);
CREATE INDEX IF NOT EXISTS scorings_model ON scorings(model, version);
-- A comment's current scoring (evidence, the queue's thread and history): without it SQLite
-- answers `comment_id = ? AND is_current = 1` by scanning scorings_current (every row).
CREATE INDEX IF NOT EXISTS scorings_comment_current ON scorings(comment_id, is_current);
-- The queue's order (store.queue_rows: max_value IS NULL, max_value DESC): walking this index
-- lets the first page stop after LIMIT rows instead of sorting every scored comment.
CREATE INDEX IF NOT EXISTS scorings_queue_order ON scorings(is_current, max_value IS NULL, max_value DESC);
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


def _norm_sql(sql: str) -> str:
    return " ".join(sql.replace("IF NOT EXISTS ", "").split()).casefold()


def missing_guards(conn: sqlite3.Connection) -> list[str]:
    """Names of the append-only triggers that are not in the database as written here.

    A trigger of the right name counts only if it is on moderation_log and has the expected
    body: a renamed table takes its triggers along, and a same-named no-op guards nothing.
    """
    present = {
        name: (table, sql or "")
        for name, table, sql in conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    }
    return [
        name for name, ddl in GUARD_TRIGGERS.items()
        if name not in present or present[name][0] != "moderation_log"
        or _norm_sql(present[name][1]) != _norm_sql(ddl)
    ]


def restore_guards(conn: sqlite3.Connection, names: Sequence[str]) -> None:
    """(Re)create the named append-only triggers, replacing any impostor of the same name."""
    for name in names:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(GUARD_TRIGGERS[name])


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


# Objects of the baseline that a later migration dropped: create() must not bring them back.
RETIRED = ("comments_text_hash",)  # version 6: comment keys start with the text hash


def _retired(statement: str) -> bool:
    words = statement.split()
    return words[:5] == ["CREATE", "INDEX", "IF", "NOT", "EXISTS"] and words[5] in RETIRED


def _object_names(script: str) -> frozenset[str]:
    names = set()
    for statement in statements(script):
        words = statement.replace("(", " (").split()
        if words[0] == "CREATE" and not _retired(statement):
            kind_end = words.index("EXISTS") + 1 if "EXISTS" in words else 2
            names.add(words[kind_end])
    return frozenset(names)


# Every table, index and trigger create() makes: a database at SCHEMA_VERSION holding all of
# them (and its guards) opens for reading without a write.
REQUIRED_OBJECTS = _object_names(TABLES)


def create(conn: sqlite3.Connection) -> list[str]:
    """Create every table, index and trigger that is missing, then migrate (idempotent).

    Returns the append-only guards an existing database had lost (now restored), so that the
    caller logs it; a new database returns [].
    """
    existing = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'moderation_log'").fetchone()
    for statement in statements(TABLES):
        if not _retired(statement):
            conn.execute(statement)
    lost = missing_guards(conn) if existing else []
    restore_guards(conn, missing_guards(conn))
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
        (str(BASELINE_VERSION),),
    )
    migrate(conn)
    return lost


# -- migrations ---------------------------------------------------------------------------
# Each migration takes the schema from version N to N + 1 (N = BASELINE_VERSION + its index).
# migrate() runs each one inside its own SAVEPOINT (a transaction nested in the caller's
# BEGIN IMMEDIATE), records it in schema_migrations, and re-checks the append-only guards after
# it: a migration that rebuilds moderation_log (which drops its triggers) gets them back, and a
# migration after which they cannot be restored is rolled back.


def _m2_log_views(conn: sqlite3.Connection) -> None:
    """Migration history, indexes for log filters, and readable views for sqlite3/Datasette."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    conn.execute("CREATE INDEX IF NOT EXISTS log_at ON moderation_log(at)")
    conn.execute("CREATE INDEX IF NOT EXISTS log_article ON moderation_log(article_id, id)")
    conn.execute("CREATE INDEX IF NOT EXISTS log_action ON moderation_log(action, id)")
    # One row per log entry with the evidence snapshot spread into named columns.
    conn.execute(
        "CREATE VIEW IF NOT EXISTS moderation_log_readable AS SELECT l.id AS log_id, l.at,"
        " l.moderator, l.automated, l.action, l.reason, l.note, l.comment_id, l.article_id,"
        " a.title AS article_title, c.author AS comment_author, c.text AS comment_text,"
        " l.prev_status, l.new_status, l.undoes,"
        + "".join(f" CASE WHEN json_valid(l.evidence) THEN json_extract(l.evidence, '$.{key}')"
                  f" END AS {name}," for key, name in (
                      ("model", "model"), ("version", "model_version"), ("scores", "scores"),
                      ("thresholds", "thresholds"), ("flagged", "flagged")))
        + " CASE WHEN json_valid(l.evidence) THEN json_extract(l.evidence, '$.score_status')"
        " END AS score_status"
        " FROM moderation_log l LEFT JOIN comments c ON c.id = l.comment_id"
        " LEFT JOIN articles a ON a.id = l.article_id")
    # Every comment with its current status and its current model scores as columns of a row.
    conn.execute(
        "CREATE VIEW IF NOT EXISTS comment_status AS SELECT c.id AS comment_id, c.article_id,"
        " a.title AS article_title, c.author, c.text, c.kind,"
        " COALESCE(d.status, 'pending') AS status, d.moderator AS decided_by, d.reason,"
        " d.decided_at, s.model, s.version AS model_version, s.status AS score_status,"
        " s.max_value AS max_score, s.top_label"
        " FROM comments c JOIN articles a ON a.id = c.article_id"
        " LEFT JOIN decisions d ON d.comment_id = c.id"
        " LEFT JOIN scorings s ON s.comment_id = c.id AND s.is_current = 1")


def _m3_log_completeness(conn: sqlite3.Connection) -> None:
    """Refuse incomplete log entries: moderator, UTC time, comment, statuses, system automated."""
    conn.execute(
        "CREATE TRIGGER IF NOT EXISTS moderation_log_complete BEFORE INSERT ON moderation_log"
        " WHEN trim(coalesce(NEW.moderator, '')) = '' OR NEW.automated NOT IN (0, 1)"
        " OR (NEW.moderator = 'system' AND NEW.automated != 1)"
        " OR NEW.at NOT GLOB"
        " '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]*Z'"
        " OR (NEW.action IN ('approve', 'hide', 'note', 'undo') AND (NEW.comment_id IS NULL"
        " OR NEW.article_id IS NULL OR NEW.prev_status IS NULL OR NEW.new_status IS NULL"
        " OR NEW.new_status NOT IN ('pending', 'approved', 'hidden')))"
        " OR (NEW.action = 'undo' AND NEW.undoes IS NULL)"
        " BEGIN SELECT RAISE(ABORT, 'moderation_log: incomplete entry refused (it needs a"
        " moderator, a UTC time ending in Z, the comment, article and both statuses, undoes"
        " for an undo, and automated = 1 for system)'); END")


def _m4_reply_parent_index(conn: sqlite3.Connection) -> None:
    """Index replies' parents by source id: linking a reply no longer scans its whole article."""
    conn.execute(
        "CREATE INDEX IF NOT EXISTS comments_article_source ON comments(article_id, source_id)")


SQLValue = str | bytes | int | float | None


def _unhex16(value: SQLValue) -> SQLValue:
    """A 64-character hex SHA-256 as its first 16 bytes; anything else as it is."""
    if isinstance(value, str) and len(value) == 64:
        try:
            return bytes.fromhex(value)[:16]
        except ValueError:
            return value
    return value


def _m5_binary_keys(conn: sqlite3.Connection) -> None:
    """Comment keys and text hashes as 16-byte BLOBs: a third of the index, faster ingest."""
    # The columns keep their declared TEXT type (changing it would mean rebuilding the table
    # that every other table references); SQLite stores a BLOB in a TEXT column unchanged.
    # The same 16 bytes are what store.core computes for new comments, so a re-ingest of a
    # file ingested before this migration still finds its comments.
    conn.create_function("moderation_unhex16", 1, _unhex16, deterministic=True)
    conn.execute(
        "UPDATE comments SET key = moderation_unhex16(key),"
        " text_hash = moderation_unhex16(text_hash)"
        " WHERE typeof(key) = 'text' OR typeof(text_hash) = 'text'")


def _fold_key(text_hash: SQLValue, key: SQLValue) -> SQLValue:
    """8 bytes of the text hash, then 8 of the identity key (store.core.comment_key)."""
    if isinstance(text_hash, bytes) and isinstance(key, bytes) and len(key) == 16:
        return text_hash[:8] + key[:8]
    return key


def _m6_one_hash_index(conn: sqlite3.Connection) -> None:
    """Comment keys start with the text hash: one index serves re-ingest and identical texts."""
    # Ingest then maintains one hash-ordered index instead of two (comments_text_hash is
    # dropped); the scorer finds a text's copies as a range of keys. A key's 8 identity bytes
    # only have to tell apart comments whose texts share their first 8 hash bytes.
    conn.create_function("moderation_fold_key", 2, _fold_key, deterministic=True)
    conn.execute("UPDATE comments SET key = moderation_fold_key(text_hash, key)")
    conn.execute("DROP INDEX IF EXISTS comments_text_hash")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _m2_log_views,
    _m3_log_completeness,
    _m4_reply_parent_index,
    _m5_binary_keys,
    _m6_one_hash_index,
    m7_fts_watermark,
]
SCHEMA_VERSION = BASELINE_VERSION + len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection,
            migrations: Sequence[Callable[[sqlite3.Connection], None]] | None = None) -> list[int]:
    """Apply the pending migrations in order, each in a savepoint; returns the versions applied.

    Must run inside a write transaction (Store._setup holds BEGIN IMMEDIATE), so that two
    processes opening an old database do not both migrate it.
    """
    steps = MIGRATIONS if migrations is None else migrations
    current = schema_version(conn)
    latest = BASELINE_VERSION + len(steps)
    if current > latest:
        raise sqlite3.DatabaseError(
            f"database schema version {current} is newer than this program's ({latest}); "
            "upgrade moderation")
    applied: list[int] = []
    for index, step in enumerate(steps):
        version = BASELINE_VERSION + index + 1
        if version <= current:
            continue
        conn.execute(f"SAVEPOINT migration_{version}")
        try:
            step(conn)
            restore_guards(conn, missing_guards(conn))
            if missing_guards(conn):
                raise sqlite3.DatabaseError(
                    f"migration {version} left the moderation log without its append-only guard")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            conn.execute(
                "INSERT OR REPLACE INTO schema_migrations(version, name, applied_at)"
                " VALUES (?, ?, ?)",
                (version, (step.__doc__ or step.__name__).strip().splitlines()[0],
                 datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute(f"ROLLBACK TO migration_{version}")
            conn.execute(f"RELEASE migration_{version}")
            raise
        conn.execute(f"RELEASE migration_{version}")
        applied.append(version)
    return applied
