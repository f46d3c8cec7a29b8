"""Quality and speed of the embedded models against alt-profanity-check, on every source's dev split.

    .venv/bin/python bench/model_quality.py [--models linear-tox,minilm-tox] [--data DIR]
        [--limit N] [--write-metrics]

Dev splits come from moderation.training.data.split (the same seeded split the training code
uses, so no model here was trained on them). Each model runs in its own subprocess, so load
time and peak RSS are its own: ROC-AUC per source and label, ECE of toxicity per source, span
F1 against the Toxic Spans dev annotations (SemEval-2021 Task 5 metric), comments/s over the
whole dev mix (as it comes, in batches of 512) on this machine. alt-profanity-check
(``pip install alt-profanity-check``; a bench-only tool, not a product dependency) is scored in
the same run. Its Davidson and Jigsaw figures are inflated: it was trained on the full Jigsaw
train set (which contains jigsaw2018/train_head.csv) and on the Davidson tweets.
JSON goes to bench/results/model_quality.json; --write-metrics also writes each model's
metrics.json in models/NAME/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from moderation.training import data, evaluate


def run_one(name: str, data_dir: str, limit: int | None) -> dict:
    """Runs inside the child process: load, score the dev mix, measure."""
    import numpy as np

    _, dev = data.split(data.load_all(data_dir))
    if limit:  # a seeded sample: dev is ordered by stratum
        import random

        dev = random.Random(0).sample(dev, min(limit, len(dev)))
    texts = [e.text for e in dev]
    t0 = time.perf_counter()
    if name == "alt-profanity-check":
        import warnings

        warnings.filterwarnings("ignore")
        from profanity_check import predict_prob

        predict_prob(["warm up"])
        load_s = time.perf_counter() - t0
        t1, c1 = time.perf_counter(), time.process_time()
        probs = np.asarray(predict_prob(texts), dtype=float).reshape(-1, 1)
        score_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        labels, spans = ["toxicity"], None
    else:
        from moderation.scoring import builtin

        scorer = builtin.load(name, device="cpu")
        load_s = time.perf_counter() - t0
        t1, c1 = time.perf_counter(), time.process_time()
        probs, spans = evaluate.score_examples(scorer, dev)
        score_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        labels = list(scorer.labels)
    metrics = evaluate.evaluate(dev, probs, labels, spans)
    metrics.update(
        model=name, labels=labels, n_dev=len(dev), load_s=round(load_s, 3),
        comments_per_s=round(len(dev) / score_s, 1), score_s=round(score_s, 2),
        # CPU seconds the scoring used, and the machine's load: on a shared machine, wall-clock
        # speed says as much about the neighbours as about the model.
        cpu_s=round(cpu_s, 2), cpu_share=round(cpu_s / score_s, 2), loadavg=os.getloadavg()[0],
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    return metrics


def shipped() -> list[str]:
    root = REPO / "models"
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())


def table(results: list[dict]) -> str:
    srcs = sorted({s for r in results for s in r["sources"]})
    labs = list(data.LABELS)
    lines = []
    head = f"{'source':14} {'label':16} " + " ".join(f"{r['model'][:20]:>20}" for r in results)
    lines.append(head)
    for s in srcs:
        for lab in labs:
            vals = [r["sources"].get(s, {}).get("roc_auc", {}).get(lab) for r in results]
            if all(v is None for v in vals):
                continue
            pos = next((r["sources"][s]["positives"].get(lab) for r in results
                        if lab in r["sources"].get(s, {}).get("positives", {})), "")
            lines.append(f"{s:14} {lab + f' ({pos}+)':16} " + " ".join(
                f"{v:>20.4f}" if v is not None else f"{'-':>20}" for v in vals))
    lines.append("")
    for s in srcs:
        lines.append(f"{s:14} {'ECE toxicity':16} " + " ".join(
            f"{r['sources'][s].get('ece_toxicity', float('nan')):>20.4f}" for r in results))
    lines.append(f"{'toxic_spans':14} {'span F1':16} " + " ".join(
        f"{r.get('span_f1_toxic_spans', float('nan')):>20.4f}" for r in results))
    for key, fmt in (("comments_per_s", ".1f"), ("cpu_share", ".2f"), ("loadavg", ".1f"),
                     ("load_s", ".2f"), ("peak_rss_mb", ".0f")):
        lines.append(f"{'speed':14} {key:16} " + " ".join(f"{r[key]:>20{fmt}}" for r in results))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=None, help="comma-separated model dirs (default: all shipped)")
    ap.add_argument("--data", default=str(data.DEFAULT_DATA))
    ap.add_argument("--limit", type=int, default=None, help="a seeded sample of N dev rows (quick look)")
    ap.add_argument("--no-baseline", action="store_true", help="skip alt-profanity-check")
    ap.add_argument("--write-metrics", action="store_true")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "model_quality.json"))
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(run_one(a.one, a.data, a.limit)))
        return 0
    names = a.models.split(",") if a.models else shipped()
    if not a.no_baseline:
        names.append("alt-profanity-check")
    results = []
    for name in names:
        cmd = [sys.executable, __file__, "--one", name, "--data", a.data]
        if a.limit:
            cmd += ["--limit", str(a.limit)]
        print(f"scoring the dev mix with {name} ...", file=sys.stderr, flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ}, check=False)
        if r.returncode != 0:
            print(f"{name} failed:\n{r.stderr[-3000:]}", file=sys.stderr)
            continue
        res = json.loads(r.stdout.strip().splitlines()[-1])
        results.append(res)
        if a.write_metrics and name != "alt-profanity-check":
            (REPO / "models" / name / "metrics.json").write_text(json.dumps(res, indent=2) + "\n")
    print(table(results))
    ts = [e for e in data.split(data.load_all(a.data))[1] if e.source == "toxic_spans"]
    empty_f1 = sum(1 for e in ts if not e.spans) / max(1, len(ts))
    print(f"\nspan F1 of predicting no spans at all (baseline): {empty_f1:.4f}")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "span_f1_no_spans_baseline": round(empty_f1, 4), "results": results}, indent=2) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
