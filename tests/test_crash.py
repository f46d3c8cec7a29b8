"""Case 11: ingest and batch scoring killed with SIGKILL at random moments, then re-run.

A few iterations of bench/crash_loop.py (the bench runs 60): real subprocesses, real kills, a
real SQLite file checked after each kill. Plus a check that the loop's checker does catch a
duplicate, a half-saved scoring and a changed decision, so that a pass means something.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_crash_loop():
    spec = importlib.util.spec_from_file_location("crash_loop", BENCH / "crash_loop.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_kill_9_during_ingest_and_scoring_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    cl = load_crash_loop()
    res = cl.main(["--iterations", "8", "--rows", "2500", "--ingest-chunk", "500", "--seed", "7",
                   "--workdir", str(tmp_path / "work"), "--out", str(tmp_path / "crash.json")])
    assert res["failures"] == []
    assert res["kills"]["ingest"] + res["kills"]["score"] >= 4
    assert res["jobs_completed"] >= 1 and res["ok"]


def test_the_crash_checker_catches_damage(tmp_path: Path) -> None:
    cl = load_crash_loop()
    work = tmp_path / "w"
    work.mkdir()
    env = cl.child_env()
    archive = work / "a.jsonl"
    cl.write_archive(archive, 300, seed=3, duplicates=0.1)
    db = work / "d.db"
    cl.seed_db(db, work, env)
    decisions = cl.snapshot_decisions(db)
    for step in ("ingest", "score"):
        assert cl.run(cl.command(db, step, archive, cl.WORDLIST), env).returncode == 0
    ref = {"keys": {k for (k,) in cl.q(db, "SELECT key FROM comments")},
           "scores": cl.reference_scores(db), "archive_rows": 300, "labels": 3}
    assert cl.check(db, archive, ref, decisions, 2000) == []

    def damaged(sql: str) -> list[str]:
        copy = work / "damaged.db"
        shutil.copy(db, copy)
        conn = sqlite3.connect(copy)
        conn.executescript(sql)
        conn.close()
        return cl.check(copy, archive, ref, decisions, 2000)

    assert any("all their labels" in p for p in damaged(
        "DELETE FROM scores WHERE rowid = (SELECT MIN(rowid) FROM scores);"))
    assert any("decisions" in p for p in damaged(
        "UPDATE decisions SET status = 'approved' WHERE status = 'hidden';"))
    assert any("whole batches" in p for p in damaged(
        "DELETE FROM scores WHERE comment_id = 20; DELETE FROM scorings WHERE comment_id = 20;"))
    assert any("differ from the reference" in p for p in damaged(
        "UPDATE scores SET value = 0.5 WHERE comment_id = 30;"))


@pytest.fixture(autouse=True)
def _results_dir(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
