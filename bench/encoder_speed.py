"""The embedded encoder (builtin:minilm-tox) in fp32 against ``--precision bf16``, same texts.

    .venv/bin/python bench/encoder_speed.py [--n 512] [--rounds 4] [--model builtin:minilm-tox]
        [--baseline-ref REF]

Civil Comments news comments (../shared/data/toxicity/toxic_spans) sampled with a fixed seed,
scored 512 at a time (as ``moderation score`` and ``score-file`` hand them over) through the
whole scorer: language check, normalization and its second pass, model, span explanation. The
two precisions alternate in rounds (AB, BA) so that a shared machine's drifting load falls on
both alike. Prints comments/s for each, the ratio, and the largest score difference over every
label (the issue asks for 150 comments/s on this 2-core machine and 0.01 at most). JSON goes to
bench/results/. ``--baseline-ref REF`` also scores the same texts with commit REF's
``moderation/`` and this tree's, each in child processes at the default precision, alternating
(bench/speedlib.compare_trees), and prints both rates, the ratio and the largest difference.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speedlib import compare_trees, cpu_name, differences, news_comments, write_result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--model", default="builtin:minilm-tox")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-ref", help="also compare this tree with that commit's code")
    args = ap.parse_args()
    texts = news_comments(args.n, args.seed)

    import torch

    from moderation.scoring import load_scorer

    scorers = {p: load_scorer(args.model, device="cpu", precision=p) for p in ("fp32", "bf16")}
    for s in scorers.values():
        s.score(texts[:8])
    seconds = dict.fromkeys(scorers, 0.0)
    results: dict[str, list] = {p: [] for p in scorers}
    step = -(-len(texts) // args.rounds)
    for r, start in enumerate(range(0, len(texts), step)):
        group = texts[start : start + step]
        for p in ("fp32", "bf16") if r % 2 == 0 else ("bf16", "fp32"):
            t0 = time.perf_counter()
            results[p].extend(scorers[p].score(group))
            seconds[p] += time.perf_counter() - t0
    diffs = [abs(a.labels[k] - b.labels[k]) for a, b in zip(results["fp32"], results["bf16"])
             for k in a.labels]
    flips = sum((a.labels.get("toxicity", 0) >= 0.5) != (b.labels.get("toxicity", 0) >= 0.5)
                for a, b in zip(results["fp32"], results["bf16"]))
    report = {
        "model": args.model, "comments": len(texts), "rounds": args.rounds,
        "fp32_comments_per_s": len(texts) / seconds["fp32"],
        "bf16_comments_per_s": len(texts) / seconds["bf16"],
        "ratio": seconds["fp32"] / seconds["bf16"],
        "max_abs_diff": max(diffs), "toxicity_flips_at_0.5": flips,
        "cpu": cpu_name(), "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__, "python": platform.python_version(),
    }
    print(f"machine: {report['cpu']}, {report['cores']} cores, torch {torch.__version__}, "
          f"{report['torch_threads']} threads")
    print(f"{args.model} on {len(texts)} news comments: fp32 {report['fp32_comments_per_s']:.1f}"
          f" comments/s, bf16 {report['bf16_comments_per_s']:.1f} comments/s: "
          f"{report['ratio']:.2f}x; max |diff| {max(diffs):.4f}, {flips} toxicity decisions "
          "at 0.5 changed")
    if args.baseline_ref:
        got = compare_trees(args.baseline_ref, texts, args.model, args.rounds)
        diff, other = differences(got["results"], span_tolerance=1e-6)
        rate = {k: len(texts) / v for k, v in got["seconds"].items()}
        report["trees"] = {"baseline_ref": args.baseline_ref, "precision": "auto (default)",
                           "baseline_comments_per_s": rate["baseline"],
                           "current_comments_per_s": rate["current"],
                           "ratio": got["seconds"]["baseline"] / got["seconds"]["current"],
                           "max_abs_diff": diff, "comments_with_other_differences": other}
        print(f"{args.model}, default precision, child processes: this tree "
              f"{rate['current']:.1f} comments/s, {args.baseline_ref} {rate['baseline']:.1f}/s: "
              f"{report['trees']['ratio']:.2f}x; max |diff| {diff:.1e}; {other} comments with "
              "another status, language or spans")
    write_result("encoder_speed", report)


if __name__ == "__main__":
    main()
