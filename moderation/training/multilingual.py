"""Train the multilingual model's heads: ``python -m moderation.training.multilingual``.

Reproducible from ../shared/data: every source is split train/dev with the English data's seeded
split; the frozen encoder embeds every text once (cached under ``--work``); then per language a
logistic regression on that language's train rows plus the other languages' and English rows at
a lower weight (``--other-weight``), and a pooled head ("*") over everything for the languages
covered only cross-lingually. Each head is Platt-calibrated on its dev rows, and the dev ROC-AUC
and calibration of every head are written to metrics.json and the model card.

    python -m moderation.training.multilingual --out models/multi-tox --work /tmp/multi-work
        [--trunk TRUNK.safetensors]

The shipped model (version 4; the defaults below are older recipes', so name every option):

    MODERATION_E5_DTYPE=fp32 python -m moderation.training.multilingual --out models/multi-tox \
        --other-weight 0.05 --C 16 --pool-layers 6,12 --pool-scale 0.5
    python -m moderation.training.multingram --model models/multi-tox

With ``--trunk`` (top layers fine-tuned by ``multitune``) every text is embedded through the
tuned layers, and the file is copied into the model as ``trunk.safetensors``, listed in the
manifest with its SHA-256.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.training import data as en_data
from moderation.training import multidata, multiheads
from moderation.training.multiembed import MAX_LENGTH, cached

ENGLISH = ("hateval2019", "stormfront2018", "jigsaw2018", "olid2019")


def datasets(root_en: Path, root_multi: Path) -> dict[str, tuple[list[Any], list[Any]]]:
    """language -> (train, dev) Examples; "en" is the English hate/offense data."""
    out = {}
    for lang in multidata.SOURCES:
        out[lang] = en_data.split(multidata.load_language(lang, root_multi))
    en = [e for e in en_data.load_all(root_en, ENGLISH) if e.labels["toxicity"] is not None]
    out["en"] = en_data.split(en)
    return out


def embed_all(sets: dict[str, tuple[list[Any], list[Any]]], work: Path,
              trunk: Path | None = None, layers: int | None = None,
              pool_layers: Sequence[int] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    emb = {}
    for lang, (train, dev) in sets.items():
        t0 = time.time()
        emb[lang] = (cached(work, f"{lang}-train", [e.text for e in train], trunk, layers, pool_layers),
                     cached(work, f"{lang}-dev", [e.text for e in dev], trunk, layers, pool_layers))
        print(f"{lang}: {len(train)} train, {len(dev)} dev embedded ({time.time() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    return emb


def _layer_list(text: str) -> list[int]:
    try:
        layers = [int(k) for k in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: layer numbers separated by commas") from None
    if layers != sorted(set(layers)) or layers[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: ascending distinct layers from 1")
    return layers


def _y(rows: list[Any]) -> np.ndarray:
    return np.array([float(e.labels["toxicity"]) for e in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="model directory to write (omit: only embed and report)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/multi-work"))
    ap.add_argument("--data", type=Path, default=en_data.DEFAULT_DATA)
    ap.add_argument("--multi-data", type=Path, default=multidata.DEFAULT_MULTI)
    ap.add_argument("--other-weight", type=float, default=0.1)
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--embed-only", action="store_true")
    ap.add_argument("--trunk", type=Path, help="tuned top layers (training.multitune): embed "
                    "through them and ship them with the heads")
    ap.add_argument("--layers", type=int, help="embed with the encoder's first LAYERS layers "
                    "only (all 12 by default); recorded in the manifest, and the scorer runs "
                    "the same")
    ap.add_argument("--pool-layers", type=_layer_list, help="embed as the mean-pooled states "
                    "after each of these layers side by side (e.g. 6,12); the languages' heads "
                    "read all of it, the pooled head the last layer's part only")
    ap.add_argument("--pool-scale", type=float, default=1.0, help="with --pool-layers: the "
                    "languages' heads are fitted with every layer's part but the last "
                    "multiplied by this (under 1: a stronger penalty on their weights)")
    args = ap.parse_args(argv)
    if args.pool_scale != 1.0 and not args.pool_layers:
        ap.error("--pool-scale needs --pool-layers")
    sets = datasets(args.data, args.multi_data)
    emb = embed_all(sets, args.work, args.trunk, args.layers, args.pool_layers)
    if args.embed_only:
        return 0
    scale = None
    if args.pool_layers:
        scale = np.ones(384 * len(args.pool_layers))
        scale[:-384] = args.pool_scale
    result = multiheads.fit_all(sets, emb, other_weight=args.other_weight, C=args.C,
                                pooled_width=384 if args.pool_layers else None, scale=scale)
    print(json.dumps(result["metrics"], indent=1))
    if args.out:
        multiheads.write_model(args.out, result, sets, args=vars(args) | {"max_length": MAX_LENGTH},
                               trunk=args.trunk)
        from moderation.training.export_graph import after_training

        after_training(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
