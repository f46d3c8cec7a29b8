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
                  duplicates: float = 0.0, bad: int = 0, articles: int = 0,
                  order: str = "random") -> dict[str, int]:
    """Write ``n`` comments as JSONL (id, article, author, text).

    ``unique`` tags each sampled text with its row number so that no two texts are identical
    (the scorer then has real work on every row); ``duplicates`` is the share of rows that
    repeat an earlier row's text exactly. ``bad`` rows (no text, malformed JSON) are appended.

    ``order``: "random" (the worst case for the database's indexes) gives each row an article
    and an author drawn uniformly from all of them; "date" is how a site's export comes, in
    date order: articles appear one after another, each row goes to one of the ~20 most
    recent (the newest most often), and authors are drawn log-uniformly, a Zipf-like law
    (a few regulars write much of the archive).
    """
    if order not in ("random", "date"):
        raise ValueError(f"order must be 'random' or 'date', not {order!r}")
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
            authors = max(1, n // 20)
            if order == "random":
                article = rng.randrange(articles)
                author = rng.randrange(authors)
            else:
                newest = i * articles // n
                article = max(0, newest - min(int(rng.expovariate(1 / 3)), 20))
                author = int(authors ** rng.random()) - 1  # log-uniform: Zipf-like, s = 1
            fh.write(json.dumps({"id": f"c{i}", "article": f"art{article}",
                                 "author": f"user{author}", "text": text},
                                ensure_ascii=False) + "\n")
        for j in range(bad):
            fh.write(f'{{"id": "bad{j}", "text": ""}}\n' if j % 2 == 0 else "{broken json\n")
    return {"rows": n, "duplicates": dup, "bad": bad}
