"""Text-dump parse speed of this tree against a baseline commit, in the same run.

    .venv/bin/python bench/parse_speed.py [--baseline-ref eb4552c] [--rounds 6] [--reps 20]

Parses every dump in ../shared/data/pages/text_dumps (the issue's "text dumps" figure) in a
child process per tree and round, rounds alternating which tree goes first. A child clears the
parser's caches before each repetition (each pays for its own phrase matching, as
parse_quality.py does) and reports its fastest repetition in process CPU time: on a shared
machine the fastest is the least disturbed. Also checks that both trees give the same comments
on every dump, and says where they differ. Prints MB/s per tree (median over rounds), the
ratio, and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speedlib import REPO, baseline_tree, cpu_name, write_result

DUMPS = REPO.parent / "shared" / "data" / "pages" / "text_dumps"

CHILD = """
import functools, hashlib, json, sys, time
from pathlib import Path
import moderation.parse as P
from moderation.parse import parse_bytes
files = sorted(Path(sys.argv[1]).glob("*.txt"))
datas = [(f.name, f.read_bytes()) for f in files]
digest = {}
for name, data in datas:  # warm-up (imports, lazy tables) and the answers
    art = parse_bytes(data, name, "text").articles[0]
    digest[name] = hashlib.sha1(json.dumps(
        [[c.author, c.date, c.text] for c in art.comments]).encode()).hexdigest()
# every per-line cache of the parser; not the tables a process builds once (a cached function
# of no arguments: the month and calendar-word tables, the CLDR locales, the classifier's
# weights)
import inspect
caches = [v for mod in list(sys.modules.values())
          if getattr(mod, "__name__", "").startswith("moderation.parse")
          for v in vars(mod).values() if isinstance(v, functools._lru_cache_wrapper)
          and v.__module__ == mod.__name__
          and inspect.signature(v.__wrapped__).parameters]
best = float("inf")
for _ in range(int(sys.argv[2])):
    for fn in caches:
        fn.cache_clear()
    t0 = time.process_time()
    for name, data in datas:
        parse_bytes(data, name, "text")
    best = min(best, time.process_time() - t0)
print(json.dumps({"caches": sorted(f.__name__ for f in caches), "bytes": sum(len(d) for _n, d in datas), "seconds": best,
                  "digest": digest, "module": P.__file__}))
"""


def run_child(tree: Path, reps: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(DUMPS), str(reps)], text=True,
                          capture_output=True, env=env, check=True, cwd=tempfile.gettempdir())
    got = json.loads(proc.stdout)
    if not got["module"].startswith(str(tree)):
        sys.exit(f"the child for {tree} imported {got['module']}, not its own tree")
    return got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-ref", default="eb4552c")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args(argv)
    if not DUMPS.is_dir():
        sys.exit(f"missing {DUMPS}: the bench parses the real dumps in ../shared")
    rates: dict[str, list[float]] = {"baseline": [], "current": []}
    digests: dict[str, dict] = {}
    caches: dict[str, list] = {}
    with baseline_tree(args.baseline_ref) as base:
        trees = {"baseline": base, "current": REPO}
        for r in range(args.rounds):
            for name in ("baseline", "current") if r % 2 == 0 else ("current", "baseline"):
                got = run_child(trees[name], args.reps)
                rates[name].append(got["bytes"] / got["seconds"] / 1e6)
                digests[name] = got["digest"]
                caches[name] = got["caches"]
                print(f"round {r}, {name}: {rates[name][-1]:.2f} MB/s", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in rates.items()}
    changed = sorted(n for n in digests["current"]
                     if digests["current"][n] != digests["baseline"].get(n))
    report = {"machine": cpu_name(), "cpus": os.cpu_count(), "baseline_ref": args.baseline_ref,
              "dumps": len(digests["current"]), "mb_per_s": rates,
              "median_mb_per_s": med, "ratio": round(med["current"] / med["baseline"], 3),
              "dumps_parsed_differently": changed, "caches_cleared": caches}
    print(f"text dumps ({len(digests['current'])} in {DUMPS.name}), {cpu_name()}, "
          f"{os.cpu_count()} CPUs, median of {args.rounds} rounds (fastest of {args.reps} "
          f"repetitions each, CPU time):")
    print(f"  baseline {args.baseline_ref}: {med['baseline']:.2f} MB/s")
    print(f"  this tree: {med['current']:.2f} MB/s  ({report['ratio']:.2f}x)")
    print(f"  dumps whose comments differ from the baseline's: {len(changed)} of "
          f"{len(digests['current'])}")
    write_result("parse_speed", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
