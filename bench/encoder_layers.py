"""How many of multilingual-e5-small's 12 layers multi-tox needs (issue 21: 100 non-English
comments/s on a 2-core CPU without bf16). A probe, not the shipped recipe.

    .venv/bin/python bench/encoder_layers.py [--languages de,fr,pl] [--layers 6,8,12]
        [--train 2400] [--dev 800] [--speed-n 512]

Per language: a seeded sample of the train and dev splits that training.multilingual uses
(moderation.training.data.split), embedded once through the encoder while the mean-pooled,
L2-normalized states after each layer count in ``--layers`` are kept; a logistic regression
(C = 32, as the shipped heads) is fitted on the train sample of each and scored on the dev
sample (ROC-AUC). Then speed: the encoder alone, stopped after each layer count, on the first
``--speed-n`` GermEval tweets in batches of 64, the layer counts alternating over two rounds
(comments/s). The heads alone, no n-grams, no router: compare layer counts with each other, not
with the model card's figures. JSON to bench/results/encoder_layers.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--languages", default="de,fr,pl")
    ap.add_argument("--layers", default="6,8,12")
    ap.add_argument("--train", type=int, default=2400)
    ap.add_argument("--dev", type=int, default=800)
    ap.add_argument("--speed-n", type=int, default=512)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/encoder_layers.json")
    args = ap.parse_args()
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from moderation.scoring import multilingual
    from moderation.scoring.e5_model import mean_pool
    from moderation.training import data, multidata
    from moderation.training.multiembed import MAX_LENGTH, pad, truncate

    ks = sorted(int(k) for k in args.layers.split(","))
    enc = multilingual.load_encoder()
    tok, model = enc.tokenizer, enc.model

    def embed(texts: list[str]) -> dict[int, np.ndarray]:
        ids = truncate(tok(texts)["input_ids"], MAX_LENGTH)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        out = {k: np.zeros((len(ids), 384), np.float32) for k in ks}
        with torch.inference_mode():
            start = 0
            while start < len(order):
                n = max(1, min(128, 4096 // len(ids[order[start]])))
                rows = order[start:start + n]
                x, m = pad(tok, ids, rows)
                h = model.hidden(x, m, stop=0)  # the embeddings only
                mask = m.bool()[:, None, None, :]
                for i, layer in enumerate(model.layers[:ks[-1]], 1):
                    h = layer(h, mask)
                    if i in out:
                        out[i][rows] = mean_pool(h, m).numpy()
                start += n
        return out

    report: dict = {"layers": ks, "auc": {}, "per_s": {}}
    for lang in args.languages.split(","):
        train, dev = data.split(multidata.load_language(lang))
        rng = random.Random(7)
        train = rng.sample(train, min(args.train, len(train)))
        dev = rng.sample(dev, min(args.dev, len(dev)))
        et, ed = embed([e.text for e in train]), embed([e.text for e in dev])
        yt = np.array([e.labels["toxicity"] for e in train])
        yd = np.array([e.labels["toxicity"] for e in dev])
        report["auc"][lang] = {k: float(roc_auc_score(yd, LogisticRegression(
            C=32, max_iter=3000).fit(et[k], yt).decision_function(ed[k]))) for k in ks}
        print(f"{lang} ({len(train)} train, {len(dev)} dev) ROC-AUC by layers: "
              + ", ".join(f"{k}: {v:.3f}" for k, v in report["auc"][lang].items()), flush=True)
    texts = [e.text for e in multidata.load_language("de")][: args.speed_n]
    ids = truncate(tok(texts)["input_ids"], MAX_LENGTH)
    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
    seconds = dict.fromkeys(ks, 0.0)
    for r in range(2):
        for k in ks if r == 0 else ks[::-1]:
            t0 = time.perf_counter()
            with torch.inference_mode():
                for s in range(0, len(order), 64):
                    x, m = pad(tok, ids, order[s:s + 64])
                    mean_pool(model.hidden(x, m, stop=k), m)
            seconds[k] += time.perf_counter() - t0
    report["per_s"] = {k: 2 * len(texts) / seconds[k] for k in ks}
    print("encoder alone, comments/s: " + ", ".join(
        f"{k} layers {v:.0f} ({v / report['per_s'][ks[-1]]:.2f}x)" for k, v in report["per_s"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
