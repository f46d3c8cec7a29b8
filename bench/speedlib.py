"""What the speed benches share: the machine's name, news comments sampled from ../shared,
writing a JSON result under bench/results/, and scoring in a child process with this tree's
or a baseline commit's ``moderation/`` (the same model files)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TOXICITY = REPO.parent / "shared" / "data" / "toxicity"
NEWS = TOXICITY / "toxic_spans" / "comments.csv"  # Civil Comments news comments


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_column(path: Path, column: str) -> list[str]:
    """Every non-blank ``column`` of a CSV under ../shared; exits with a line naming a missing file."""
    if not path.is_file():
        sys.exit(f"missing {path}: the bench samples real comments from ../shared")
    csv.field_size_limit(10_000_000)
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh) if row.get(column, "").strip()]


def news_comments(n: int, seed: int = 0) -> list[str]:
    pool = read_column(NEWS, "comment_text")
    return random.Random(seed).sample(pool, min(n, len(pool)))


def write_result(name: str, report: dict[str, Any]) -> Path:
    out = REPO / "bench" / "results" / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}")
    return out


# Scores the texts on stdin 512 per call, as `moderation score` hands them over, after a warm-up;
# only the scoring calls are timed (not the start or the load).
CHILD = """
import json, sys, time
from moderation.scoring import builtin, load_scorer
texts = json.load(sys.stdin)
s = load_scorer(sys.argv[1])
s.score(texts[:64])
t0 = time.perf_counter()
res = []
for i in range(0, len(texts), 512):
    res += s.score(texts[i:i + 512])
seconds = time.perf_counter() - t0
out = [[r.labels, r.status, r.language, [[p.start, p.end, p.label, p.weight] for p in r.spans]]
       for r in res]
print(json.dumps({"seconds": seconds, "results": out, "module": builtin.__file__}))
"""


@contextlib.contextmanager
def baseline_tree(ref: str) -> Iterator[Path]:
    """A temporary folder holding ``moderation/`` as of commit ``ref`` (git archive)."""
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        archive = subprocess.run(["git", "archive", ref, "moderation"], cwd=REPO,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield Path(tmp)


def run_child(tree: Path, texts: list[str], model: str) -> dict:
    """``model``'s scores and scoring seconds for ``texts`` in a child process importing
    ``tree``'s moderation/ (checked), with this checkout's models/."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MODERATION_MODELS_DIR": str(REPO / "models")}
    # cwd: a folder without a moderation/ of its own ("-c" puts the cwd first on sys.path)
    proc = subprocess.run([sys.executable, "-c", CHILD, model], input=json.dumps(texts),
                          text=True, capture_output=True, env=env, check=True,
                          cwd=tempfile.gettempdir())
    got = json.loads(proc.stdout)
    if not got["module"].startswith(str(tree)):
        sys.exit(f"the child for {tree} imported {got['module']}, not its own tree")
    return got


def compare_trees(ref: str, texts: list[str], model: str, rounds: int) -> dict[str, Any]:
    """This tree against commit ``ref`` on the same texts, in rounds that alternate which goes
    first (AB, BA) so that a shared machine's drifting load falls on both alike: seconds and
    results per tree (keys "baseline", "current")."""
    with baseline_tree(ref) as base:
        trees = {"baseline": base, "current": REPO}
        seconds = dict.fromkeys(trees, 0.0)
        results: dict[str, list] = {k: [] for k in trees}
        step = -(-len(texts) // rounds)
        for r, start in enumerate(range(0, len(texts), step)):
            group = texts[start : start + step]
            for name in ("baseline", "current") if r % 2 == 0 else ("current", "baseline"):
                got = run_child(trees[name], group, model)
                print(f"round {r}, {name}: {len(group) / got['seconds']:.0f} comments/s",
                      file=sys.stderr)
                seconds[name] += got["seconds"]
                results[name] += got["results"]
    return {"seconds": seconds, "results": results}


def differences(results: dict[str, list], span_tolerance: float = 1e-9) -> tuple[float, int]:
    """(largest score difference over every label, comments whose label set, status,
    language or spans differ) between the baseline's and the current tree's results."""
    diff, other = 0.0, 0
    for (la, sa, ga, pa), (lb, sb, gb, pb) in zip(results["baseline"], results["current"]):
        diff = max([diff] + [abs(la[k] - lb[k]) for k in la.keys() & lb.keys()])
        other += (la.keys() != lb.keys() or (sa, ga) != (sb, gb) or len(pa) != len(pb)
                  or any(x[:3] != y[:3] or abs(x[3] - y[3]) > span_tolerance
                         for x, y in zip(pa, pb)))
    return diff, other
