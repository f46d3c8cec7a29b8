"""An embedded model's three CPU configurations on the same texts: fp32 in torch, fp32 in ONNX
Runtime (the shipped graph, ``moderation/scoring/onnx_graph.py``) and bf16 in torch.

    .venv/bin/python bench/encoder_speed.py [--n 512] [--rounds 4] [--model builtin:minilm-tox]
        [--texts news|german] [--baseline-ref REF]

``--texts news``: Civil Comments news comments (../shared/data/toxicity/toxic_spans) sampled
with a fixed seed; ``german``: GermEval 2018 tweets (for ``--model builtin:multi-tox``). Scored
512 at a time (as ``moderation score`` and ``score-file`` hand them over) through the whole
scorer: language check, normalization and its second pass, model, span explanation or n-grams.
The configurations take turns in rounds, their order rotating, so that a shared machine's
drifting load falls on all alike. Prints comments/s for each, the ratios to fp32 in torch, and
the largest score difference from it over every label. Which one a plain run uses: bf16 where
the CPU has bf16 instructions (avx512_bf16 or AMX), else fp32 in ONNX Runtime. JSON goes to
bench/results/. ``--baseline-ref REF`` also scores the same texts with commit REF's
``moderation/`` and this tree's, each in child processes at the default precision, alternating
(bench/speedlib.compare_trees), and prints both rates, the ratio and the largest difference.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speedlib import TOXICITY, compare_trees, cpu_name, differences, news_comments, write_result

CONFIGS = {  # name: (precision, $MODERATION_CPU_RUNTIME at load)
    "fp32 torch": ("fp32", "torch"),
    "fp32 onnxruntime": ("fp32", ""),
    "bf16 torch": ("bf16", ""),
}


def german_tweets(n: int, seed: int) -> list[str]:
    path = TOXICITY.parent / "toxicity_multilingual/de_germeval2018/germeval2018.training.txt"
    if not path.is_file():
        sys.exit(f"missing {path}: the bench samples real comments from ../shared")
    pool = [ln.split("\t")[0] for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return random.Random(seed).sample(pool, min(n, len(pool)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--model", default="builtin:minilm-tox")
    ap.add_argument("--texts", choices=("news", "german"), default="news")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-ref", help="also compare this tree with that commit's code")
    args = ap.parse_args()
    texts = news_comments(args.n, args.seed) if args.texts == "news" else german_tweets(args.n, args.seed)

    import torch

    from moderation.scoring import load_scorer
    from moderation.scoring.devices import cpu_has_bf16

    scorers = {}
    for name, (precision, runtime) in CONFIGS.items():
        os.environ["MODERATION_CPU_RUNTIME"] = runtime
        scorers[name] = load_scorer(args.model, device="cpu", precision=precision)
    os.environ.pop("MODERATION_CPU_RUNTIME")
    for s in scorers.values():
        s.score(texts[:8])
    names = list(CONFIGS)
    seconds = dict.fromkeys(names, 0.0)
    results: dict[str, list] = {p: [] for p in names}
    step = -(-len(texts) // args.rounds)
    for r, start in enumerate(range(0, len(texts), step)):
        group = texts[start : start + step]
        for p in names[r % len(names):] + names[: r % len(names)]:
            t0 = time.perf_counter()
            results[p].extend(scorers[p].score(group))
            seconds[p] += time.perf_counter() - t0
    base = names[0]
    report = {
        "model": args.model, "texts": args.texts, "comments": len(texts), "rounds": args.rounds,
        "cpu": cpu_name(), "cores": os.cpu_count(), "cpu_has_bf16": cpu_has_bf16(),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "python": platform.python_version(), "configs": {},
    }
    try:
        import onnxruntime

        report["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    print(f"machine: {report['cpu']}, {report['cores']} cores, bf16 instructions: "
          f"{report['cpu_has_bf16']}; torch {torch.__version__}, {report['torch_threads']} "
          f"threads, onnxruntime {report.get('onnxruntime')}")
    print(f"{args.model} on {len(texts)} {args.texts} comments:")
    for p in names:
        diffs = [abs(a.labels[k] - b.labels[k]) for a, b in zip(results[base], results[p])
                 for k in a.labels]
        flips = sum((a.labels.get("toxicity", 0) >= 0.5) != (b.labels.get("toxicity", 0) >= 0.5)
                    for a, b in zip(results[base], results[p]))
        rate = len(texts) / seconds[p]
        report["configs"][p] = {"comments_per_s": rate, "ratio_to_fp32_torch": seconds[base] / seconds[p],
                                "max_abs_diff": max(diffs), "toxicity_flips_at_0.5": flips}
        print(f"  {p:17} {rate:7.1f} comments/s  {seconds[base] / seconds[p]:.2f}x  "
              f"max |diff| {max(diffs):.1e}, {flips} toxicity decisions at 0.5 changed")
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
