"""Train the multilingual model's heads: ``python -m moderation.training.multilingual``.

Reproducible from ../shared/data: every source is split train/dev with the English data's seeded
split; the frozen encoder embeds every text once (cached under ``--work``); then per language a
logistic regression on that language's train rows plus the other languages' and English rows at
a lower weight (``--other-weight``), and a pooled head ("*") over everything for the languages
covered only cross-lingually. Each head is Platt-calibrated on its dev rows, and the dev ROC-AUC
and calibration of every head are written to metrics.json and the model card.

    python -m moderation.training.multilingual --out models/multi-tox --work /tmp/multi-work
        [--trunk TRUNK.safetensors]

With ``--trunk`` (top layers fine-tuned by ``multitune``) every text is embedded through the
tuned layers, and the file is copied into the model as ``trunk.safetensors``, listed in the
manifest with its SHA-256.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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
              trunk: Path | None = None,
              layers: int | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    emb = {}
    for lang, (train, dev) in sets.items():
        t0 = time.time()
        emb[lang] = (cached(work, f"{lang}-train", [e.text for e in train], trunk, layers),
                     cached(work, f"{lang}-dev", [e.text for e in dev], trunk, layers))
        print(f"{lang}: {len(train)} train, {len(dev)} dev embedded ({time.time() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    return emb


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
    args = ap.parse_args(argv)
    sets = datasets(args.data, args.multi_data)
    emb = embed_all(sets, args.work, args.trunk, args.layers)
    if args.embed_only:
        return 0
    result = multiheads.fit_all(sets, emb, other_weight=args.other_weight, C=args.C)
    print(json.dumps(result["metrics"], indent=1))
    if args.out:
        multiheads.write_model(args.out, result, sets, args=vars(args) | {"max_length": MAX_LENGTH},
                               trunk=args.trunk)
        from moderation.training.export_graph import after_training

        after_training(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
