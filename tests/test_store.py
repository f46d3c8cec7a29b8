"""The store on a real SQLite file: idempotent ingest, append-only log, atomic decisions."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from moderation.actions import decide, decide_many, undo_last
from moderation.documents import Article, Comment, ParseResult, Scores
from moderation.errors import ConflictError, StoreError
from moderation.store import Store

from conftest import SAMPLE


def count(store: Store, table: str) -> int:
    return store.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def test_wal_mode_and_tables(store: Store) -> None:
    assert store.db.journal_mode == "wal"
    for table in ("articles", "comments", "scores", "decisions", "moderation_log"):
        assert table in store.db.table_names()


def test_ingest_twice_adds_nothing(store: Store) -> None:
    first = store.ingest(SAMPLE)
    second = store.ingest(SAMPLE)
    assert (first.articles_added, first.comments_added) == (1, 5)
    assert (second.articles_added, second.comments_added) == (0, 0)
    assert count(store, "comments") == 5


def test_reingest_after_decisions_keeps_them_and_adds_only_new(scored_store: Store,
                                                                config) -> None:
    decide(scored_store, 2, "hide", "ann", config.thresholds, reason="abuse")
    log_before = list(scored_store.log_rows())
    art = SAMPLE.articles[0]
    changed = ParseResult("text", (Article(title=art.title, byline=art.byline, body=art.body,
                                           comments=art.comments + (Comment("A new one."),)),),
                          source=SAMPLE.source)
    report = scored_store.ingest(changed)
    assert report.comments_added == 1
    assert scored_store.status_of(2) == ("hidden", 1)
    assert list(scored_store.log_rows()) == log_before


def test_identical_comments_by_same_author_are_kept_apart(store: Store) -> None:
    twice = ParseResult("text", (Article(title="t", comments=(
        Comment("spam spam", author="x"), Comment("spam spam", author="x"))),), source="s")
    assert store.ingest(twice).comments_added == 2


def test_log_refuses_update_and_delete(scored_store: Store, config) -> None:
    decide(scored_store, 2, "hide", "ann", config.thresholds, reason="abuse")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        scored_store.db.execute("UPDATE moderation_log SET moderator = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        scored_store.db.execute("DELETE FROM moderation_log")
    assert count(scored_store, "moderation_log") == 1


def test_missing_guard_is_restored_and_logged(scored_store: Store) -> None:
    scored_store.db.execute("DROP TRIGGER moderation_log_no_delete")
    assert scored_store.check_guards() == ["moderation_log_no_delete"]
    assert scored_store.check_guards() == []
    rows = list(scored_store.log_rows(action="guard_restored"))
    assert len(rows) == 1 and rows[0]["moderator"] == "system"
    with pytest.raises(sqlite3.IntegrityError):
        scored_store.db.execute("DELETE FROM moderation_log")


def test_decision_and_log_row_roll_back_together(scored_store: Store, config) -> None:
    # A real failure between the status change and its log row: the log insert is refused.
    scored_store.db.execute(
        "CREATE TRIGGER fail_log BEFORE INSERT ON moderation_log "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
        decide(scored_store, 2, "hide", "ann", config.thresholds, reason="abuse")
    assert scored_store.status_of(2) == ("pending", 0)
    assert count(scored_store, "decisions") == 0
    assert count(scored_store, "moderation_log") == 0


def test_decision_snapshot_has_evidence(scored_store: Store, config) -> None:
    res = decide(scored_store, 5, "hide", "ann", config.thresholds, reason="hate")
    row = next(scored_store.log_rows())
    assert row["id"] == res.log_id and row["prev_status"] == "pending"
    assert row["new_status"] == "hidden" and row["reason"] == "hate"
    assert '"identity_attack"' in row["evidence"] and '"fixture"' in row["evidence"]


def test_concurrent_moderator_is_not_overwritten_silently(scored_store: Store, config) -> None:
    seen_revision = scored_store.status_of(2)[1]
    decide(scored_store, 2, "approve", "bob", config.thresholds, expected_revision=seen_revision)
    with pytest.raises(ConflictError, match="bob"):
        decide(scored_store, 2, "hide", "ann", config.thresholds, expected_revision=seen_revision)
    assert scored_store.status_of(2)[0] == "approved"


def test_undo_is_a_new_log_entry(scored_store: Store, config) -> None:
    decide(scored_store, 2, "hide", "ann", config.thresholds, reason="abuse")
    decide(scored_store, 3, "approve", "ann", config.thresholds)
    res = undo_last(scored_store, "ann", config.thresholds)
    assert res is not None and [(r.comment_id, r.new_status) for r in res.done] == [(3, "pending")]
    res = undo_last(scored_store, "ann", config.thresholds)
    assert res is not None and [(r.comment_id, r.new_status) for r in res.done] == [(2, "pending")]
    assert undo_last(scored_store, "ann", config.thresholds) is None
    actions = [r["action"] for r in scored_store.log_rows()]
    assert actions == ["hide", "approve", "undo", "undo"]


def test_undo_takes_back_the_last_bulk_only(scored_store: Store, config) -> None:
    decide_many(scored_store, [(1, None), (2, None)], "approve", "ann", config.thresholds)
    decide_many(scored_store, [(3, None), (4, None)], "hide", "ann", config.thresholds,
                reason="abuse")
    res = undo_last(scored_store, "ann", config.thresholds)
    assert res is not None and sorted(r.comment_id for r in res.done) == [3, 4]
    assert [scored_store.status_of(i)[0] for i in (1, 2, 3, 4)] == [
        "approved", "approved", "pending", "pending"]
    res = undo_last(scored_store, "ann", config.thresholds)
    assert res is not None and sorted(r.comment_id for r in res.done) == [1, 2]
    assert undo_last(scored_store, "ann", config.thresholds) is None
    assert [r["action"] for r in scored_store.log_rows()] == ["approve"] * 2 + ["hide"] * 2 + [
        "undo"] * 4


def test_undo_refuses_when_someone_else_changed_it(scored_store: Store, config) -> None:
    decide(scored_store, 2, "hide", "ann", config.thresholds, reason="abuse")
    decide(scored_store, 2, "approve", "bob", config.thresholds)
    with pytest.raises(ConflictError):
        undo_last(scored_store, "ann", config.thresholds)
    assert scored_store.status_of(2)[0] == "approved"


def test_unknown_comment_is_a_clear_error(store: Store, config) -> None:
    with pytest.raises(StoreError, match="no comment with id 99"):
        decide(store, 99, "approve", "ann", config.thresholds)


def test_numpy_float32_scores_are_stored_as_real(store: Store) -> None:
    store.ingest(SAMPLE)
    store.save_scores([(1, Scores({"toxicity": np.float32(0.25)}, "m", "1"))])
    row = store.query("SELECT typeof(value) AS t, value FROM scores")[0]
    assert row["t"] == "real" and abs(row["value"] - 0.25) < 1e-6


def test_nan_score_is_refused_with_a_status(store: Store) -> None:
    store.ingest(SAMPLE)
    store.save_scores([(1, Scores({"toxicity": float("nan"), "insult": 0.3}, "m", "1"))])
    assert store.scores_for(1)["status"] == "invalid_score"
    assert store.scores_for(1)["labels"] == {"insult": 0.3}


def test_rescoring_keeps_history_and_switches_current(scored_store: Store) -> None:
    scored_store.save_scores([(2, Scores({"toxicity": 0.5}, "other", "2"))])
    assert scored_store.scores_for(2)["model"] == "other"
    assert count(scored_store, "scorings") == 6
    assert scored_store.unscored("fixture", "1") == []
    assert len(scored_store.unscored("other", "2")) == 4


def test_queue_is_worst_first_and_filters(scored_store: Store, config) -> None:
    rows = scored_store.queue_rows(config.thresholds)
    assert [r["id"] for r in rows] == [2, 5, 3]
    assert [r["id"] for r in scored_store.queue_rows(config.thresholds, label="identity_attack")] == [5]
    assert [r["id"] for r in scored_store.queue_rows(config.thresholds, search="moron")] == [2]
    # FTS input is data, never query syntax.
    assert scored_store.queue_rows(config.thresholds, search='idiot" OR "') == []
    decide(scored_store, 2, "hide", "ann", config.thresholds, reason="abuse")
    assert [r["id"] for r in scored_store.queue_rows(config.thresholds)] == [5, 3]
    assert [r["id"] for r in scored_store.queue_rows(config.thresholds, status="hidden")] == [2]


def test_integrity_check(scored_store: Store) -> None:
    assert scored_store.integrity_check() == "ok"


def test_unsupported_language_and_too_long_go_to_review_with_a_reason(store: Store,
                                                                       config) -> None:
    from moderation.triage import load_queue

    store.ingest(SAMPLE)
    store.save_scores([(1, Scores({"toxicity": 0.1}, "m", "1", status="unsupported_language")),
                       (2, Scores({"toxicity": 0.2}, "m", "1", status="too_long")),
                       (3, Scores({"toxicity": 0.1}, "m", "1"))])
    items = {i.comment_id: i.reason for i in load_queue(store, config.thresholds)}
    assert set(items) == {1, 2}
    assert "language the model does not cover" in items[1]
    assert "too long" in items[2]
