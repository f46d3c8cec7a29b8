"""The multilingual model against the English one, per language, and its speed.

usage: .venv/bin/python bench/multilingual_quality.py [--limit N] [--out FILE]
    [--model builtin:NAME] [--baseline builtin:NAME]

``--baseline`` scores the same texts with a second multilingual model in the same run (for
example the previous version, extracted with ``git archive REF models/multi-tox`` into
``models/multi-tox-old``) and prints its ROC-AUC beside, and its speed on the same comments
(two rounds, the models alternating which goes first; the faster round of each).

Per language with labeled data (../shared/data/toxicity_multilingual, the seeded dev split the
training never saw): ROC-AUC and expected calibration error of builtin:multi-tox (through the
same routing `moderation score-file` uses: language check, then the head of the detected
language) beside the English model builtin:minilm-tox on the same texts, and the same model
with each comment's language told from that comment alone ("alone": a text too short to
identify goes to the English model instead of taking the language of the texts scored with it,
``routing.decide``). Then our own functional
hate dev set (bench/data/hate_dev_templates.json: hateful statements without swear words against
civil ones, counter speech and denials naming the same groups) in seven languages, three of them
(es, it, nl) cross-lingual only. Then speed: comments/s of the routed scorer on non-English dev
comments and of the English model on English comments, both measured in this run, and the
multilingual model's load time in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.scoring import load_scorer
from moderation.training import data as en_data
from moderation.training import multidata
from moderation.training.evaluate import ece


def templates() -> dict[str, tuple[list[str], np.ndarray]]:
    raw = json.loads((ROOT / "bench/data/hate_dev_templates.json").read_text(encoding="utf-8"))
    out = {}
    for lang, spec in raw.items():
        if lang.startswith("_"):
            continue
        texts, ys = [], []
        for g in spec["groups"]:
            for kind, y in (("hate", 1), ("not_hate", 0)):
                for t in spec[kind]:
                    texts.append(t.replace("{g}", g).replace("{G}", g[:1].upper() + g[1:]))
                    ys.append(y)
        out[lang] = (texts, np.array(ys))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="dev rows per language (0: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/multilingual_quality.json")
    ap.add_argument("--model", default="builtin:multi-tox")
    ap.add_argument("--baseline", help="a second multilingual model, scored in the same run")
    args = ap.parse_args()
    t0 = time.perf_counter()
    routed = load_scorer("builtin:minilm-tox", device="cpu", other_languages=args.model)
    base = load_scorer("builtin:minilm-tox", device="cpu", other_languages=args.baseline) \
        if args.baseline else None
    english = load_scorer("builtin:minilm-tox", device="cpu")
    print(f"loaded both models in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    report: dict = {"model": args.model, "baseline": args.baseline, "machine": f"{platform.processor() or platform.machine()}, "
                               f"{__import__('os').cpu_count()} CPUs", "dev": {}, "templates": {}}
    print(f"{'set':<12} {'n':>5}  {'multi AUC':>9}  {'English AUC':>11}  {'multi ECE':>9}  routed to multi"
          + "  AUC (alone)" + ("  baseline AUC" if base else ""))
    nonen: list[str] = []

    def compare(texts: list[str], y: np.ndarray) -> dict:
        r, e = routed.score(texts), english.score(texts)
        p = np.array([x.labels.get("toxicity", 0.0) for x in r])
        pe = np.array([x.labels.get("toxicity", 0.0) for x in e])
        row = {"n": len(texts), "auc_multi": roc_auc_score(y, p), "auc_english": roc_auc_score(y, pe),
               "ece_multi": ece(y, p), "base_rate": float(y.mean()),
               "routed_share": float(np.mean([x.model == args.model for x in r]))}
        routed.context = False  # the same model, each comment's language told from it alone
        pn = np.array([x.labels.get("toxicity", 0.0) for x in routed.score(texts)])
        routed.context = True
        row["auc_multi_alone"] = roc_auc_score(y, pn)
        if base is not None:
            pb = np.array([x.labels.get("toxicity", 0.0) for x in base.score(texts)])
            row["auc_baseline"] = roc_auc_score(y, pb)
        return row

    def tail(row: dict) -> str:
        alone = f"  {row['auc_multi_alone']:>11.3f}"
        return alone + (f"  {row['auc_baseline']:>12.3f}" if "auc_baseline" in row else "")

    for lang in multidata.SOURCES:
        _, dev = en_data.split(multidata.load_language(lang))
        if args.limit:
            dev = random.Random(7).sample(dev, min(args.limit, len(dev)))
        texts = [e.text for e in dev]
        nonen.extend(texts)
        row = report["dev"][lang] = compare(texts, np.array([e.labels["toxicity"] for e in dev]))
        print(f"{lang + ' dev':<12} {len(texts):>5}  {row['auc_multi']:>9.3f}  {row['auc_english']:>11.3f}"
              f"  {row['ece_multi']:>9.3f}  {row['routed_share']:>15.0%}{tail(row)}")
    for lang, (texts, y) in templates().items():
        row = report["templates"][lang] = compare(texts, y)
        print(f"{lang + ' hate':<12} {len(texts):>5}  {row['auc_multi']:>9.3f}  {row['auc_english']:>11.3f}"
              f"  {'':>9}  {row['routed_share']:>15.0%}{tail(row)}")
    # speed, in this run: routed scorer on non-English comments, English model on English ones
    sample = random.Random(3).sample(nonen, min(1000, len(nonen)))
    _, en_dev = en_data.split(en_data.load_all(en_data.DEFAULT_DATA, ("olid2019", "jigsaw2018")))
    en_texts = [e.text for e in random.Random(3).sample(en_dev, 1000)]
    def rate(scorer) -> float:
        t = time.perf_counter()
        scorer.score(sample)
        return len(sample) / (time.perf_counter() - t)

    routed.score(sample[:50])
    if base is not None:  # two rounds, alternating: the faster of each model's two
        base.score(sample[:50])
        rates = [(rate(routed), rate(base)), (0.0, rate(base))]
        rates[1] = (rate(routed), rates[1][1])
        multi_rate = max(r[0] for r in rates)
        base_rate = max(r[1] for r in rates)
        report["speed_baseline"] = {"non_english_per_s": base_rate,
                                    "ratio_model_to_baseline": multi_rate / base_rate}
        print(f"speed: non-English, {args.model} {multi_rate:.0f}/s against {args.baseline} "
              f"{base_rate:.0f}/s in the same run (ratio {multi_rate / base_rate:.2f})")
    else:
        multi_rate = rate(routed)
    english.score(en_texts[:50])
    t = time.perf_counter()
    english.score(en_texts)
    en_rate = len(en_texts) / (time.perf_counter() - t)
    code = ("import time; t=time.perf_counter(); from moderation.scoring import load_scorer; "
            f"load_scorer({args.model!r}, device='cpu'); print(time.perf_counter()-t)")
    load_s = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True, cwd=ROOT).stdout.strip())
    report["speed"] = {"non_english_per_s": multi_rate, "english_per_s": en_rate,
                       "ratio": multi_rate / en_rate, "multi_load_s": load_s}
    print(f"speed: non-English (routed, {args.model}) {multi_rate:.0f} comments/s; English "
          f"(minilm-tox) {en_rate:.0f}/s; ratio {multi_rate / en_rate:.2f}; multi-tox load {load_s:.1f} s "
          f"(fresh process, torch import included) on {report['machine']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
