"""Crash loop (HOSTILE_INPUT case 11): kill -9 ingest and batch scoring at random moments.

Each iteration runs the next unfinished step of a job (``moderation ingest ARCHIVE``, then
``moderation score``) as a real subprocess, sends it SIGKILL after a random delay, and checks
the database: ``PRAGMA integrity_check`` and the FTS5 index check pass; nothing is duplicated
(every comment key and every (comment, model, version) scoring once); each unit is
all-or-nothing (stored comments are a prefix of the file in whole transactions, scored comments
a prefix by id, every scoring has all its label rows and agrees with an uninterrupted
reference run); the moderators' decisions and log are unchanged. The next iteration is the
re-run. When a job is done, its database is compared with the reference and a new job starts.

    .venv/bin/python bench/crash_loop.py                            # the bench: 50 kills
    .venv/bin/python bench/crash_loop.py --model builtin:linear-tox  # with the embedded model

Writes bench/results/crash_loop.json; exit status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

from archive import write_archive

WORDLIST = "python:wordlist_scorer:WordList"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), str(REPO)])
    env.update(extra or {})
    return env


def command(db: Path, step: str, archive: Path, model: str) -> list[str]:
    base = [sys.executable, "-m", "moderation", "--db", str(db)]
    if step == "ingest":
        return [*base, "ingest", str(archive), "--quiet"]
    return [*base, "score", "--model", model, "--quiet"]


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)


def q(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def seed_db(db: Path, workdir: Path, env: dict[str, str]) -> None:
    """A database with a small article already moderated: its decisions must never change."""
    seed = workdir / "seed.jsonl"
    seed.write_text("".join(json.dumps({"id": f"s{i}", "article": "seed", "author": f"a{i}",
                                        "text": f"seed comment {i} you idiot" if i % 2 else
                                        f"seed comment {i}"}) + "\n" for i in range(12)),
                    encoding="utf-8")
    r = run([sys.executable, "-m", "moderation", "--db", str(db), "ingest", str(seed), "-q"], env)
    assert r.returncode == 0, r.stderr
    code = ("import sys; from moderation.store import Store; from moderation.actions import decide\n"
            "s = Store(sys.argv[1])\n"
            "ids = [r['id'] for r in s.query('SELECT id FROM comments ORDER BY id')]\n"
            "for i in ids[:8]:\n"
            "    decide(s, i, 'hide' if i % 2 else 'approve', 'crash-loop', {'toxicity': 0.5},"
            " reason='abuse' if i % 2 else None)\n"
            "decide(s, ids[0], 'note', 'crash-loop', {}, note='checked')\n")
    r = run([sys.executable, "-c", code, str(db)], env)
    assert r.returncode == 0, r.stderr


def snapshot_decisions(db: Path) -> list[Any]:
    return [q(db, "SELECT * FROM decisions ORDER BY comment_id"),
            q(db, "SELECT * FROM moderation_log ORDER BY id")]


def reference_scores(db: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, label, value in q(db, "SELECT c.key, s.label, s.value FROM scores s JOIN comments c"
                                   " ON c.id = s.comment_id JOIN scorings g ON g.comment_id ="
                                   " s.comment_id AND g.model = s.model AND g.version = s.version"
                                   " AND g.is_current = 1"):
        out.setdefault(key, {})[label] = value
    return out


def check(db: Path, archive: Path, ref: dict[str, Any], decisions: list[Any],
          chunk: int) -> list[str]:
    """Everything that must hold after any kill; returns the problems found."""
    problems: list[str] = []
    integrity = q(db, "PRAGMA integrity_check")[0][0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    try:
        q(db, "INSERT INTO comments_fts(comments_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        problems.append(f"FTS index out of step with comments: {exc}")
    keys = q(db, "SELECT COUNT(*), COUNT(DISTINCT key) FROM comments")[0]
    if keys[0] != keys[1]:
        problems.append(f"duplicate comments: {keys}")
    unknown = [k for (k,) in q(db, "SELECT key FROM comments") if k not in ref["keys"]]
    if unknown:
        problems.append(f"{len(unknown)} comments not in the reference run")
    # ingest is all-or-nothing per transaction: the stored rows are a prefix of the file
    positions = [p for (p,) in q(db, "SELECT c.position FROM comments c JOIN articles a ON"
                                     " a.id = c.article_id WHERE a.source = ? ORDER BY 1",
                                 (str(archive),))]
    n = len(positions)
    if positions != list(range(n)) or (n % chunk and n != ref["archive_rows"]):
        problems.append(f"stored archive rows are not whole transactions from the start: {n}")
    dup_scorings = q(db, "SELECT COUNT(*) FROM (SELECT comment_id, model, version FROM scorings"
                         " GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)")[0][0]
    current = q(db, "SELECT COUNT(*) FROM (SELECT comment_id FROM scorings WHERE is_current = 1"
                    " GROUP BY 1 HAVING COUNT(*) > 1)")[0][0]
    if dup_scorings or current:
        problems.append(f"duplicate scorings {dup_scorings}, several current {current}")
    partial = q(db, "SELECT COUNT(*) FROM scorings g WHERE g.status = 'ok' AND (SELECT COUNT(*)"
                    " FROM scores s WHERE s.comment_id = g.comment_id AND s.model = g.model AND"
                    " s.version = g.version) != ?", (ref["labels"],))[0][0]
    orphans = q(db, "SELECT COUNT(*) FROM scores s WHERE NOT EXISTS (SELECT 1 FROM scorings g"
                    " WHERE g.comment_id = s.comment_id AND g.model = s.model"
                    " AND g.version = s.version)")[0][0]
    if partial or orphans:
        problems.append(f"scorings without all their labels {partial}, scores without a "
                        f"scoring {orphans}")
    got = reference_scores(db)
    wrong = [k for k, labels in got.items() if ref["scores"].get(k) != labels]
    if wrong:
        problems.append(f"{len(wrong)} comments have scores that differ from the reference run")
    scored = q(db, "SELECT MAX(c.id) FROM comments c JOIN scorings g ON g.comment_id = c.id")[0][0]
    first_unscored = q(db, "SELECT MIN(c.id) FROM comments c WHERE c.kind = 'comment' AND NOT"
                           " EXISTS (SELECT 1 FROM scorings g WHERE g.comment_id = c.id)")[0][0]
    if scored is not None and first_unscored is not None and first_unscored < scored:
        problems.append(f"scores are not whole batches in id order: comment {first_unscored} "
                        f"unscored below scored {scored}")
    if snapshot_decisions(db) != decisions:
        problems.append("decisions or the moderation log changed")
    return problems


def step_done(db: Path, step: str, ref: dict[str, Any]) -> bool:
    if step == "ingest":
        return q(db, "SELECT COUNT(*) FROM comments")[0][0] == len(ref["keys"])
    return q(db, "SELECT COUNT(*) FROM comments c WHERE c.kind = 'comment' AND NOT EXISTS"
                 " (SELECT 1 FROM scorings g WHERE g.comment_id = c.id)")[0][0] == 0


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=50,
                    help="stop after this many runs were killed (SIGKILL while running)")
    ap.add_argument("--iterations", type=int, default=200, help="at most this many runs")
    ap.add_argument("--rows", type=int, default=12000, help="comments in the archive")
    ap.add_argument("--model", default=WORDLIST,
                    help="scorer (default: the word-list test scorer; e.g. builtin:linear-tox)")
    ap.add_argument("--delay", type=float, default=0.02,
                    help="seconds per batch added to the word-list scorer, to widen the window")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ingest-chunk", type=int, default=1000,
                    help="rows per ingest transaction (MODERATION_INGEST_CHUNK)")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "crash_loop.json")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="crash-loop-"))
    work.mkdir(parents=True, exist_ok=True)
    env = child_env({"MODERATION_INGEST_CHUNK": str(args.ingest_chunk),
                     **({"WORDLIST_DELAY": str(args.delay)} if args.model == WORDLIST else {})})
    archive = work / "archive.jsonl"
    write_archive(archive, args.rows, seed=args.seed, duplicates=0.1, bad=4)
    seeded = work / "seeded.db"
    seed_db(seeded, work, env)
    decisions = snapshot_decisions(seeded)

    # the reference: the same job, never interrupted; its durations set the kill window
    ref_db = work / "reference.db"
    shutil.copy(seeded, ref_db)
    durations = {}
    for step in ("ingest", "score"):
        t = time.perf_counter()
        r = run(command(ref_db, step, archive, args.model), env)
        durations[step] = time.perf_counter() - t
        if r.returncode not in (0, 1) or "Traceback" in r.stderr:
            raise SystemExit(f"reference {step} failed: {r.stderr}")
    if not step_done(ref_db, "score", {}) or q(ref_db, "SELECT COUNT(*) FROM comments c JOIN"
                                                " articles a ON a.id = c.article_id"
                                                " WHERE a.source = ?", (str(archive),)
                                                )[0][0] != args.rows:
        raise SystemExit("the reference run did not ingest and score the whole archive")
    ref = {"keys": {k for (k,) in q(ref_db, "SELECT key FROM comments")},
           "scores": reference_scores(ref_db), "archive_rows": args.rows,
           "labels": q(ref_db, "SELECT COUNT(DISTINCT label) FROM scores")[0][0]}

    db = work / "job.db"
    shutil.copy(seeded, db)
    results: dict[str, Any] = {
        "model": args.model, "rows": args.rows, "max_runs": args.iterations,
        "reference_seconds": {k: round(v, 2) for k, v in durations.items()},
        "kills": {"ingest": 0, "score": 0}, "runs": 0, "finished_before_kill": {"ingest": 0, "score": 0},
        "jobs_completed": 0, "failures": []}
    start = time.perf_counter()
    for i in range(args.iterations):
        if sum(results["kills"].values()) >= args.kills:
            break
        results["runs"] = i + 1
        if step_done(db, "ingest", ref) and step_done(db, "score", ref):
            results["jobs_completed"] += 1
            for _ in range(2):  # a fresh job, so kills land early, midway and late alike
                for suffix in ("", "-wal", "-shm"):
                    Path(str(db) + suffix).unlink(missing_ok=True)
            shutil.copy(seeded, db)
        step = "ingest" if not step_done(db, "ingest", ref) else "score"
        proc = subprocess.Popen(command(db, step, archive, args.model), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        delay = rng.uniform(0.0, durations[step] * 1.1)
        try:
            proc.wait(timeout=delay)
            results["finished_before_kill"][step] += 1
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            results["kills"][step] += 1
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if "locked" in err or "Traceback" in err:
            results["failures"].append({"iteration": i, "step": step, "stderr": err[-2000:]})
        problems = check(db, archive, ref, decisions, args.ingest_chunk)
        if problems:
            results["failures"].append({"iteration": i, "step": step, "after_s": round(delay, 3),
                                        "problems": problems})
    # finish the last job with plain re-runs; it must end equal to the reference
    for step in ("ingest", "score"):
        r = run(command(db, step, archive, args.model), env)
        if r.returncode not in (0, 1):
            results["failures"].append({"final": step, "stderr": r.stderr[-2000:]})
    problems = check(db, archive, ref, decisions, args.ingest_chunk)
    if not (step_done(db, "ingest", ref) and step_done(db, "score", ref)):
        problems.append("the final re-run did not finish the job")
    if reference_scores(db) != ref["scores"]:
        problems.append("final scores differ from the reference run (lost or extra scores)")
    if problems:
        results["failures"].append({"final": True, "problems": problems})
    results["jobs_completed"] += 1
    results["seconds"] = round(time.perf_counter() - start, 1)
    results["ok"] = not results["failures"]
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    res = main()
    print(json.dumps({k: v for k, v in res.items() if k != "failures"}))
    for f in res["failures"]:
        print(json.dumps(f), file=sys.stderr)
    sys.exit(0 if res["ok"] else 1)
