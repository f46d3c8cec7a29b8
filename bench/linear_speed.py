"""builtin:linear-tox comments/s on news comments: this tree against a baseline commit, same run.

    .venv/bin/python bench/linear_speed.py [--baseline-ref 54267aa] [--n 5000] [--rounds 4]

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
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speedlib import compare_trees, cpu_name, differences, news_comments, write_result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-ref", default="54267aa",
                    help="commit to compare against (default: before the sorted n-gram keys, "
                    "classify-first language check and normalize_many)")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    texts = news_comments(args.n, args.seed)
    got = compare_trees(args.baseline_ref, texts, "builtin:linear-tox", args.rounds)
    seconds = got["seconds"]
    # Every label, the status and language, and the spans' offsets must be equal; span weights
    # may differ by float rounding.
    diff, other = differences(got["results"])
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
