"""How often the language check sends a comment to its own language's model (issue 21).

usage: .venv/bin/python bench/routing_share.py [--call-size 512] [--limit N]

Reads the TRAIN rows of every labeled language (../shared/data/toxicity_multilingual and the
English hate/offense sources; labels are not read, only which language each set is in) and runs
``routing.decide`` over calls of ``--call-size`` rows in file order, as ``moderation score-file``
makes them, once with each comment's language told from it alone and once with the call's
context (a comment too short to identify takes the call's language). Prints, per set, the share
routed to its own model (for English: kept by the English model), where the rest went, and the
share ``language.mixed`` calls written in more than one language (status ``mixed_language``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.scoring import language, routing
from moderation.training import data as en_data
from moderation.training import multidata, multilingual

OTHERS = frozenset({"de", "da", "pl", "pt", "fr", "es", "it", "nl"})  # multi-tox's routes
EN = frozenset({"en"})


def where(texts: list[str], size: int, context: bool) -> list[str]:
    out = []
    for s in range(0, len(texts), size):
        for lang, other in routing.decide(texts[s:s + size], EN, OTHERS, context):
            out.append(lang if other else "en" if lang in ("en", None)
                       else "empty" if lang == "" else f"review:{lang}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--call-size", type=int, default=512)
    ap.add_argument("--limit", type=int, default=0, help="rows per set (0: all)")
    args = ap.parse_args()
    sets: dict[str, tuple[str, list[str]]] = {}
    for lang in multidata.SOURCES:
        train, _ = en_data.split(multidata.load_language(lang))
        sets[lang] = (lang, [e.text for e in train])
    english = [e for e in en_data.load_all(en_data.DEFAULT_DATA, multilingual.ENGLISH)
               if e.labels["toxicity"] is not None]
    train, _ = en_data.split(english)
    for src in multilingual.ENGLISH:
        sets[src] = ("en", [e.text for e in train if e.source == src])
    print(f"{'set':<16} {'rows':>6}  {'own, alone':>10}  {'own, context':>12}  {'mixed':>6}"
          "  elsewhere (context)")
    t0 = time.perf_counter()
    for name, (lang, texts) in sets.items():
        texts = texts[:args.limit] if args.limit else texts
        alone = Counter(where(texts, args.call_size, False))
        ctx = Counter(where(texts, args.call_size, True))
        rest = ", ".join(f"{k} {v}" for k, v in ctx.most_common() if k != lang)[:70]
        mixed = sum(1 for t in texts if language.mixed(t))
        print(f"{name:<16} {len(texts):>6}  {alone[lang] / len(texts):>10.1%}  "
              f"{ctx[lang] / len(texts):>12.1%}  {mixed / len(texts):>6.2%}  {rest}", flush=True)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
