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

Besides the dev mix (the four original sources; its wall-clock rate is the speed figure), every
model also scores, untimed, the sets of issue #17 (``moderation/training/identity.py``):

* bias templates: 18 civil + 18 hateful dev templates over 57 identity terms (religions,
  nationalities, ethnicities, orientations and gender identities, genders, disabilities, ages;
  10 of the terms and all 36 templates are never used in training): per-term subgroup / BPSN /
  BNSP ROC-AUC of p(toxicity) and the Jigsaw Unintended Bias final metric;
* identity statements (bench/data/identity_statements_dev.json, written blind by a helper):
  short statements that name an identity, 50 civil (self-identification, equal rights, facts,
  warm words, civil correction) and 40 toxic templates (mild negative words, disgust, personal
  insults by identity, exclusion), over the same 57 terms; the same metrics. The toxic ones
  are mild, so this set shows what the bias templates' strong toxic sentences hide: a civil
  sentence scored as high as a mildly toxic one;
* wiki_identity2018 (Dixon et al. 2018): the original comments plus their identity-swapped
  copies, the same metrics over Dixon's 13 terms, and the mean |p(orig) - p(swapped)|;
* counter speech and quotes ("calling someone a X is wrong" against "you are a X"): ROC-AUC;
* hate dev splits of hateval2019 and stormfront2018 (our seeded split; label = hate over all dev
  rows), also on the rows without a swear word.

--baseline-python runs alt-profanity-check under another interpreter (its scikit-learn pin
may not match the project's venv).
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

from moderation.training import data, evaluate, identity


def extra_sets(data_dir: str) -> dict[str, list[tuple[str, int, object]]]:
    """The issue-#17 sets: name -> [(text, label, tag)]."""
    root = Path(data_dir)
    out: dict[str, list[tuple[str, int, object]]] = {
        "bias_templates": [(t, y, term) for t, y, term in identity.bias_dev_set()],
        "counter_speech": [(t, y, x) for t, y, x in identity.counter_speech_dev_set()],
    }
    statements = REPO / "bench/data/identity_statements_dev.json"
    if statements.is_file():
        out["identity_statements"] = [(t, y, term) for t, y, term, _c in
                                      identity.statements_dev_set(statements)]
    if (root / "wiki_identity2018").is_dir():
        out["wiki_identity"] = [(t, y, (rid, which)) for t, y, rid, which in identity.wiki_identity_set(root)]
    for src in data.HATE_SOURCES:
        if (root / src).is_dir():
            _, dev = data.split(data.load_all(root, (src,)))
            out[src] = [(e.text, int(e.extra["hate"]), bool(data._PROFANE.search(e.text))) for e in dev]
    return out


def extra_metrics(sets: dict[str, list[tuple[str, int, object]]], p: dict[str, list[float]]) -> dict:
    import numpy as np

    res: dict = {}
    for name in ("bias_templates", "identity_statements"):
        if name not in sets:
            continue
        rows = sets[name]
        m = identity.bias_metrics([r[1] for r in rows], p[name], [[r[2]] for r in rows],
                                  identity.ALL_TERMS)
        held = [t for t in identity.ALL_TERMS if t in identity.DEV_ONLY_TERMS]
        m["held_out_terms_min_bpsn"] = min(m["per_term"][t]["bpsn_auc"] for t in held)
        m["held_out_terms_mean_bpsn"] = round(float(np.mean([m["per_term"][t]["bpsn_auc"] for t in held])), 4)
        res[name] = m
    if "wiki_identity" in sets:
        rows = sets["wiki_identity"]
        pw = p["wiki_identity"]
        m = identity.bias_metrics([r[1] for r in rows], pw,
                                  [identity.mentions(r[0], identity.WIKI_TERMS) for r in rows],
                                  identity.WIKI_TERMS)
        orig = {r[2][0]: pw[i] for i, r in enumerate(rows) if r[2][1] == "orig"}
        diffs = [abs(pw[i] - orig[r[2][0]]) for i, r in enumerate(rows) if r[2][1] == "swap"]
        m["mean_abs_swap_diff"] = round(float(np.mean(diffs)), 4) if diffs else None
        io = [i for i, r in enumerate(rows) if r[2][1] == "orig"]
        m["orig_auc"] = round(evaluate.roc_auc([rows[i][1] for i in io], [pw[i] for i in io]) or 0, 4)
        res["wiki_identity"] = m
    if "counter_speech" in sets:
        rows = sets["counter_speech"]
        pc = p["counter_speech"]
        seen = [i for i, r in enumerate(rows) if r[2] not in identity.DEV_ONLY_INSULTS]
        res["counter_speech"] = {
            "n": len(rows), "roc_auc": round(evaluate.roc_auc([r[1] for r in rows], pc) or 0, 4),
            "roc_auc_held_out_insults": round(evaluate.roc_auc(
                [r[1] for i, r in enumerate(rows) if i not in set(seen)],
                [pc[i] for i in range(len(rows)) if i not in set(seen)]) or 0, 4),
            "mean_p_counter": round(float(np.mean([pc[i] for i, r in enumerate(rows) if r[1] == 0])), 4),
            "mean_p_direct": round(float(np.mean([pc[i] for i, r in enumerate(rows) if r[1] == 1])), 4)}
    for src in data.HATE_SOURCES:
        if src in sets:
            rows, ph = sets[src], p[src]
            clean = [i for i, r in enumerate(rows) if not r[2]]
            res[src] = {"n": len(rows), "positives": sum(r[1] for r in rows),
                        "roc_auc": round(evaluate.roc_auc([r[1] for r in rows], ph) or 0, 4),
                        "roc_auc_no_swear_words": round(evaluate.roc_auc(
                            [rows[i][1] for i in clean], [ph[i] for i in clean]) or 0, 4),
                        "n_no_swear_words": len(clean)}
    return res


def run_one(name: str, data_dir: str, limit: int | None) -> dict:
    """Runs inside the child process: load, score the dev mix, measure."""
    import numpy as np

    sets = extra_sets(data_dir)

    _, dev = data.split(data.load_all(data_dir))
    if limit == -1:  # --issue17-only
        dev = []
    elif limit:  # a seeded sample: dev is ordered by stratum
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
        probs = np.asarray(predict_prob(texts) if texts else [], dtype=float).reshape(-1, 1)
        score_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        labels, spans = ["toxicity"], None
        ptox = {k: [float(x) for x in predict_prob([r[0] for r in rows])] for k, rows in sets.items()}
    else:
        from moderation.scoring import builtin

        scorer = builtin.load(name, device="cpu")
        load_s = time.perf_counter() - t0
        t1, c1 = time.perf_counter(), time.process_time()
        probs, spans = evaluate.score_examples(scorer, dev)
        score_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        labels = list(scorer.labels)
        ptox = {k: [r.labels.get("toxicity", 0.0) for r in scorer.score([x[0] for x in rows])]
                for k, rows in sets.items()}
    metrics = evaluate.evaluate(dev, probs, labels, spans) if dev else {"sources": {}}
    metrics["issue17"] = extra_metrics(sets, ptox)
    metrics.update(
        model=name, labels=labels, n_dev=len(dev), load_s=round(load_s, 3),
        comments_per_s=round(len(dev) / max(score_s, 1e-9), 1), score_s=round(score_s, 2),
        # CPU seconds the scoring used, and the machine's load: on a shared machine, wall-clock
        # speed says as much about the neighbours as about the model.
        cpu_s=round(cpu_s, 2), cpu_share=round(cpu_s / max(score_s, 1e-9), 2), loadavg=os.getloadavg()[0],
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
    lines.append("")
    lines.extend(issue17_table(results))
    return "\n".join(lines)


def issue17_table(results: list[dict]) -> list[str]:
    """Bias, counter-speech and hate figures (p(toxicity)), one column per model."""
    def g(r: dict, *path: str):
        v = r.get("issue17", {})
        for k in path:
            if not isinstance(v, dict) or k not in v:
                return None
            v = v[k]
        return v

    rows = [("bias templates", "final metric", ("bias_templates", "final_bias_metric")),
            ("bias templates", "overall AUC", ("bias_templates", "overall_auc")),
            ("bias templates", "pmean subgroup", ("bias_templates", "power_mean", "subgroup_auc")),
            ("bias templates", "pmean BPSN", ("bias_templates", "power_mean", "bpsn_auc")),
            ("bias templates", "pmean BNSP", ("bias_templates", "power_mean", "bnsp_auc")),
            ("bias templates", "#terms BPSN<.80", ("bias_templates", "n_bpsn_below_0.80")),
            ("bias templates", "held-out min BPSN", ("bias_templates", "held_out_terms_min_bpsn")),
            ("identity statements", "final metric", ("identity_statements", "final_bias_metric")),
            ("identity statements", "pmean BPSN", ("identity_statements", "power_mean", "bpsn_auc")),
            ("identity statements", "#terms BPSN<.80", ("identity_statements", "n_bpsn_below_0.80")),
            ("identity statements", "held-out min BPSN", ("identity_statements", "held_out_terms_min_bpsn")),
            ("wiki_identity", "final metric", ("wiki_identity", "final_bias_metric")),
            ("wiki_identity", "pmean BPSN", ("wiki_identity", "power_mean", "bpsn_auc")),
            ("wiki_identity", "orig AUC", ("wiki_identity", "orig_auc")),
            ("wiki_identity", "mean |swap diff|", ("wiki_identity", "mean_abs_swap_diff")),
            ("counter_speech", "ROC-AUC", ("counter_speech", "roc_auc")),
            ("counter_speech", "AUC unseen words", ("counter_speech", "roc_auc_held_out_insults")),
            ("hateval2019", "hate ROC-AUC", ("hateval2019", "roc_auc")),
            ("hateval2019", "no swear words", ("hateval2019", "roc_auc_no_swear_words")),
            ("stormfront2018", "hate ROC-AUC", ("stormfront2018", "roc_auc")),
            ("stormfront2018", "no swear words", ("stormfront2018", "roc_auc_no_swear_words"))]
    out = []
    for a, b, path in rows:
        vals = [g(r, *path) for r in results]
        out.append(f"{a:14} {b:16} " + " ".join(
            f"{v:>20.4f}" if isinstance(v, float) else f"{'-' if v is None else v:>20}" for v in vals))
    for r in results:
        wb = g(r, "bias_templates", "worst_bpsn")
        ww = g(r, "wiki_identity", "worst_bpsn")
        ws = g(r, "identity_statements", "worst_bpsn")
        out.append(f"{r['model']}: worst BPSN templates {wb}, statements {ws}, wiki {ww}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=None, help="comma-separated model dirs (default: all shipped)")
    ap.add_argument("--data", default=str(data.DEFAULT_DATA))
    ap.add_argument("--limit", type=int, default=None, help="a seeded sample of N dev rows (quick look)")
    ap.add_argument("--issue17-only", action="store_true",
                    help="skip the dev mix (and the speed figure): only the bias, counter-speech and hate sets")
    ap.add_argument("--no-baseline", action="store_true", help="skip alt-profanity-check")
    ap.add_argument("--write-metrics", action="store_true")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "model_quality.json"))
    ap.add_argument("--baseline-python", default=sys.executable,
                    help="interpreter with alt-profanity-check installed (default: this one)")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(run_one(a.one, a.data, a.limit)))
        return 0
    if a.issue17_only:
        a.limit = -1
    names = a.models.split(",") if a.models else shipped()
    if not a.no_baseline:
        names.append("alt-profanity-check")
    results = []
    for name in names:
        py = a.baseline_python if name == "alt-profanity-check" else sys.executable
        cmd = [py, __file__, "--one", name, "--data", a.data]
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
