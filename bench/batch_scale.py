"""Batch ingest and scoring at archive scale: rates, overhead over the bare model, peak RSS, WAL.

Per size (archives of comments sampled from ../shared/data/toxicity, each text tagged with its
row number so that every row is real work for the model), each in its own child process:

* ingest: ``moderation ingest ARCHIVE.jsonl`` -> comments/s into SQLite (target >= 20,000/s;
  the search index lags and catches up after, reported as ``search_index``),
  the median of ``--repeat`` runs (archives up to ``--repeat-max``; all rates are listed), per row
  order (``--orders``): rows in random order (articles and authors uniform: the
  worst case for the indexes, and the archive that is then scored) and in date order
* bare model: the scorer's ``score()`` over the same texts, 512 at a time -> texts/s
* end to end: ``moderation score`` -> comments/s; overhead = 1 - end-to-end / bare (<= 10%),
  each end-to-end run against the mean of the bare runs before and after it, the median of
  ``--repeat`` such pairs (archives up to ``--score-repeat-max``: a 10k run takes seconds,
  and one run's noise here is larger than 10%);
  on a shared machine the load drifts between those two children, so the summary's own split
  (time outside the model's score() calls in the same run) is reported too
* ``--workers 2``: ``moderation score --workers 2`` on a copy of the same database -> speed-up
* peak RSS of every child: its largest process (os.wait4) and all its processes together
  (sampled every 0.1 s: an ingest's parse process, scoring workers); the largest WAL file

    .venv/bin/python bench/batch_scale.py                       # 10k and 100k, 1M ingest only
    .venv/bin/python bench/batch_scale.py --sizes 10k --model builtin:linear-tox
    .venv/bin/python bench/batch_scale.py --sizes 1m --score-max 1m   # 1M scored too (long)

Prints one JSON line per step and writes bench/results/batch_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]


def size(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t.rstrip("km")) * mult)


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate (the upper one of an even count)."""
    return sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants now, in MB (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
        rss[int(stat.parent.name)] = int(fields[21])  # pages
    tree, grew = {pid}, True
    while grew:
        more = {p for p, pp in parents.items() if pp in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(rss.get(p, 0) for p in tree) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(cmd: list[str], *, wal: Path | None = None) -> dict[str, Any]:
    """Run a child process; its stderr's last JSON line, wall seconds, peak RSS, peak WAL."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "tests"), str(REPO)]))
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak_wal = [0]
    peak_tree = [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if wal is not None:
                try:
                    peak_wal[0] = max(peak_wal[0], os.path.getsize(wal))
                except OSError:
                    pass
            if Path("/proc/self/stat").exists():  # the child with its own children (Linux)
                peak_tree[0] = max(peak_tree[0], tree_rss_mb(proc.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # read both pipes without deadlock, then reap with wait4 for this child's own rusage
    out_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    err = proc.stderr.read()  # type: ignore[union-attr]
    reader.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    wall = time.perf_counter() - t
    lines = [x for x in (out_chunks[0] + b"\n" + err).decode(errors="replace").splitlines()
             if x.startswith("{")]
    if proc.returncode not in (0, 1) or not lines:
        raise SystemExit(f"{' '.join(cmd[:6])} failed ({proc.returncode}):\n"
                         f"{err.decode(errors='replace')[-3000:]}")
    objs = [json.loads(x) for x in lines]
    # an ingest ends with its search index's catch-up (one more line): kept beside the summary
    res = next(o for o in reversed(objs) if "search_index" not in o)
    res.update((k, o[k]) for o in objs for k in ("search_index",) if k in o)
    res["wall_s"] = round(wall, 2)
    res["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # the largest single process
    # all of its processes together (an ingest's parse process, scoring workers), sampled
    res["peak_tree_rss_mb"] = round(peak_tree[0], 1)
    if wal is not None:
        res["peak_wal_mb"] = round(peak_wal[0] / 2**20, 2)
    return res


def bare(archive: Path, model: str, chunk: int = 512) -> None:
    """Child: the model alone over the archive's texts; prints {"rate": ..., "texts": ...}."""
    from moderation.batch import ScorerSpec

    scorer = ScorerSpec(model).load()
    n, busy = 0, 0.0
    batch: list[str] = []
    with archive.open(encoding="utf-8") as fh:
        for line in fh:
            batch.append(json.loads(line)["text"])
            if len(batch) == chunk:
                t = time.perf_counter()
                scorer.score(batch)
                busy += time.perf_counter() - t
                n += len(batch)
                batch = []
    if batch:
        t = time.perf_counter()
        scorer.score(batch)
        busy += time.perf_counter() - t
        n += len(batch)
    print(json.dumps({"texts": n, "seconds": round(busy, 3), "rate": round(n / busy, 1),
                      "model": scorer.name, "version": scorer.version}), file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k,1m", help="comma-separated, e.g. 10k,100k,1m")
    ap.add_argument("--model", default="builtin:linear-tox",
                    help="scorer (default: the fast linear embedded model)")
    ap.add_argument("--score-max", default="100k",
                    help="score only archives up to this size (1M with a model takes long)")
    ap.add_argument("--workers-max", default="100k",
                    help="measure --workers 2 on archives up to this size")
    ap.add_argument("--orders", default="random,date",
                    help="archive row orders to ingest (bench/archive.py): random is the worst"
                         " case for the indexes and is the one scored; date is how a site's"
                         " export comes")
    ap.add_argument("--repeat", type=int, default=3,
                    help="ingest runs per archive (the median is reported, all are listed)")
    ap.add_argument("--repeat-max", default="100k",
                    help="repeat the ingest only for archives up to this size")
    ap.add_argument("--score-repeat-max", default="10k",
                    help="score --repeat times (each run paired with its bare neighbours)"
                         " only up to this size")
    ap.add_argument("--search-index", default="after", choices=["now", "after", "later"],
                    help="ingest's --search-index (bench/ingest_fts.py compares them)")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "batch_scale.json")
    ap.add_argument("--child-bare", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_bare:
        bare(args.child_bare, args.model)
        return
    from archive import write_archive

    work = args.workdir or Path(tempfile.mkdtemp(prefix="batch-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    report: dict[str, Any] = {
        "model": args.model, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_avg_at_start": os.getloadavg(), "sizes": {}}
    for label in args.sizes.split(","):
        n = size(label)
        archive = work / f"archive-{n}.jsonl"
        db = work / f"scale-{n}.db"
        orders = args.orders.split(",")
        res: dict[str, Any] = {"comments": n}
        # every order is ingested into a fresh database; the last one ingested ("random" when
        # listed, as it is put last) is the one scored below
        for order in sorted(orders, key=lambda o: o == "random"):
            write_archive(archive, n, seed=n, order=order)
            runs = []
            for _ in range(args.repeat if n <= size(args.repeat_max) else 1):
                for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                    p.unlink(missing_ok=True)
                runs.append(child([py, "-m", "moderation", "--db", str(db), "ingest",
                                   str(archive), "-q", "--search-index", args.search_index],
                                  wal=Path(f"{db}-wal")))
            ing = median_run(runs)  # the machine's load drifts between runs
            res["ingest" if order == "random" else f"ingest_{order}"] = step = {
                k: ing[k] for k in ("rate", "seconds", "wall_s", "peak_rss_mb",
                                    "peak_tree_rss_mb", "peak_wal_mb", "comments_added")}
            # the index's catch-up after the file is stored (--search-index after)
            step["search_index"] = ing.get("search_index")
            step["rates"] = [r["rate"] for r in runs]
            for k in ("peak_rss_mb", "peak_tree_rss_mb"):
                step[k] = max(r[k] for r in runs)
            print(json.dumps({"size": n, "order": order, "ingest": step}), flush=True)
        if n <= size(args.score_max):
            if n <= size(args.workers_max):
                shutil.copy(db, work / "copy.db")
            # bare, end to end, bare, end to end, ... bare: the load drifts on a shared machine,
            # so each end-to-end run is compared with the bare runs either side of it
            # (archives up to --score-repeat-max score --repeat times, on fresh copies)
            reps = args.repeat if n <= size(args.score_repeat_max) else 1
            if reps > 1:
                shutil.copy(db, work / "unscored.db")
            bare_cmd = [py, str(BENCH / "batch_scale.py"), "--child-bare", str(archive),
                        "--model", args.model]
            bares = [child(bare_cmd)]
            e2es = []
            for i in range(reps):
                if i:
                    for p in (Path(f"{db}-wal"), Path(f"{db}-shm")):
                        p.unlink(missing_ok=True)
                    shutil.copy(work / "unscored.db", db)
                e2es.append(child([py, "-m", "moderation", "--db", str(db), "score", "-q",
                                   "--model", args.model], wal=Path(f"{db}-wal")))
                bares.append(child(bare_cmd))
            (work / "unscored.db").unlink(missing_ok=True)
            b, e2e = median_run(bares), median_run(e2es)
            res["bare_model"] = {k: b[k] for k in ("rate", "seconds", "peak_rss_mb", "model",
                                                   "version")}
            res["bare_model"]["rates"] = [r["rate"] for r in bares]
            res["score"] = {k: e2e[k] for k in ("rate", "seconds", "scored", "reused", "wall_s",
                                                "peak_rss_mb", "peak_tree_rss_mb",
                                                "peak_wal_mb")}
            res["score"]["rates"] = [r["rate"] for r in e2es]
            # each end-to-end run against the mean of the bare runs either side of it
            paired = sorted(1 - r["rate"] / ((bares[i]["rate"] + bares[i + 1]["rate"]) / 2)
                            for i, r in enumerate(e2es))
            res["overhead_each_run"] = [round(x, 3) for x in paired]
            res["overhead"] = round(paired[len(paired) // 2], 3)
            # the same run's own split: time outside the model's score() calls
            res["overhead_same_run"] = round(1 - e2e["model_seconds"] / e2e["seconds"], 3)
            print(json.dumps({"size": n, "bare": res["bare_model"], "score": res["score"],
                              "overhead": res["overhead"],
                              "overhead_same_run": res["overhead_same_run"]}), flush=True)
            if n <= size(args.workers_max):
                w2 = child([py, "-m", "moderation", "--db", str(work / "copy.db"), "score",
                            "-q", "--workers", "2", "--model", args.model],
                           wal=work / "copy.db-wal")
                res["score_workers_2"] = {k: w2[k] for k in ("rate", "seconds", "scored",
                                                             "wall_s", "peak_rss_mb",
                                                             "peak_tree_rss_mb")}
                res["speedup_workers_2"] = round(w2["rate"] / e2e["rate"], 2)
                print(json.dumps({"size": n, "workers_2": res["score_workers_2"],
                                  "speedup": res["speedup_workers_2"]}), flush=True)
                (work / "copy.db").unlink(missing_ok=True)
        res["db_mb"] = round(db.stat().st_size / 2**20, 1)
        report["sizes"][str(n)] = res
        archive.unlink(missing_ok=True)
    report["load_avg_at_end"] = os.getloadavg()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps({"written": str(args.out)}))


if __name__ == "__main__":
    main()
