"""Read-only commands never wait for another process's write lock, and read-only databases can
be inspected: a real writer process holds BEGIN IMMEDIATE while the readers run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SAMPLE, SAMPLE_SCORES, mounted_tmpfs

from moderation.config import Config
from moderation.documents import Scores
from moderation.store import Store

READERS = [
    ["stats", "--json"],
    ["export", "--format", "jsonl"],
    ["export", "--format", "csv"],
    ["flagged"],
    ["calibrate", "--json", "--min-decisions", "1"],
]
# The bound; a waiting reader would take the 5 s busy timeout and then up to 120 s.
BOUND_S = 2.0

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta(key, value) VALUES ('writer-was-here', 'x')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
print("committed", flush=True)
"""


def make_db(path: Path) -> None:
    with Store(path) as store:
        store.ingest(SAMPLE)
        store.save_scores([(cid, Scores(labels, "fixture", "1"))
                           for cid, labels in SAMPLE_SCORES.items()])
        store.record_decision(2, "hide", "ann", reason="abuse")
        store.record_decision(4, "approve", "ann")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "m.db"
    make_db(path)
    return path


def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def writer(db: Path) -> Iterator[subprocess.Popen[str]]:
    proc = hold_write_lock(db, 60)
    yield proc
    proc.kill()
    proc.wait()


def moderation(db: Path, *args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = dict(os.environ, MODERATION_MODERATOR="tester")
    env.pop("MODERATION_CONFIG", None)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=200,
                          check=False)
    return done, time.monotonic() - start


@pytest.mark.parametrize("args", READERS, ids=[" ".join(a[:2]) for a in READERS])
def test_reader_returns_while_another_process_writes(db: Path, writer: subprocess.Popen[str],
                                                     tmp_path: Path, args: list[str]) -> None:
    done, took = moderation(db, *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert took < BOUND_S, f"{args[0]} took {took:.1f}s beside a writer"
    assert writer.poll() is None  # the writer still held its transaction throughout
    if args[0] == "export":
        assert "hide" in done.stdout and "approve" in done.stdout
    if args[0] == "flagged":
        assert "#5" in done.stdout  # pending and flagged; #2 was hidden


def test_the_writer_is_not_disturbed_and_commits(db: Path, tmp_path: Path) -> None:
    proc = hold_write_lock(db, 1.5)
    done, _ = moderation(db, "stats", "--json", cwd=tmp_path)
    assert done.returncode == 0
    assert proc.stdout is not None and proc.stdout.readline().strip() == "committed"
    assert proc.wait(timeout=30) == 0
    with Store(db, readonly=True) as store:
        assert store.query("SELECT value FROM meta WHERE key = 'writer-was-here'")


@pytest.mark.asyncio
async def test_queue_first_screen_beside_a_writer(db: Path,
                                                  writer: subprocess.Popen[str]) -> None:
    from moderation.tui.app import make_app

    start = time.monotonic()
    store = Store(db, reader=True)
    try:
        app = make_app(store, Config(), moderator="ann")
        async with app.run_test(size=(120, 40)) as pilot:
            while not app.items and time.monotonic() - start < 30:
                await pilot.pause(0.02)
            took = time.monotonic() - start
            assert [i.comment_id for i in app.items] == [5, 3]
            for _ in range(200):  # let the prefetch workers finish before the app closes
                await pilot.pause(0.02)
                if (not any(w.is_running and w.name != "writer" for w in app.workers)
                        and app._jobs.unfinished_tasks == 0):
                    break
    finally:
        store.close()
    assert took < BOUND_S, f"the queue's first screen took {took:.1f}s beside a writer"


def test_reader_open_writes_nothing(db: Path) -> None:
    before = db.read_bytes(), sorted(p.name for p in db.parent.iterdir())
    with Store(db, reader=True) as store:
        assert store.check_guards() == []
        assert store.query("SELECT COUNT(*) AS n FROM comments")[0]["n"] == 5
    assert (db.read_bytes(), sorted(p.name for p in db.parent.iterdir())) == before


def test_reader_that_must_upgrade_says_it_waits(db: Path, tmp_path: Path) -> None:
    # A missing append-only guard must be restored before the log can be trusted: that is a
    # write, so this reader waits for the writer, says so, then restores and reads.
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER moderation_log_no_update")
    proc = hold_write_lock(db, 1.5)
    done, took = moderation(db, "stats", "--json", cwd=tmp_path)
    proc.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "waiting for another process's write to finish" in done.stderr
    assert "has been restored (moderation_log_no_update)" in done.stderr
    assert took >= 1.0


@contextmanager
def read_only_copy(db: Path, tmp_path: Path, name: str) -> Iterator[Path]:
    """``db`` copied as ``name`` onto a tmpfs that is then remounted read-only."""
    with mounted_tmpfs(tmp_path / "mnt", "16m") as mnt:
        shutil.copy(db, mnt / name)
        ro = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True,
                            text=True, check=False)
        if ro.returncode != 0:
            pytest.skip(f"cannot remount read-only: {ro.stderr.strip()}")
        yield mnt


def test_read_only_mount_can_be_inspected_and_exported(db: Path, tmp_path: Path) -> None:
    with read_only_copy(db, tmp_path, "ro.db") as mnt:
        for args in READERS:
            done, _ = moderation(mnt / "ro.db", *args, cwd=tmp_path)
            assert done.returncode == 0, (args, done.stderr)
        done, _ = moderation(mnt / "ro.db", "export", "--format", "jsonl", cwd=tmp_path)
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        assert {r["action"] for r in rows} == {"hide", "approve"}
        # A write on it fails with one clear line; nothing is half-written.
        (tmp_path / "c.txt").write_text("Title\n\nBody.\n")
        done, _ = moderation(mnt / "ro.db", "ingest", str(tmp_path / "c.txt"), cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "ro.db" in done.stderr


def test_read_only_database_of_an_older_schema_is_refused_by_name(db: Path,
                                                                  tmp_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()  # the last connection checkpoints the WAL into the file copied below
    with read_only_copy(db, tmp_path, "old.db") as mnt:
        done, _ = moderation(mnt / "old.db", "stats", cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "old.db: read-only, and its schema is version 3" in done.stderr
