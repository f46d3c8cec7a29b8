"""builtin:linear-tox comments/s on news comments: this tree against a baseline commit, same run.

    .venv/bin/python bench/linear_speed.py [--baseline-ref 8e96c96] [--n 5000] [--rounds 4]

Civil Comments news comments (../shared/data/toxicity/toxic_spans), 512 per scoring call as
``moderation score`` hands them over. The baseline is ``moderation/`` of ``--baseline-ref``
(git archive into a temporary folder; the same model files). Each round scores a slice of the
comments in a fresh child process per tree, alternating which goes first (AB, BA), so that a
shared machine's drifting load falls on both alike; only the scoring calls are timed (after a
warm-up), not the start. Checks that both trees return the same scores (every label), status,
language and spans (weights to 1e-9). Prints comments/s for each, the ratio and the issue's
target (5,000 comments/s on this 2-core machine); JSON goes to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speedlib import REPO, cpu_name, news_comments, write_result

CHILD = """
import json, sys, time
from moderation.scoring import builtin, load_scorer
texts = json.load(sys.stdin)
s = load_scorer("builtin:linear-tox")
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


def run_child(tree: Path, texts: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "MODERATION_MODELS_DIR": str(REPO / "models")}
    # cwd: a folder without a moderation/ of its own ("-c" puts the cwd first on sys.path)
    proc = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(texts), text=True,
                          capture_output=True, env=env, check=True, cwd=tempfile.gettempdir())
    return json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-ref", default="8e96c96",
                    help="commit to compare against (default: before the language-check and "
                    "n-gram pair changes)")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    texts = news_comments(args.n, args.seed)
    with tempfile.TemporaryDirectory(prefix="linear-bench-") as tmp:
        base = Path(tmp)
        archive = subprocess.run(["git", "archive", args.baseline_ref, "moderation"], cwd=REPO,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        trees = {"baseline": base, "current": REPO}
        seconds = dict.fromkeys(trees, 0.0)
        results: dict[str, list] = {k: [] for k in trees}
        step = -(-len(texts) // args.rounds)
        for r, start in enumerate(range(0, len(texts), step)):
            group = texts[start : start + step]
            for name in ("baseline", "current") if r % 2 == 0 else ("current", "baseline"):
                res = run_child(trees[name], group)
                if not res["module"].startswith(str(trees[name])):
                    sys.exit(f"{name} imported {res['module']}, not its own tree")
                print(f"round {r}, {name}: {len(group) / res['seconds']:.0f} comments/s",
                      file=sys.stderr)
                seconds[name] += res["seconds"]
                results[name] += res["results"]
    # Every label, the status and language, and the spans' offsets must be equal; span weights
    # may differ by float rounding.
    diff, other = 0.0, 0
    for (la, sa, ga, pa), (lb, sb, gb, pb) in zip(results["baseline"], results["current"]):
        diff = max([diff] + [abs(la[k] - lb[k]) for k in la.keys() & lb.keys()])
        other += (la.keys() != lb.keys() or (sa, ga) != (sb, gb) or len(pa) != len(pb)
                  or any(x[:3] != y[:3] or abs(x[3] - y[3]) > 1e-9 for x, y in zip(pa, pb)))
    rate = {k: len(texts) / v for k, v in seconds.items()}
    report = {
        "comments": len(texts), "rounds": args.rounds, "baseline_ref": args.baseline_ref,
        "baseline_comments_per_s": rate["baseline"], "current_comments_per_s": rate["current"],
        "ratio": seconds["baseline"] / seconds["current"], "max_abs_diff": diff,
        "comments_with_other_differences": other,
        "target_comments_per_s": 5000, "cpu": cpu_name(), "cores": os.cpu_count(),
    }
    print(f"machine: {report['cpu']}, {report['cores']} cores")
    print(f"builtin:linear-tox on {len(texts)} news comments: {rate['current']:.0f} comments/s; "
          f"baseline {args.baseline_ref}: {rate['baseline']:.0f}/s; {report['ratio']:.2f}x; "
          f"max |score diff| {diff:.1e} (all labels); {other} comments with another status, "
          f"language or spans; target 5,000/s")
    write_result("linear_speed", report)


if __name__ == "__main__":
    main()
