"""Load ../shared/data/toxicity, map every source onto Detoxify label names, split train/dev.

Label values are 1.0 / 0.0, or ``None`` where a source says nothing about that label (the
loss masks those). Every source is split into train and dev (stratified on ``toxicity``,
seeded, 20 % dev) by :func:`split`; the split depends only on the seed and the row ids, so
training and the bench always agree on what dev is.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "toxicity"
SOURCES = ("jigsaw2018", "toxic_spans", "davidson2017", "olid2019")
LABELS = ("toxicity", "obscene", "threat", "insult", "identity_attack")
SPLIT_SEED = 20260401
DEV_FRACTION = 0.2

csv.field_size_limit(10_000_000)


@dataclass
class Example:
    """One labeled comment; ``spans`` are gold toxic char spans (Toxic Spans only)."""

    source: str
    id: str
    text: str
    labels: dict[str, float | None]
    spans: list[tuple[int, int]] | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _lab(**kw: float | None) -> dict[str, float | None]:
    out: dict[str, float | None] = {name: None for name in LABELS}
    out.update(kw)
    return out


def load_jigsaw(root: Path) -> list[Example]:
    out = []
    with open(root / "jigsaw2018" / "train_head.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            g = {k: float(r[k]) for k in ("toxic", "obscene", "threat", "insult", "identity_hate")}
            out.append(Example("jigsaw2018", r["id"], r["comment_text"], _lab(
                toxicity=g["toxic"], obscene=g["obscene"], threat=g["threat"],
                insult=g["insult"], identity_attack=g["identity_hate"])))
    return out


# Toxic Spans span types -> Detoxify labels ("Other toxicity" only counts toward toxicity).
SPAN_TYPES = {"Insult": "insult", "Threat": "threat", "Identity based Attack": "identity_attack",
              "Profane/Obscene": "obscene"}


def load_toxic_spans(root: Path) -> list[Example]:
    d = root / "toxic_spans"
    texts: dict[str, str] = {}
    with open(d / "comments.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            texts[r["comment_id"]] = r["comment_text"]
    votes: dict[str, list[str]] = defaultdict(list)  # comment -> annotation ids
    not_toxic: dict[str, bool] = {}
    with open(d / "annotations.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            votes[r["comment_id"]].append(r["annotation"])
            not_toxic[r["annotation"]] = r["not toxic"] == "True"
    ann_types: dict[str, set[str]] = defaultdict(set)
    ann_chars: dict[str, set[int]] = defaultdict(set)
    with open(d / "spans.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ann_types[r["annotation"]].add(r["type"])
            ann_chars[r["annotation"]].update(range(int(r["start"]), int(r["end"])))
    out = []
    for cid, anns in votes.items():
        if cid not in texts:
            continue
        n = len(anns)
        frac_toxic = sum(not not_toxic[a] for a in anns) / n
        tox = 1.0 if frac_toxic > 0.5 else 0.0
        labs = {"toxicity": tox}
        for typ, lab in SPAN_TYPES.items():
            k = sum(typ in ann_types[a] for a in anns)
            labs[lab] = 1.0 if tox and k / n >= 0.5 else 0.0
        # Gold spans: characters marked by a majority of annotators (as in SemEval-2021 Task 5).
        counts: dict[int, int] = defaultdict(int)
        for a in anns:
            for c in ann_chars[a]:
                counts[c] += 1
        chars = sorted(c for c, k in counts.items() if k / n > 0.5)
        spans: list[tuple[int, int]] = []
        for c in chars:
            if spans and spans[-1][1] == c:
                spans[-1] = (spans[-1][0], c + 1)
            else:
                spans.append((c, c + 1))
        out.append(Example("toxic_spans", cid, texts[cid], _lab(**labs), spans=spans,
                           extra={"frac_toxic": frac_toxic}))
    return out


def load_davidson(root: Path) -> list[Example]:
    out = []
    with open(root / "davidson2017" / "labeled_data.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cls = int(r["class"])  # 0 hate speech, 1 offensive, 2 neither (annotator majority)
            out.append(Example("davidson2017", r[""], r["tweet"], _lab(
                toxicity=1.0 if cls in (0, 1) else 0.0,
                identity_attack=1.0 if cls == 0 else 0.0)))
    return out


def load_olid(root: Path) -> list[Example]:
    out = []
    with open(root / "olid2019" / "olid-training-v1.0.tsv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            off = r["subtask_a"] == "OFF"
            b, c = r["subtask_b"], r["subtask_c"]
            labs: dict[str, float | None] = {"toxicity": 1.0 if off else 0.0}
            if not off:
                labs.update(identity_attack=0.0, insult=0.0)
            else:
                # Offence aimed at a group (ethnicity, gender, religion, politics...) is the
                # closest OLID gets to identity_attack; a targeted insult at an individual is an
                # insult. Untargeted offence is profanity, not an insult.
                labs["identity_attack"] = 1.0 if c == "GRP" else 0.0
                labs["insult"] = 1.0 if (b == "TIN" and c == "IND") else (0.0 if b == "UNT" else None)
            out.append(Example("olid2019", r["id"], r["tweet"], _lab(**labs)))
    return out


LOADERS = {"jigsaw2018": load_jigsaw, "toxic_spans": load_toxic_spans,
           "davidson2017": load_davidson, "olid2019": load_olid}


def load_all(root: Path | str = DEFAULT_DATA, sources: tuple[str, ...] = SOURCES) -> list[Example]:
    root = Path(root)
    out: list[Example] = []
    for s in sources:
        out.extend(LOADERS[s](root))
    return out


def split(examples: list[Example], seed: int = SPLIT_SEED,
          dev_fraction: float = DEV_FRACTION) -> tuple[list[Example], list[Example]]:
    """Stratified (source x toxicity) seeded split; the order inside a stratum is fixed by a
    hash of the row id, so the split does not depend on file order or on other rows."""
    strata: dict[tuple[str, float | None], list[Example]] = defaultdict(list)
    for ex in examples:
        strata[(ex.source, ex.labels["toxicity"])].append(ex)
    train, dev = [], []
    for key in sorted(strata, key=str):
        rows = sorted(strata[key], key=lambda e: hashlib.sha256(
            f"{seed}:{e.source}:{e.id}".encode()).hexdigest())
        n_dev = round(len(rows) * dev_fraction)
        dev.extend(rows[:n_dev])
        train.extend(rows[n_dev:])
    rng = random.Random(seed)
    rng.shuffle(train)
    return train, dev


def summary(examples: list[Example]) -> dict[str, dict[str, list[int]]]:
    """source -> label -> [n_known, n_positive]."""
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for ex in examples:
        for k, v in ex.labels.items():
            if v is not None:
                out[ex.source][k][0] += 1
                out[ex.source][k][1] += int(v >= 0.5)
    return {s: dict(d) for s, d in out.items()}
