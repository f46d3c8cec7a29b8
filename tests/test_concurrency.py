"""Cases 9, 10 and 25: a moderator deciding while a batch scores the same database.

Real processes on one real SQLite file (WAL): the decider goes through moderation.actions.decide,
the function the queue uses; the scorer is `moderation score`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from moderation.actions import decide
from moderation.ingest import ingest_file
from moderation.store import Store

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from archive import write_archive

DECIDER = r"""
import json, sys, time
from moderation.store import Store
from moderation.actions import decide
db, n, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = Store(db, busy_timeout_ms=1000)
made, worst = [], 0.0
for k in range(n):
    cid = first + (k * 7919) % (last - first + 1)
    t = time.perf_counter()
    res = decide(store, cid, "hide" if k % 3 else "approve", "mod-%d" % (k % 2),
                 {"toxicity": 0.5}, reason="abuse" if k % 3 else None)
    worst = max(worst, time.perf_counter() - t)
    made.append([cid, res.log_id, res.new_status])
print(json.dumps({"made": made, "worst_s": worst}))
"""


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("WORDLIST_")}
    e.update(PYTHONPATH=os.pathsep.join([str(REPO / "tests"), str(REPO)]), **extra)
    return e


def test_decisions_while_a_batch_scores_are_saved_once_with_no_lock_error(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    src = tmp_path / "a.jsonl"
    write_archive(src, 12000, seed=5, duplicates=0.05)
    with Store(db) as s:
        ingest_file(s, src, "jsonl")
        first, last = s.query("SELECT MIN(id) a, MAX(id) b FROM comments")[0].values()
    wal_peak = [0]
    scorer = subprocess.Popen(
        [sys.executable, "-m", "moderation", "--db", str(db), "score", "--quiet", "--model",
         "python:wordlist_scorer:WordList"], env=env(WORDLIST_DELAY="0.05"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def watch_wal() -> None:
        while not stop.is_set():
            try:
                wal_peak[0] = max(wal_peak[0], os.path.getsize(str(db) + "-wal"))
            except OSError:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch_wal, daemon=True)
    watcher.start()
    with Store(db, readonly=True) as ro:  # wait until the scorer is committing
        deadline = time.monotonic() + 60
        while not ro.query("SELECT COUNT(*) n FROM scorings")[0]["n"]:
            assert time.monotonic() < deadline and scorer.poll() is None
            time.sleep(0.05)
    decider = subprocess.run([sys.executable, "-c", DECIDER, str(db), "120", str(first),
                              str(last)], env=env(), capture_output=True, text=True, timeout=120,
                             check=False)
    still_scoring = scorer.poll() is None
    out, err = scorer.communicate(timeout=300)
    stop.set()
    assert decider.returncode == 0, decider.stderr
    assert scorer.returncode == 0, err
    assert still_scoring, "the scorer finished before the decider: no overlap was tested"
    for stream in (decider.stdout, decider.stderr, out, err):
        assert "locked" not in stream and "busy" not in stream.lower()
    made = json.loads(decider.stdout)["made"]
    assert len(made) == 120
    with Store(db) as s:
        assert s.integrity_check() == "ok"
        log = s.query("SELECT id, comment_id, new_status FROM moderation_log ORDER BY id")
        assert [[r["comment_id"], r["id"], r["new_status"]] for r in log] == made
        last_by_comment = {cid: (log_id, status) for cid, log_id, status in made}
        rows = s.query("SELECT comment_id, log_id, status FROM decisions")
        assert {r["comment_id"]: (r["log_id"], r["status"]) for r in rows} == last_by_comment
        assert s.query("SELECT COUNT(*) n FROM comments c WHERE NOT EXISTS (SELECT 1 FROM"
                       " scorings g WHERE g.comment_id = c.id)")[0]["n"] == 0
    summary = json.loads(out)
    assert summary["scored"] + summary["reused"] == 12000
    assert wal_peak[0] < 64 * 1024 * 1024  # bounded: passive checkpoints kept it small


HOLDER = r"""
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('holder', 'x')")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def test_a_writer_holding_the_lock_past_the_busy_timeout_delays_a_decision_once(
        scored_store: Store, tmp_path: Path) -> None:
    db = scored_store.path
    scored_store.close()
    with Store(db, busy_timeout_ms=300) as s:  # the busy timeout runs out well before 2 s
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, db, "2.0"],
                                  stdout=subprocess.PIPE, text=True, env=env())
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        t = time.perf_counter()
        res = decide(s, 2, "hide", "mod", {"toxicity": 0.5}, reason="abuse")
        waited = time.perf_counter() - t
        assert holder.wait(timeout=30) == 0
        assert waited > 1.0  # it waited for the holder, retrying, then succeeded
        assert res.new_status == "hidden"
        assert s.query("SELECT COUNT(*) n FROM moderation_log WHERE comment_id = 2")[0]["n"] == 1
        assert s.query("SELECT status, revision FROM decisions WHERE comment_id = 2") == [
            {"status": "hidden", "revision": 1}]
        assert s.query("SELECT value FROM meta WHERE key = 'holder'") == [{"value": "x"}]
