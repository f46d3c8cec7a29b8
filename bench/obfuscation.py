"""Robustness to obfuscation: toxicity ROC-AUC per source on the dev splits, clean vs an
obfuscated copy (target: within 0.02 of clean), for each shipped model and alt-profanity-check.

    .venv/bin/python bench/obfuscation.py [--models linear-tox,minilm-tox] [--limit 3000]

The obfuscated copy is seeded: every word from a list of insults, slurs and swear words (wider
than the normalizer's own list), and a quarter of the other words of 4+ letters, get one of:
an interior letter masked with * or #, leetspeak digits, letters spelled out with dots or
spaces, zero-width spaces inside, Cyrillic look-alikes, fullwidth letters. JSON goes to
bench/results/obfuscation.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from moderation.training import data, evaluate

TARGETS = set(["fuck", "fucking", "fucked", "fucker", "shit", "shitty", "bullshit", "bitch", "bitches", "cunt", "asshole", "ass", "dick", "cock", "pussy", "bastard", "whore", "slut", "nigger", "nigga", "faggot", "fag", "retard", "retarded", "damn", "crap", "piss", "twat", "wanker", "prick", "idiot", "idiots", "stupid", "moron", "morons", "loser", "losers", "dumb", "trash", "pathetic", "kill", "hate", "ugly", "scum", "liar", "liars", "fool", "fools", "clown", "clowns", "jerk", "hell", "suck", "sucks", "garbage", "disgusting", "coward", "sick", "racist", "hoe", "hoes", "ignorant"])
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
CYR = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "y": "у", "i": "і"}


def obfuscate_word(w: str, rng: random.Random) -> str:
    kind = rng.choice(["mask", "leet", "dots", "zwsp", "cyrillic", "fullwidth"])
    if kind == "mask" and len(w) >= 4:
        k = rng.randrange(1, len(w) - 1)
        return w[:k] + rng.choice("*#") + w[k + 1:]
    if kind == "leet" and any(c.lower() in LEET for c in w[1:]):
        return w[0] + "".join(LEET.get(c.lower(), c) if rng.random() < 0.7 else c for c in w[1:])
    if kind == "dots":
        return rng.choice([".", " ", "-"]).join(w)
    if kind == "zwsp":
        k = rng.randrange(1, len(w))
        return w[:k] + "\u200b" + w[k:]
    if kind == "cyrillic" and any(c in CYR for c in w):
        return "".join(CYR.get(c, c) if rng.random() < 0.6 else c for c in w)
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)


def obfuscate(text: str, seed: str) -> str:
    rng = random.Random(seed)

    def sub(m: re.Match[str]) -> str:
        w = m.group(0)
        if w.lower() in TARGETS or (len(w) >= 4 and rng.random() < 0.25):
            return obfuscate_word(w, rng)
        return w

    return re.sub(r"[A-Za-z]{3,}", sub, text)


def toxicity_aucs(dev: list[data.Example], probs) -> dict[str, float | None]:
    m = evaluate.evaluate(dev, probs, ["toxicity"])
    return {s: r["roc_auc"].get("toxicity") for s, r in m["sources"].items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=None)
    ap.add_argument("--data", default=str(data.DEFAULT_DATA))
    ap.add_argument("--limit", type=int, default=3000, help="seeded sample of dev rows (0: all)")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "obfuscation.json"))
    a = ap.parse_args()
    import numpy as np

    _, dev = data.split(data.load_all(a.data))
    if a.limit:
        dev = random.Random(0).sample(dev, min(a.limit, len(dev)))
    obf = [data.Example(e.source, e.id, obfuscate(e.text, f"{e.source}:{e.id}"), e.labels) for e in dev]
    changed = sum(o.text != e.text for o, e in zip(obf, dev))
    names = a.models.split(",") if a.models else sorted(
        p.name for p in (REPO / "models").iterdir() if (p / "manifest.json").is_file())
    results = {}
    for name in names + ["alt-profanity-check"]:
        t0 = time.time()
        if name == "alt-profanity-check":
            import warnings

            warnings.filterwarnings("ignore")
            from profanity_check import predict_prob

            clean = np.asarray(predict_prob([e.text for e in dev])).reshape(-1, 1)
            dirty = np.asarray(predict_prob([e.text for e in obf])).reshape(-1, 1)
        else:
            from moderation.scoring import builtin

            scorer = builtin.load(name, device="cpu")
            j = list(scorer.labels).index("toxicity")
            clean = evaluate.score_examples(scorer, dev)[0][:, [j]]
            dirty = evaluate.score_examples(scorer, obf)[0][:, [j]]
        c, d = toxicity_aucs(dev, clean), toxicity_aucs(obf, dirty)
        results[name] = {s: {"clean": c[s], "obfuscated": d[s],
                             "drop": round(c[s] - d[s], 4) if c[s] is not None and d[s] is not None else None}
                         for s in c}
        print(f"{name} ({time.time() - t0:.0f}s)", file=sys.stderr)
    print(f"{'model':22} {'source':14} {'clean':>8} {'obfusc.':>8} {'drop':>8}")
    for name, per in results.items():
        for s, r in per.items():
            print(f"{name:22} {s:14} {r['clean']:8.4f} {r['obfuscated']:8.4f} {r['drop']:8.4f}")
    print(f"\n{changed} of {len(dev)} dev comments changed by the obfuscation;"
          " e.g. " + repr(next(o.text for o, e in zip(obf, dev) if o.text != e.text)[:120]))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n": len(dev), "changed": changed, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
