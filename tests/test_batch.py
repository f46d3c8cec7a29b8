"""Batch scoring of the database and streamed ingest: real SQLite files, a real (word-list) scorer."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wordlist_scorer import WordList, WordListV2

from moderation.batch import ScorerSpec, score_database
from moderation.ingest import ingest_file
from moderation.documents import Article, Comment, ParseResult
from moderation.parse import parse_file
from moderation.progress import Progress
from moderation.store import Store

REPO = Path(__file__).resolve().parent.parent
WORDLIST = "python:wordlist_scorer:WordList"


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ, PYTHONPATH=str(REPO / "tests"), **extra)
    e.pop("WORDLIST_CALLS", None)
    e.update(extra)
    return e


def cli(db: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), *args],
                          capture_output=True, text=True, env=env(**extra), timeout=120,
                          check=False)


def archive(path: Path, n: int, *, bad: bool = False) -> Path:
    """n comments over 7 articles; every 10th text repeats an earlier one (duplicate text)."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"comment number {i % 10 if i % 10 == 0 else i} about the bridge"
            if i % 13 == 0:
                text += " you idiot"
            fh.write(json.dumps({"id": f"c{i}", "article": f"a{i % 7}", "author": f"u{i % 11}",
                                 "parent": f"c{i - 1}" if i % 5 == 1 else None,
                                 "text": text}) + "\n")
        if bad:
            fh.write('{"id": "bad1", "text": ""}\n')
            fh.write("{not json\n")
    if bad:
        with path.open("ab") as raw:
            raw.write(b'{"id": "bad3", "text": "caf\xe9"}\n')  # invalid UTF-8
    return path


def table(store: Store, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in store.query(sql)]


def test_score_database_scores_each_text_once_and_rerun_scores_nothing(store: Store,
                                                                       tmp_path: Path,
                                                                       monkeypatch) -> None:
    calls = tmp_path / "calls"
    monkeypatch.setenv("WORDLIST_CALLS", str(calls))
    ingest_file(store, archive(tmp_path / "a.jsonl", 300), "jsonl")
    distinct = store.query("SELECT COUNT(DISTINCT text_hash) n FROM comments")[0]["n"]
    assert distinct < 300
    summary = score_database(store, WordList(), chunk=64)
    assert (summary.scored, summary.reused) == (distinct, 300 - distinct)
    assert len(calls.read_text().splitlines()) == distinct  # the model saw each text once
    rows = store.query("SELECT COUNT(*) n, COUNT(DISTINCT comment_id) d, SUM(is_current) c"
                       " FROM scorings")[0]
    assert rows == {"n": 300, "d": 300, "c": 300}
    # a duplicate got exactly the scores of its original
    dup = table(store, "SELECT s1.label, s1.value = s2.value FROM comments c1 JOIN comments c2"
                       " ON c1.text_hash = c2.text_hash AND c1.id < c2.id JOIN scores s1 ON"
                       " s1.comment_id = c1.id JOIN scores s2 ON s2.comment_id = c2.id AND"
                       " s2.label = s1.label")
    assert dup and all(same for _, same in dup)
    again = score_database(store, WordList())
    assert (again.scored, again.reused) == (0, 0)
    assert len(calls.read_text().splitlines()) == distinct


def test_new_model_version_needs_rescore_and_keeps_old_scores(store: Store,
                                                              tmp_path: Path) -> None:
    ingest_file(store, archive(tmp_path / "a.jsonl", 50), "jsonl")
    score_database(store, WordList())
    plain = score_database(store, WordListV2())
    assert plain.scored == 0 and plain.stale == 50 and "--rescore" in plain.note
    re = score_database(store, WordListV2(), rescore=True)
    assert re.scored + re.reused == 50 and re.stale == 0
    assert table(store, "SELECT version, COUNT(*), SUM(is_current) FROM scorings GROUP BY 1"
                        " ORDER BY 1") == [("1", 50, 0), ("2", 50, 50)]
    assert score_database(store, WordListV2(), rescore=True).scored == 0


def test_two_worker_processes_give_the_same_scores_as_one(tmp_path: Path) -> None:
    src = archive(tmp_path / "a.jsonl", 400)
    results = []
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.db") as s:
            ingest_file(s, src, "jsonl")
            summary = score_database(s, ScorerSpec(WORDLIST), workers=workers, chunk=50)
            assert summary.workers == workers
            assert summary.scored + summary.reused == 400
            results.append(table(s, "SELECT comment_id, label, value FROM scores ORDER BY 1, 2"))
            assert s.query("SELECT COUNT(*) n FROM scorings")[0]["n"] == 400
    assert results[0] == results[1]


def test_streamed_ingest_matches_whole_file_ingest_and_adds_nothing_twice(tmp_path: Path) -> None:
    src = archive(tmp_path / "a.jsonl", 120, bad=True)
    rejects = io.StringIO()
    with Store(tmp_path / "s.db") as s:
        summary = ingest_file(s, src, "jsonl", chunk=16, rejects=rejects)
        assert summary.rows == summary.comments_added == 120
        assert summary.skipped == {"no_text": 1, "malformed_json": 1, "invalid_utf8": 1}
        lines = [json.loads(x) for x in rejects.getvalue().splitlines()]
        assert [r["line"] for r in lines] == [121, 122, 123]
        assert ingest_file(s, src, "jsonl").comments_added == 0
        # the whole-file path (parse_file + Store.ingest) recognises every streamed comment
        report = s.ingest(parse_file(src))
        assert report.comments_added == 0 and report.comments_seen == 120
        keys = table(s, "SELECT key, parent_id IS NOT NULL FROM comments ORDER BY key")
        assert s.query("SELECT COUNT(*) n FROM comments_fts WHERE comments_fts MATCH 'idiot'"
                       )[0]["n"] == len([i for i in range(120) if i % 13 == 0])
    with Store(tmp_path / "w.db") as w:
        w.ingest(parse_file(src))
        assert table(w, "SELECT key, parent_id IS NOT NULL FROM comments ORDER BY key") == keys


@pytest.mark.parametrize("fork", [True, False], ids=["parse-process", "parse-thread"])
def test_streamed_ingest_same_result_whether_parsed_in_a_process_or_a_thread(
        tmp_path: Path, monkeypatch, fork: bool) -> None:
    from moderation import ingest

    monkeypatch.setattr(ingest, "INGEST_FORK", fork)
    src = archive(tmp_path / "a.jsonl", 90, bad=True)
    seen_positions = []
    with Store(tmp_path / "s.db") as s:
        summary = ingest_file(s, src, "jsonl", chunk=16,
                              progress=lambda n, position=None: seen_positions.append(position))
        assert (summary.rows, summary.comments_added) == (90, 90)
        assert summary.skipped == {"no_text": 1, "malformed_json": 1, "invalid_utf8": 1}
        assert seen_positions[-1] == src.stat().st_size and seen_positions == sorted(
            seen_positions)
        keys = table(s, "SELECT key, article_id, parent_id FROM comments ORDER BY id")
    with Store(tmp_path / "whole.db") as whole:
        whole.ingest(parse_file(src))
        assert sorted(keys) == sorted(table(
            whole, "SELECT key, article_id, parent_id FROM comments ORDER BY id"))
    bad = tmp_path / "bad.csv"
    bad.write_text("id,body\n1,hello\n", encoding="utf-8")
    with Store(tmp_path / "s.db") as s, pytest.raises(Exception, match="no 'text' column"):
        ingest_file(s, bad, "csv")


def test_streamed_ingest_keeps_identical_comments_and_links_later_parents(store: Store,
                                                                          tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    rows = [{"article": "x", "id": "2", "parent": "1", "text": "reply before its parent"},
            {"article": "x", "author": "A", "text": "same"},
            {"article": "x", "author": "A", "text": "same"},
            {"article": "x", "id": "1", "text": "the parent"}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert ingest_file(store, src, "jsonl", chunk=1).comments_added == 4
    assert ingest_file(store, src, "jsonl", chunk=3).comments_added == 0
    got = table(store, "SELECT c.source_id, p.source_id FROM comments c JOIN comments p"
                       " ON p.id = c.parent_id")
    assert got == [("2", "1")]
    # the two copies got the keys the whole-file path gives them (occurrence 0 and 1)
    with Store(tmp_path / "whole.db") as whole:
        whole.ingest(parse_file(src))
        assert table(whole, "SELECT key FROM comments ORDER BY key") == table(
            store, "SELECT key FROM comments ORDER BY key")


def test_seen_filter_never_forgets_and_rarely_imagines() -> None:
    import random

    from moderation.store.seen import SeenFilter

    rng = random.Random(1)
    added = [rng.getrandbits(63) for _ in range(50_000)]
    seen = SeenFilter()
    assert not seen.check_then_add(added[:25_000]).any()  # nothing before the first call
    assert seen.check_then_add(added).sum() >= 25_000     # every earlier one is "maybe"
    assert seen.check_then_add(added).all()
    fresh = [rng.getrandbits(63) for _ in range(50_000)]
    assert seen.check_then_add(fresh).mean() < 0.001     # false positives at 50k: rare


def test_read_ahead_keeps_order_raises_the_producers_error_and_stops_when_left() -> None:
    import threading

    from moderation.batch import read_ahead

    assert list(read_ahead(iter(range(50)), depth=2)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("bad chunk")

    got = []
    with pytest.raises(ValueError, match="bad chunk"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [1]

    pulled = []

    def endless():
        n = 0
        while True:
            pulled.append(n)
            yield n
            n += 1

    it = read_ahead(endless())
    assert next(it) == 0
    it.close()  # the consumer leaves: the thread must end, not run on
    assert not any(t.name == "read-ahead" for t in threading.enumerate())
    assert len(pulled) <= 3


def test_ingest_keeps_decisions_untouched(scored_store: Store, tmp_path: Path) -> None:
    from moderation.actions import decide

    decide(scored_store, 2, "hide", "mod", {"toxicity": 0.5}, reason="abuse")
    before = table(scored_store, "SELECT * FROM decisions")
    log = table(scored_store, "SELECT * FROM moderation_log")
    ingest_file(scored_store, archive(tmp_path / "a.jsonl", 30), "jsonl")
    score_database(scored_store, WordList())
    assert table(scored_store, "SELECT * FROM decisions") == before
    assert table(scored_store, "SELECT * FROM moderation_log") == log


def test_cli_ingest_and_score_with_summary_rejects_and_exit_status(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    src = archive(tmp_path / "a.jsonl", 40, bad=True)
    r = cli(db, "ingest", str(src), "--rejects", str(tmp_path / "rej.jsonl"))
    assert r.returncode == 1, r.stderr
    # the file's summary, then the search index's catch-up
    summary, index = [json.loads(x) for x in r.stderr.strip().splitlines()[-2:]]
    assert index["search_index"]["behind"] == 0
    assert summary["comments_added"] == 40 and sum(summary["skipped"].values()) == 3
    assert len((tmp_path / "rej.jsonl").read_text().splitlines()) == 3
    r = cli(db, "score", "--model", WORDLIST)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["scored"] + out["reused"] == 40 and out["rate"] > 0
    assert "\x1b[" not in r.stderr  # stderr is not a terminal: no progress bar
    r = cli(db, "score", "--model", WORDLIST)
    assert json.loads(r.stdout)["scored"] == 0
    r = cli(db, "score", "--model", "python:wordlist_scorer:WordListV2")
    assert json.loads(r.stdout)["stale"] == 40 and "--rescore" in r.stderr
    r = cli(db, "score", "--model", "python:wordlist_scorer:WordListV2", "--rescore")
    assert json.loads(r.stdout)["scored"] > 0


def test_progress_bar_shows_rate_and_eta_on_a_terminal_and_nothing_otherwise() -> None:
    buf = io.StringIO()
    with Progress("scoring", 100, stream=buf, force=True) as bar:
        bar.advance(40)
    text = buf.getvalue()
    assert "scoring" in text and "40/100" in text and "comments/s" in text and "ETA" in text
    quiet = io.StringIO()
    with Progress("scoring", 100, stream=quiet) as bar:  # a StringIO is not a terminal
        bar.advance(40)
    assert quiet.getvalue() == ""


def test_scorer_spec_names_a_bad_python_scorer() -> None:
    from moderation.errors import ScorerError

    with pytest.raises(ScorerError, match="cannot load"):
        ScorerSpec("python:wordlist_nope:X").load()


def test_store_with_a_pingback_is_not_scored(store: Store) -> None:
    store.ingest(ParseResult("text", (Article(title="t", comments=(
        Comment("a pingback", kind="pingback"), Comment("a reader comment", position=1))),)))
    assert score_database(store, WordList()).scored == 1


def test_save_batch_stores_every_score_exactly_and_the_newest_version_is_current(
        store: Store, tmp_path: Path) -> None:
    import random

    import numpy as np

    from moderation.documents import Scores

    ingest_file(store, archive(tmp_path / "a.jsonl", 3), "jsonl")
    ids = [r["id"] for r in store.query("SELECT id FROM comments ORDER BY id")][:3]
    rng = random.Random(7)
    values = [rng.random() for _ in ids]
    values[1] = float(np.float32(0.1234567))  # a model's float32, as score_fields makes it
    new = [(cid, Scores({"toxicity": v, "insult": v / 3, "threat": 1e-300}, "m", "1",
                        language=None if i else "en"))
           for i, (cid, v) in enumerate(zip(ids, values, strict=True))]
    assert store.save_batch("m", "1", new, []) == (len(ids), 0)
    got = {(r["comment_id"], r["label"]): r["value"] for r in store.query(
        "SELECT comment_id, label, value FROM scores WHERE model = 'm'")}
    for cid, sc in new:
        for label, v in sc.labels.items():
            assert got[(cid, label)] == v  # the same double, not a rounded one
    rows = store.query("SELECT comment_id, max_value, top_label, language, is_current"
                       " FROM scorings WHERE model = 'm' ORDER BY comment_id")
    assert [(r["max_value"], r["top_label"]) for r in rows] == [(v, "toxicity") for v in values]
    assert [r["language"] for r in rows] == ["en", None, None]
    assert store.save_batch("m", "2", new[:1], []) == (1, 0)
    current = store.query("SELECT version FROM scorings WHERE comment_id = ? AND is_current = 1",
                          (ids[0],))
    assert [r["version"] for r in current] == ["2"]
    assert store.save_batch("m", "2", new[:1], []) == (0, 0)  # kept, not saved twice
