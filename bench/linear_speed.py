"""builtin:linear-tox comments/s on news comments, against the previous language check in the same run.

    .venv/bin/python bench/linear_speed.py [--n 5000] [--rounds 4]

Civil Comments news comments (../shared/data/toxicity/toxic_spans), 512 per scoring call as
``moderation score`` hands them over, one process. Two paths alternate in rounds (AB, BA):
today's scorer, and the same scorer with the language check's letter counting swapped back to
the previous implementation (``unicodedata.name`` and ``category`` per character), so the ratio
is measured on the same machine load. Also prints the share of time in the language check and
the issue's target (5,000 comments/s on this 2-core machine). JSON goes to bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "toxicity" / "toxic_spans" / "comments.csv"
sys.path.insert(0, str(REPO / "bench"))

from detoxify_speed import cpu_name


def previous_letter_scripts(text: str) -> Counter[str]:
    """The language check's letter counting before this change (per character, no cache)."""
    def script(ch: str) -> str:
        first = unicodedata.name(ch, "").split(" ", 1)[0]
        return "CJK" if first in ("HIRAGANA", "KATAKANA") else (first or "UNKNOWN")

    return Counter(script(ch) for ch in text if unicodedata.category(ch).startswith("L"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.is_file():
        sys.exit(f"missing {DATA}: the bench samples real news comments from ../shared")
    csv.field_size_limit(10_000_000)
    with open(DATA, newline="", encoding="utf-8") as fh:
        pool = [r["comment_text"] for r in csv.DictReader(fh) if r["comment_text"].strip()]
    texts = random.Random(args.seed).sample(pool, min(args.n, len(pool)))

    from moderation.scoring import language, load_scorer

    scorer = load_scorer("builtin:linear-tox")
    current = language.letter_scripts
    scorer.score(texts[:64])

    def run(group: list[str]) -> float:
        t0 = time.perf_counter()
        for i in range(0, len(group), 512):
            scorer.score(group[i : i + 512])
        return time.perf_counter() - t0

    seconds = {"previous": 0.0, "current": 0.0}
    step = -(-len(texts) // args.rounds)
    for r, start in enumerate(range(0, len(texts), step)):
        group = texts[start : start + step]
        for path in ("previous", "current") if r % 2 == 0 else ("current", "previous"):
            language.letter_scripts = previous_letter_scripts if path == "previous" else current
            try:
                seconds[path] += run(group)
            finally:
                language.letter_scripts = current
    t0 = time.perf_counter()
    for t in texts:
        language.check(t[:20000], scorer.languages)
    check_s = time.perf_counter() - t0
    rate = {k: len(texts) / v for k, v in seconds.items()}
    report = {
        "comments": len(texts), "rounds": args.rounds,
        "previous_comments_per_s": rate["previous"], "current_comments_per_s": rate["current"],
        "ratio": seconds["previous"] / seconds["current"],
        "language_check_share": check_s / seconds["current"],
        "target_comments_per_s": 5000, "cpu": cpu_name(), "cores": os.cpu_count(),
    }
    print(f"machine: {report['cpu']}, {report['cores']} cores")
    print(f"builtin:linear-tox on {len(texts)} news comments: {rate['current']:.0f} comments/s "
          f"(previous language check: {rate['previous']:.0f}/s; {report['ratio']:.2f}x); "
          f"language check now {100 * report['language_check_share']:.0f}% of the time; "
          "target 5,000/s")
    out = REPO / "bench" / "results" / f"linear_speed-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
