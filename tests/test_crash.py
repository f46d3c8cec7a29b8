"""Case 11: ingest and batch scoring killed with SIGKILL at random moments, then re-run.

A few iterations of bench/crash_loop.py (the bench runs until 50 kills): real subprocesses,
real kills, a real SQLite file checked after each kill. Plus a check that the loop's checker
does catch a half-saved scoring, a gap and a changed decision, so that a pass means something.
And kill -9 of a parent with worker processes: no orphaned worker stays behind.
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
    res = cl.main(["--kills", "5", "--iterations", "30", "--rows", "2500", "--ingest-chunk",
                   "500", "--seed", "7",
                   "--workdir", str(tmp_path / "work"), "--out", str(tmp_path / "crash.json")])
    assert res["failures"] == []
    assert res["kills"]["ingest"] + res["kills"]["score"] >= 5
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


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_9_when_children_run(cmd: list[str], env: dict[str, str], children: int, *,
                              settle: float) -> list[int]:
    """Start ``cmd``; once it has ``children`` child processes (and ``settle`` seconds more),
    kill it with SIGKILL; wait up to 30 s for its children to end (a worker still importing on a
    loaded machine starts watching its parent only after). Returns their pids."""
    import os
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < children:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    time.sleep(settle)
    kids = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while any(_alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return kids


def test_kill_9_of_a_parent_with_workers_leaves_no_worker_and_a_rerun_finishes(
        tmp_path: Path) -> None:
    import subprocess

    cl = load_crash_loop()
    archive = tmp_path / "a.jsonl"
    cl.write_archive(archive, 3000, seed=11)
    db = tmp_path / "w.db"
    env = cl.child_env()
    assert cl.run(cl.command(db, "ingest", archive, cl.WORDLIST), env).returncode == 0
    cmd = [*cl.command(db, "score", archive, cl.WORDLIST), "--workers", "2"]
    workers = _kill_9_when_children_run(cmd, {**env, "WORDLIST_DELAY": "2"}, 2, settle=1.0)
    assert not [w for w in workers if _alive(w)], "orphaned scoring workers left running"
    assert cl.q(db, "PRAGMA integrity_check")[0][0] == "ok"
    r = subprocess.run([*cmd[:-2], "--workers", "2"], env=env, capture_output=True, text=True,
                       timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert cl.q(db, "SELECT COUNT(*), COUNT(DISTINCT comment_id) FROM scorings")[0] == (3000, 3000)


def test_kill_9_of_an_ingest_leaves_no_parse_process_and_a_rerun_finishes(
        tmp_path: Path) -> None:
    """The streamed ingest parses in a forked child: it must end with its parent."""
    import json
    import os
    import subprocess
    import sys

    archive = tmp_path / "big.jsonl"
    with archive.open("w", encoding="utf-8") as fh:
        for i in range(60_000):
            fh.write(json.dumps({"id": f"c{i}", "article": f"a{i % 97}", "author": f"u{i % 89}",
                                 "text": f"comment {i} on the bridge and the budget"}) + "\n")
    db = tmp_path / "k.db"
    cmd = [sys.executable, "-m", "moderation", "--db", str(db), "ingest", str(archive), "-q"]
    env = {**os.environ, "MODERATION_INGEST_CHUNK": "2000"}
    parsers = _kill_9_when_children_run(cmd, env, 1, settle=0.5)
    assert parsers and not [p for p in parsers if _alive(p)], "orphaned parse process"
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM comments"
                            ).fetchone() == (60_000, 60_000)
