"""Synthetic comment archives for the batch benches: real texts sampled from ../shared/data/toxicity."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOXICITY = REPO.parent / "shared" / "data" / "toxicity"

csv.field_size_limit(2**31 - 1)


def load_texts() -> list[str]:
    """Every comment text of the four labelled sets (about 54k), or a synthetic stand-in."""
    sources = [("jigsaw2018/train_head.csv", "comment_text", ","),
               ("toxic_spans/comments.csv", "comment_text", ","),
               ("davidson2017/labeled_data.csv", "tweet", ","),
               ("olid2019/olid-training-v1.0.tsv", "tweet", "\t")]
    texts: list[str] = []
    for rel, col, delim in sources:
        path = TOXICITY / rel
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            texts.extend(t for row in csv.DictReader(fh, delimiter=delim)
                         if (t := (row.get(col) or "").strip()))
    if not texts:
        texts = [f"synthetic comment {i} about the council and the bridge" for i in range(5000)]
    return texts


def write_archive(path: Path, n: int, *, seed: int = 0, unique: bool = True,
                  duplicates: float = 0.0, bad: int = 0, articles: int = 0) -> dict[str, int]:
    """Write ``n`` comments as JSONL (id, article, author, text).

    ``unique`` tags each sampled text with its row number so that no two texts are identical
    (the scorer then has real work on every row); ``duplicates`` is the share of rows that
    repeat an earlier row's text exactly. ``bad`` rows (no text, malformed JSON) are appended.
    """
    rng = random.Random(seed)
    pool = load_texts()
    articles = articles or max(1, n // 50)
    dup = 0
    with path.open("w", encoding="utf-8") as fh:
        prev: list[str] = []
        for i in range(n):
            if prev and rng.random() < duplicates:
                text = rng.choice(prev)
                dup += 1
            else:
                text = rng.choice(pool)
                if unique:
                    text = f"{text} [{i}]"
                if len(prev) < 1000:
                    prev.append(text)
            fh.write(json.dumps({"id": f"c{i}", "article": f"art{rng.randrange(articles)}",
                                 "author": f"user{rng.randrange(max(1, n // 20))}",
                                 "text": text}, ensure_ascii=False) + "\n")
        for j in range(bad):
            fh.write(f'{{"id": "bad{j}", "text": ""}}\n' if j % 2 == 0 else "{broken json\n")
    return {"rows": n, "duplicates": dup, "bad": bad}
