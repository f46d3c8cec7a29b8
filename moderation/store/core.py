"""The connection: WAL, transactions retried while locked, the append-only guard, helpers."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlite_utils

from moderation import schema
from moderation.documents import DEOBFUSCATED, Article, Comment
from moderation.errors import StoreError
from moderation.safetext import match_key

# How long a writer keeps retrying a locked database before giving up (seconds).
WRITE_DEADLINE_S = 120.0


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


# Text hashes are the first 16 bytes of the text's SHA-256, a BLOB (schema v5 converted the
# 64-character hex of older databases). A comment's key is 8 bytes of its text hash followed by
# 8 bytes of its identity hash (schema v6): the one unique index on keys then also finds a
# text's identical copies (a range of keys), so ingest maintains one hash-ordered index, not
# two; in a large archive every chunk's random keys touch most pages of such an index.
DIGEST_BYTES = 16
TEXT_PREFIX = 8


def _digest(*parts: str | None) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.digest()[:DIGEST_BYTES]


def text_hash(text: str) -> bytes:
    """A comment text's identity: identical texts are scored once per model version."""
    return _digest(text)


def text_key_range(thash: bytes) -> tuple[bytes, bytes]:
    """The keys of the comments whose text hash is ``thash`` lie in [low, high)."""
    prefix = thash[:TEXT_PREFIX]
    return prefix, prefix + b"\xff" * (DIGEST_BYTES - TEXT_PREFIX + 1)


def comment_base(akey: str, c: Comment) -> str:
    """A comment's identity before its occurrence number (the n-th identical copy in an article
    is its own comment)."""
    return _sha(akey, c.id, c.author, c.text)


def comment_key(thash: bytes, base: str, occurrence: int) -> bytes:
    return thash[:TEXT_PREFIX] + _digest(base, str(occurrence))[:DIGEST_BYTES - TEXT_PREFIX]


def comment_fields(c: Comment) -> tuple[Any, ...]:
    """The stored columns of a comment after article_id and key, in INSERT_COMMENT's order."""
    return (c.id, c.parent, int(c.parent_known), c.author, match_key(c.author), c.date, c.text,
            text_hash(c.text), c.kind, c.position, c.source_status,
            json.dumps(list(c.flags)) if c.flags else None)


# Where comment_fields() puts the text hash.
TEXT_HASH_FIELD = 7

# INSERT OR IGNORE: a comment whose key is stored already (a re-ingest) is left as it is.
INSERT_COMMENT = (
    "INSERT OR IGNORE INTO comments(article_id, key, source_id, parent_source_id, parent_known,"
    " author, author_norm, date, text, text_hash, kind, position, source_status, flags,"
    " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def article_key(article: Article, source: str, fmt: str) -> str:
    """Identity of an article across re-ingests: its source id or URL, else its title and file."""
    if article.id or article.url:
        return _sha("a", fmt, article.id or "", article.url or "")
    return _sha("t", source, article.title or "")


@dataclass(frozen=True)
class IngestReport:
    source: str
    articles_added: int
    comments_added: int
    comments_seen: int


@dataclass(frozen=True)
class DecisionResult:
    comment_id: int
    log_id: int
    action: str
    prev_status: str
    new_status: str
    revision: int


class StoreCore:
    """A moderation database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000, readonly: bool = False,
                 clock: Callable[[], str] = utcnow, reader: bool = False,
                 on_wait: Callable[[str], None] | None = None):
        """Open (or create) a moderation database.

        ``readonly``: never write (an SQLite read-only connection). ``reader``: for commands that
        only read (stats, export, flagged, calibrate, the queue's first screen): the schema and
        the append-only guard are checked with reads alone, so another process's write
        transaction does not hold the open up; the write lock is taken only when the database
        needs creating, migrating or its guard restoring, and ``on_wait`` is told when that has
        to wait. A file or directory this process cannot write is opened read-only.
        """
        self.path = str(path)
        # Where every timestamp comes from; tests pass a fixed clock to pin golden exports.
        self.clock = clock
        # Guards found missing and restored when the database was opened (logged then), kept
        # until check_guards() reports them.
        self.guards_restored: list[str] = []
        self.busy_timeout_ms = busy_timeout_ms
        # Set when the database could only be opened read-only (a read-only file or mount).
        self.read_only = readonly
        self._lock = threading.RLock()
        try:
            if reader and not readonly and Path(self.path).exists() and not _writable(self.path):
                readonly = self.read_only = True
            if readonly:
                conn = _connect_readonly(self.path, busy_timeout_ms)
            else:
                conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000,
                                       isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            self.db = sqlite_utils.Database(conn)
            if readonly:
                if reader:
                    self._check_readable()
            elif not reader or self._needs_setup():
                if reader:
                    self._wait_for_write_lock(on_wait)
                self._retry(self._setup)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc

    def _needs_setup(self) -> bool:
        """Whether opening needs a write: a new or older schema, no WAL, a guard missing.
        Reads only; none of them waits for a writer in WAL mode."""
        conn = self.db.conn
        if self.db.journal_mode != "wal":
            return True
        if not self._has_every_object():
            return True
        return schema.schema_version(conn) != schema.SCHEMA_VERSION or bool(
            schema.missing_guards(conn))

    def _check_readable(self) -> None:
        """A read-only database can be inspected if its schema is this program's; a missing
        guard is reported by check_guards(), not restored."""
        conn = self.db.conn
        if not self._has_every_object():
            raise StoreError(f"{self.path}: read-only and not a moderation database "
                             "(its tables are missing)")
        version = schema.schema_version(conn)
        if version != schema.SCHEMA_VERSION:
            raise StoreError(f"{self.path}: read-only, and its schema is version {version}, not "
                             f"this program's {schema.SCHEMA_VERSION}; open it once where it can "
                             "be written to upgrade it")

    def _has_every_object(self) -> bool:
        names = {r[0] for r in self.db.conn.execute("SELECT name FROM sqlite_master")}
        return schema.REQUIRED_OBJECTS <= names

    def _wait_for_write_lock(self, on_wait: Callable[[str], None] | None) -> None:
        """Say so when the write lock that opening needs is held by another process."""
        conn = self.db.conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if on_wait and ("locked" in str(exc) or "busy" in str(exc)):
                on_wait(f"{self.path}: its schema needs upgrading (or its guard restoring) "
                        "before it can be read; waiting for another process's write to finish")
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")

    # -- connection, transactions -------------------------------------------------------

    def _setup(self) -> None:
        if self.db.journal_mode != "wal":
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        with self.transaction() as conn:
            restored = schema.create(conn)
            if restored:
                self._log_guards_restored(conn, restored)
        self.guards_restored = restored

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` retrying on 'database is locked' with backoff, up to WRITE_DEADLINE_S."""
        deadline = time.monotonic() + WRITE_DEADLINE_S
        delay = 0.02
        while True:
            try:
                return fn(*args)
            except sqlite3.OperationalError as exc:
                msg = str(exc)
                if "locked" not in msg and "busy" not in msg:
                    if any(s in msg for s in ("full", "readonly", "I/O", "unable to open")):
                        raise StoreError(f"{self.path}: cannot write: {msg}; the change was "
                                         "rolled back, nothing stored before it is lost"
                                         ) from exc
                    raise
                if time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: database stayed locked for "
                                     f"{WRITE_DEADLINE_S:.0f}s; try again") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                if conn.in_transaction:  # e.g. a full disk at COMMIT: never leave it open
                    conn.execute("ROLLBACK")
                raise

    def write(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(conn, *args)`` in one write transaction, retrying while locked."""
        def attempt() -> Any:
            with self.transaction() as conn:
                return fn(conn, *args)
        return self._retry(attempt)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))

    def check_guards(self) -> list[str]:
        """Recreate the log's append-only triggers if missing, logging that it happened (on a
        read-only database: only report them)."""
        at_open, self.guards_restored = self.guards_restored, []
        with self._lock:
            missing = schema.missing_guards(self.db.conn)
        if missing and not self.read_only:
            def restore(conn: sqlite3.Connection) -> None:
                schema.restore_guards(conn, missing)
                self._log_guards_restored(conn, missing)
            self.write(restore)
        return at_open + [m for m in missing if m not in at_open]

    def _log_guards_restored(self, conn: sqlite3.Connection, names: list[str]) -> None:
        conn.execute(
            "INSERT INTO moderation_log(at, moderator, automated, action, note) "
            "VALUES (?, 'system', 1, 'guard_restored', ?)",
            (self.clock(), "append-only triggers were missing and were recreated: "
             + ", ".join(names)),
        )

    @staticmethod
    def _threshold_case(thresholds: dict[str, float]) -> tuple[str, list[Any]]:
        """SQL for 'the threshold of sc.label' (NULL for a label without one) and its params.
        Per-language thresholds (``config.Thresholds.by_language``) apply to scorings ``s``
        whose language matches, before the general ones."""
        by_language = getattr(thresholds, "by_language", {}) or {}
        whens: list[str] = []
        params: list[Any] = []
        for lang in sorted(by_language):
            for label, value in by_language[lang].items():
                whens.append("WHEN s.language = ? AND sc.label IN (?, ?) THEN ?")
                params.extend((lang, label, DEOBFUSCATED + label, value))
        for label, value in thresholds.items():
            # A de-obfuscated copy's score is held to its label's threshold.
            whens.append("WHEN sc.label IN (?, ?) THEN ?")
            params.extend((label, DEOBFUSCATED + label, value))
        if not whens:
            return "NULL", []
        return f"(CASE {' '.join(whens)} ELSE NULL END)", params

    def integrity_check(self) -> str:
        return str(self.query("PRAGMA integrity_check")[0]["integrity_check"])


def _writable(path: str) -> bool:
    """Whether this process can write the database and create its -wal/-shm beside it."""
    p = Path(path).resolve()
    if not os.access(p, os.W_OK):
        return False
    return os.access(p.parent, os.W_OK) or all(
        os.access(f"{p}{sfx}", os.W_OK) for sfx in ("-wal", "-shm"))


def _connect_readonly(path: str, busy_timeout_ms: int) -> sqlite3.Connection:
    """A read-only connection; on a read-only mount a WAL database cannot get its -shm file,
    so it is opened immutable (no locks, nothing written: fine for inspection and export)."""
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise StoreError(f"{path}: no such database")
    uri = f"file:{resolved.as_posix()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000,
                           isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, timeout=busy_timeout_ms / 1000,
                           isolation_level=None, check_same_thread=False)


def fts_query(text: str) -> str:
    """Quote each word so that user input is never FTS5 syntax."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"' for w in words) or '""'
