"""Padded tokens per forward pass on a CPU (the engine's ``max_batch_tokens``): comments/s for
several budgets, in each CPU configuration of an embedded model, on the same texts.

    .venv/bin/python bench/batch_tokens.py [--model builtin:minilm-tox] [--texts news|german]
        [--budgets 4096,2048,1024,512] [--n 512] [--repeats 3]

Each configuration (fp32 in torch, fp32 in ONNX Runtime, bf16 in torch; ``encoder_speed.CONFIGS``)
scores the same sampled texts once per budget per repeat, the budgets' order rotating between
repeats so that a shared machine's drifting load falls on all alike. Prints comments/s per
budget and its ratio to the first budget (the old default, 4096), for each configuration. The
engine's CPU default (``engine.CPU_BATCH_TOKENS``) was chosen from this bench.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from encoder_speed import CONFIGS, german_tweets
from speedlib import cpu_name, news_comments, write_result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="builtin:minilm-tox")
    ap.add_argument("--texts", choices=("news", "german"), default="news")
    ap.add_argument("--budgets", default="4096,2048,1024,512")
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    texts = news_comments(args.n, args.seed) if args.texts == "news" else german_tweets(args.n, args.seed)

    from moderation.scoring import load_scorer

    report = {"model": args.model, "texts": args.texts, "comments": len(texts), "cpu": cpu_name(),
              "cores": os.cpu_count(), "budgets": budgets, "configs": {}}
    print(f"machine: {report['cpu']}, {report['cores']} cores; {args.model} on {len(texts)} "
          f"{args.texts} comments, {args.repeats} repeats")
    for name, (precision, runtime) in CONFIGS.items():
        os.environ["MODERATION_CPU_RUNTIME"] = runtime
        scorer = load_scorer(args.model, device="cpu", precision=precision)
        os.environ.pop("MODERATION_CPU_RUNTIME")
        scorer.score(texts[:8])
        seconds = dict.fromkeys(budgets, 0.0)
        for r in range(args.repeats):
            for b in budgets[r % len(budgets):] + budgets[: r % len(budgets)]:
                scorer.engine.max_batch_tokens = b
                t0 = time.perf_counter()
                scorer.score(texts)
                seconds[b] += time.perf_counter() - t0
        rates = {b: args.repeats * len(texts) / s for b, s in seconds.items()}
        report["configs"][name] = {str(b): r for b, r in rates.items()}
        print(f"  {name:17} " + "  ".join(f"{b}: {rates[b]:6.1f}/s ({rates[b] / rates[budgets[0]]:.2f}x)"
                                          for b in budgets))
    write_result("batch_tokens", report)


if __name__ == "__main__":
    main()
