"""Streamed ingest with the search index lagging behind (issue 20) against indexing inside each
ingest transaction (the former way), measured in the same run, interleaved, on the same archive.

Per size (an archive of comments sampled from ../shared/data/toxicity in random row order, as
bench/batch_scale.py writes it), ``--repeat`` rounds; each round runs, in a fresh database:

* ``now``: ``moderation ingest --search-index now`` - the reference: FTS rows written in every
  ingest transaction (how ingest worked before);
* ``after``: ``moderation ingest`` (the default) - comments stored without their FTS rows,
  which are caught up in 40k-row transactions once the file is stored.

Reported: the ingest rate (comments stored per second, the index lagging), the catch-up rate,
the rate with the index complete (ingest + catch-up), and each one's ratio to ``now`` of the
same round (the median of the rounds' ratios), with the machine named.

    .venv/bin/python bench/ingest_fts.py                  # 1M comments, 5 rounds (~10 min)
    .venv/bin/python bench/ingest_fts.py --sizes 100k --repeat 2

Prints one JSON line per run and a summary; writes bench/results/ingest_fts.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

MODES = {"now": ["--search-index", "now"], "after": ["--search-index", "after"]}


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    return {"cpu": model, "cores": os.cpu_count(), "arch": platform.machine(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def size(text: str) -> int:
    t = text.strip().lower()
    return int(float(t.rstrip("km")) * {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1))


def ingest(db: Path, archive: Path, mode: str) -> dict[str, Any]:
    """One `moderation ingest` in a child process: its summary, and the catch-up's if any."""
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "ingest",
                           str(archive), "-q", *MODES[mode]], env=env, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - t
    lines = [json.loads(x) for x in done.stderr.splitlines() if x.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"ingest --{mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = next(x for x in lines if "rows" in x)
    catch = next((x["search_index"] for x in lines if "search_index" in x), None)
    rows = summary["rows"]
    catch_s = catch["seconds"] if catch else 0.0
    with sqlite3.connect(db) as conn:
        behind = conn.execute("SELECT COUNT(*) FROM comments WHERE id > (SELECT"
                              " indexed_through FROM fts_progress)").fetchone()[0]
    return {"mode": mode, "rows": rows, "ingest_s": summary["seconds"],
            "ingest_rate": summary["rate"],
            "catch_up_rows": catch["indexed"] if catch else 0, "catch_up_s": catch_s,
            "catch_up_rate": catch["rate"] if catch and catch["indexed"] else None,
            "rate_with_index": round(rows / (summary["seconds"] + catch_s), 1),
            "wall_s": round(wall, 2), "behind_at_end": behind}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1m", help="comma-separated, e.g. 100k,1m")
    ap.add_argument("--repeat", type=int, default=5, help="rounds of every mode, interleaved")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "ingest_fts.json")
    args = ap.parse_args()
    from archive import write_archive

    modes = list(MODES)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ingest-fts-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "load_avg_at_start": os.getloadavg(),
                              "reference": "now", "sizes": {}}
    print(json.dumps({"machine": report["machine"]}), flush=True)
    for label in args.sizes.split(","):
        n = size(label)
        archive = work / f"archive-{n}.jsonl"
        write_archive(archive, n, seed=n, order="random")
        runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
        for r in range(args.repeat):
            # the order rotates each round: no mode always runs first on a drifting machine
            for mode in modes[r % len(modes):] + modes[:r % len(modes)]:
                res = ingest(work / f"{mode}.db", archive, mode)
                res["round"] = r
                runs[mode].append(res)
                print(json.dumps({"size": n, **res}), flush=True)
        ref = runs["now"]
        out: dict[str, Any] = {"comments": n, "runs": runs}
        for mode in modes:
            ing = [x["ingest_rate"] for x in runs[mode]]
            tot = [x["rate_with_index"] for x in runs[mode]]
            out[mode] = {
                "ingest_rate": statistics.median(ing),
                "rate_with_index": statistics.median(tot),
                "catch_up_rate": statistics.median(
                    [x["catch_up_rate"] for x in runs[mode] if x["catch_up_rate"]] or [0]),
                # each run against the reference of its own round
                "ingest_ratio": round(statistics.median(
                    [x["ingest_rate"] / y["ingest_rate"] for x, y in zip(runs[mode], ref)]), 3),
                "with_index_ratio": round(statistics.median(
                    [x["rate_with_index"] / y["rate_with_index"]
                     for x, y in zip(runs[mode], ref)]), 3)}
        report["sizes"][str(n)] = out
        print(json.dumps({"size": n, **{m: out[m] for m in modes}}), flush=True)
        archive.unlink(missing_ok=True)
    report["load_avg_at_end"] = os.getloadavg()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    m = report["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['arch']}, Python {m['python']},"
          f" SQLite {m['sqlite']}; load {report['load_avg_at_start'][0]:.1f} at start,"
          f" {report['load_avg_at_end'][0]:.1f} at end")
    for n, out in report["sizes"].items():
        for mode in modes:
            o = out[mode]
            print(f"{int(n):>9,} {mode:<6} ingest {o['ingest_rate']:>9,.0f}/s"
                  f" (x{o['ingest_ratio']:.2f} of now)   with index {o['rate_with_index']:>9,.0f}/s"
                  f" (x{o['with_index_ratio']:.2f})   catch-up {o['catch_up_rate']:>9,.0f}/s")
    print(json.dumps({"written": str(args.out)}))


if __name__ == "__main__":
    main()
