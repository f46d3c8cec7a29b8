"""Comments that arrive one by one over the API (`moderation serve`), and its API keys."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from typing import Any

from moderation.documents import Article, Comment, Scores
from moderation.errors import StoreError
from moderation.store.core import StoreCore

# The source format recorded for comments that came in through the Perspective-style API.
LIVE_FORMAT = "perspective-api"
KEY_PREFIX = "mod_"


def key_hash(key: str) -> bytes:
    """Keys are 32 random bytes: a plain SHA-256 is enough (no password to stretch)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class LiveMixin(StoreCore):
    """Comments that arrive one by one over the API, and its API keys."""

    # -- live comments --------------------------------------------------------------------

    def add_live_comment(self, text: str, scores: Scores | None, *, community: str | None,
                         session: str | None = None, client_token: str | None = None,
                         source: str = "api") -> int:
        """Store one comment sent to the API (its community as the article) with its scores,
        in one transaction; returns the comment's id. Every call adds a comment: two readers
        may post the same words."""
        return int(self.write(self._add_live, text, scores, community, session, client_token,
                              source))

    def _add_live(self, conn: sqlite3.Connection, text: str, scores: Scores | None,
                  community: str | None, session: str | None, client_token: str | None,
                  source: str) -> int:
        community = community or "(no community)"
        article = Article(id=community, title=f"{community} (via the API)")
        now = self.clock()
        _, article_id, akey = self._add_article(  # type: ignore[attr-defined]
            conn, article, "api", LIVE_FORMAT, now)
        position = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM comments"
                                " WHERE article_id = ?", (article_id,)).fetchone()[0]
        flags = tuple(f for f in (f"via:{source}", f"session:{session}" if session else "",
                                  f"client_token:{client_token}" if client_token else "") if f)
        comment = Comment(text=text, id=uuid.uuid4().hex, position=position, flags=flags)
        before = conn.total_changes
        self._insert_comments(conn, article_id, akey, [comment], now)  # type: ignore[attr-defined]
        if conn.total_changes == before:
            raise StoreError("the comment was not stored")
        comment_id = conn.execute("SELECT id FROM comments WHERE article_id = ? AND source_id = ?",
                                  (article_id, comment.id)).fetchone()[0]
        if scores is not None:
            self._save_scores(conn, [(comment_id, scores)])  # type: ignore[attr-defined]
        return int(comment_id)

    # -- API keys -------------------------------------------------------------------------

    def add_api_key(self, name: str) -> str:
        """Make a key for ``name``; only its hash is stored, the key is returned once."""
        name = name.strip()
        if not name or len(name) > 100 or not name.isprintable():
            raise StoreError(f"key name {name!r}: use 1 to 100 printable characters")
        key = KEY_PREFIX + secrets.token_urlsafe(32)

        def add(conn: sqlite3.Connection) -> None:
            try:
                conn.execute("INSERT INTO api_keys(name, key_hash, prefix, created_at)"
                             " VALUES (?,?,?,?)", (name, key_hash(key), key[:10], self.clock()))
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"a key named {name!r} exists already (revoked or not); "
                                 "choose another name") from exc
        self.write(add)
        return key

    def api_keys(self) -> list[dict[str, Any]]:
        return self.query("SELECT name, prefix, created_at, revoked_at FROM api_keys ORDER BY id")

    def revoke_api_key(self, name: str) -> None:
        def revoke(conn: sqlite3.Connection) -> None:
            cur = conn.execute("UPDATE api_keys SET revoked_at = ? WHERE name = ?"
                               " AND revoked_at IS NULL", (self.clock(), name))
            if not cur.rowcount:
                known = [r[0] for r in conn.execute(
                    "SELECT name FROM api_keys WHERE revoked_at IS NULL")]
                raise StoreError(f"no active key named {name!r} (active: "
                                 f"{', '.join(known) or 'none'})")
        self.write(revoke)

    def ever_had_api_keys(self) -> bool:
        """Once a key was made, the server always asks for one, even with every key revoked."""
        return bool(self.query("SELECT 1 FROM api_keys LIMIT 1"))

    def active_key_hashes(self) -> dict[bytes, str]:
        """Hash -> name of every key not revoked (the server caches and refreshes this)."""
        return {bytes(r["key_hash"]): r["name"] for r in self.query(
            "SELECT key_hash, name FROM api_keys WHERE revoked_at IS NULL")}
