"""How fast the queue is on 100,000 scored comments, driven by Textual's Pilot.

    .venv/bin/python bench/queue_latency.py [--comments 100000] [--decisions 200] [--fresh]

Fills (once, cached under bench/results/) a database with comments sampled from the Davidson
et al. 2017 tweets in ../shared/data/toxicity (synthetic text when absent), with scores
derived from their human labels plus noise, then measures:

* startup: from opening the store and building the app to the first queue screen (rows
  listed and a comment shown); target under 1.5 s;
* decision: from pressing ``a`` to the next comment shown, over many decisions (p50, p95,
  max); target p95 under 50 ms; the decisions are then checked in the database;
* navigation: from pressing ``j`` to the next comment shown;
* with ``--batch``: the decision figures again while another process-like connection
  commits scores in batches beside the app (the live refresh reloads as it goes).

Prints the figures and writes them as JSON to bench/results/queue_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.config import Config
from moderation.documents import Article, Comment, ParseResult, Scores, Span
from moderation.store import Store

RESULTS = ROOT / "bench" / "results"
DAVIDSON = ROOT.parent / "shared" / "data" / "toxicity" / "davidson2017" / "labeled_data.csv"
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
          "sexual_explicit")
PER_ARTICLE = 100
# Time between keys (not counted): a quick moderator; the app's workers run meanwhile.
PACE_S = 0.1


def sample_texts() -> list[tuple[str, int]]:
    """(text, class) pairs: Davidson's class 0 hate, 1 offensive, 2 neither."""
    if DAVIDSON.exists():
        with DAVIDSON.open(encoding="utf-8", newline="") as f:
            return [(row["tweet"], int(row["class"])) for row in csv.DictReader(f)]
    rng = random.Random(1)
    words = ["the", "council", "bridge", "vote", "idiot", "moron", "great", "thanks", "stupid", "library", "money"]
    return [(" ".join(rng.choices(words, k=rng.randint(5, 40))), rng.randint(0, 2))
            for _ in range(5000)]


def fill(path: Path, n: int) -> None:
    rng = random.Random(7)
    texts = sample_texts()
    authors = [f"reader{i}" for i in range(n // 5)]
    store = Store(path)
    t0 = time.perf_counter()
    cid = 0
    scores: list[tuple[int, Scores]] = []
    for a in range(n // PER_ARTICLE):
        picked = [texts[rng.randrange(len(texts))] for _ in range(PER_ARTICLE)]
        comments = tuple(Comment(text, author=rng.choice(authors), position=p)
                         for p, (text, _) in enumerate(picked))
        store.ingest(ParseResult("text", (Article(title=f"Article {a}", id=f"a{a}",
                                                  comments=comments),), source="bench"))
        for c, (_, cls) in zip(comments, picked, strict=True):
            cid += 1
            # Human label -> a plausible model score: hate high, offensive mid, neither low.
            base = {0: 0.8, 1: 0.55, 2: 0.1}[cls]
            labels = {lbl: min(max(rng.gauss(base if i < 2 else base * rng.random(), 0.15),
                                   0.0), 1.0) for i, lbl in enumerate(LABELS)}
            first = c.text.split()[0] if c.text.split() else ""
            spans = (Span(c.text.index(first), c.text.index(first) + len(first), "toxicity",
                          0.5),) if first else ()
            scores.append((cid, Scores(labels, "bench", "1", spans=spans)))
        if len(scores) >= 5000:
            store.save_scores(scores)
            scores = []
    if scores:
        store.save_scores(scores)
    store.close()
    print(f"filled {path} with {n} comments and scores in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(pct(ms, 0.95), 2), "max_ms": round(max(ms), 2)}


async def key_to_shown(app, pilot, key: str, timeout: float = 5.0) -> float:
    """Milliseconds from a key event reaching the app to the next comment on screen.

    The key goes straight to the driver, as a terminal's would: Pilot.press also waits for
    the whole process (worker threads included) to go idle, up to a second per key, which
    would measure Pilot, not the queue. "Shown" is: the comment view holds another comment
    and every widget has processed its pending messages (the repaint included).
    """
    from textual import events

    before = app.detail.comment_id
    event = events.Key(key, key)
    event.set_sender(app)
    t, cpu = time.perf_counter(), time.thread_time()
    app._driver.send_message(event)
    while app.detail.comment_id == before:
        if time.perf_counter() - t > timeout:
            raise RuntimeError("the next comment never showed")
        await asyncio.sleep(0.0005)
    await pilot._wait_for_screen()
    CPU_MS.append((time.thread_time() - cpu) * 1000)
    return (time.perf_counter() - t) * 1000


# Event-loop thread CPU time per measured key: what the wall time would be on an idle core.
CPU_MS: list[float] = []


async def drive(db: Path, decisions: int, batch: bool) -> dict[str, object]:
    from moderation.tui.app import make_app

    out: dict[str, object] = {}
    t0 = time.perf_counter()
    store = Store(db)
    app = make_app(store, Config(), moderator="bench", poll_interval=1.0)
    async with app.run_test(size=(160, 50)) as pilot:
        while not (app.loads and app.items and app.detail.comment_id is not None):
            await asyncio.sleep(0.002)
        await pilot._wait_for_screen()
        out["startup_s"] = round(time.perf_counter() - t0, 3)
        out["rows_loaded"] = len(app.items)
        out["counts"] = dict(app.counts)

        nav: list[float] = []
        for _ in range(50):
            await asyncio.sleep(PACE_S)
            nav.append(await key_to_shown(app, pilot, "j"))
        out["navigate_j"] = summary(nav)
        out["navigate_j_loop_cpu"] = summary(CPU_MS)
        CPU_MS.clear()

        async def decide_many(n: int) -> list[float]:
            ms: list[float] = []
            for _ in range(n):
                await asyncio.sleep(PACE_S)
                ms.append(await key_to_shown(app, pilot, "a"))
            return ms

        approved_before = store.counts_by_status()["approved"]
        out["decide_a"] = summary(await decide_many(decisions))
        out["decide_a_loop_cpu"] = summary(CPU_MS)
        CPU_MS.clear()
        t = time.perf_counter()
        while app._jobs.unfinished_tasks:
            await asyncio.sleep(0.002)
        out["pace_s"] = PACE_S
        out["decisions_saved_after_last_key_s"] = round(time.perf_counter() - t, 3)
        saved = store.counts_by_status()["approved"] - approved_before
        out["decisions_saved"] = saved
        if saved != decisions:
            raise RuntimeError(f"{decisions} decisions pressed but {saved} saved")

        if batch:
            stop = threading.Event()
            written = [0]

            def scorer() -> None:
                other = Store(db)
                rng = random.Random(3)
                cid = other.query("SELECT MAX(id) AS m FROM comments")[0]["m"]
                art = 0
                while not stop.is_set():
                    art += 1
                    comments = tuple(Comment(f"new comment {art}-{p} you idiot", author="late",
                                             position=p) for p in range(100))
                    other.ingest(ParseResult("text", (Article(title=f"Live {art}",
                                 id=f"live{art}", comments=comments),), source="live"))
                    other.save_scores([(cid + k + 1, Scores({"toxicity": rng.random()},
                                                            "bench", "1")) for k in range(100)])
                    cid += 100
                    written[0] += 100
                other.close()

            th = threading.Thread(target=scorer, daemon=True)
            th.start()
            await asyncio.sleep(1.5)
            ms = await decide_many(decisions)
            stop.set()
            th.join()
            out["decide_a_during_batch"] = summary(ms)
            out["batch_comments_written"] = written[0]
            out["live_reloads"] = app.loads
        await pilot.press("q")
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--decisions", type=int, default=200)
    ap.add_argument("--batch", action="store_true", help="also measure beside a batch writer")
    ap.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    cached = RESULTS / f"queue_latency_{args.comments}.db"
    if args.fresh or not cached.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cached}{suffix}").unlink(missing_ok=True)
        fill(cached, args.comments)
    # Each run decides on a fresh copy, so runs are comparable.
    db = RESULTS / "queue_latency_run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Store(cached) as src:
        src.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.write_bytes(cached.read_bytes())
    res = asyncio.run(drive(db, args.decisions, args.batch))
    res.update({"comments": args.comments, "machine": platform.platform(),
                "python": platform.python_version(),
                "targets": {"startup_s": 1.5, "decide_p95_ms": 50}})
    print(f"comments: {args.comments}, rows in the first page: {res['rows_loaded']}")
    print(f"startup to first queue screen: {res['startup_s']:.3f} s (target < 1.5 s)")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    res["loadavg_end"] = os.getloadavg()[0]
    for key in ("navigate_j", "navigate_j_loop_cpu", "decide_a", "decide_a_loop_cpu",
                "decide_a_during_batch"):
        if key in res:
            s = res[key]
            print(f"{key}: p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, "
                  f"max {s['max_ms']:.1f} ms over {s['n']}")
    print(f"decisions saved: {res['decisions_saved']}, the last one "
          f"{res['decisions_saved_after_last_key_s']:.3f} s after its key")
    if "batch_comments_written" in res:
        print(f"batch beside the app wrote {res['batch_comments_written']} scored comments; "
              f"queue loads shown: {res['live_reloads']}")
    out = RESULTS / "queue_latency.json"
    out.write_text(json.dumps(res, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
