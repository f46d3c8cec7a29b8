"""Loaders for the offensive-language sets in ../shared/data/toxicity_multilingual.

Each row becomes an ``Example`` with one label, ``toxicity`` (offensive / not, as that source
defines it), and ``extra["lang"]``. Test splits are held back upstream; ``data.split`` makes the
seeded train/dev split, as for the English data. Every source keeps its own definition and base
rate, which is why the model trains one head per language.
"""

from __future__ import annotations

import csv
from pathlib import Path

from moderation.training.data import DEFAULT_DATA, Example, _lab

DEFAULT_MULTI = DEFAULT_DATA.parent / "toxicity_multilingual"
# Languages with labeled data here, and the sources for each.
SOURCES = {
    "de": ("de_germeval2018", "de_germeval2019"),
    "da": ("da_offenseval2020",),
    "pl": ("pl_poleval2019",),
    "pt": ("pt_toldbr",),
    "fr": ("fr_mlma",),
}


def _ex(source: str, i: int, text: str, y: float, lang: str) -> Example:
    return Example(source, f"{source}:{i}", text, _lab(toxicity=y), extra={"lang": lang})


def load_germeval(root: Path, folder: str) -> list[Example]:
    """GermEval 2018/2019 task 1: TSV text, OFFENSE/OTHER, fine label; ``|LBR|`` is a line break."""
    out = []
    for path in sorted((root / folder).glob("*.txt")):
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2 or parts[1] not in ("OFFENSE", "OTHER"):
                    continue
                text = parts[0].replace("|LBR|", "\n").strip()
                out.append(_ex(folder, i, text, 1.0 if parts[1] == "OFFENSE" else 0.0, "de"))
    return out


def load_offenseval_da(root: Path) -> list[Example]:
    """OffensEval 2020 Danish: id, tweet, subtask_a OFF/NOT (a malformed row is skipped)."""
    out = []
    with open(root / "da_offenseval2020" / "offenseval-da-training-v1.tsv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            lab = (r.get("subtask_a") or "").strip()
            if lab not in ("OFF", "NOT") or not (r.get("tweet") or "").strip():
                continue
            out.append(_ex("da_offenseval2020", int(r["id"]), r["tweet"].strip(), 1.0 if lab == "OFF" else 0.0, "da"))
    return out


def load_poleval(root: Path) -> list[Example]:
    """PolEval 2019 task 6.1, fastText format: ``__label__1`` harmful, ``__label__0`` not."""
    out = []
    with open(root / "pl_poleval2019" / "train.ft", encoding="utf-8") as f:
        for i, line in enumerate(f):
            lab, _, text = line.strip().partition(" ")
            if lab not in ("__label__0", "__label__1") or not text.strip():
                continue
            out.append(_ex("pl_poleval2019", i, text.strip(), float(lab[-1]), "pl"))
    return out


def load_toldbr(root: Path) -> list[Example]:
    """ToLD-Br: per category the number of 3 annotators who flagged it. Toxic when any category
    got at least one vote (the binary task of Leite et al. 2020)."""
    out = []
    with open(root / "pt_toldbr" / "ToLD-BR.csv", encoding="utf-8", newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            votes = sum(float(r[k] or 0) for k in r if k != "text")
            out.append(_ex("pt_toldbr", i, r["text"].strip(), 1.0 if votes >= 1 else 0.0, "pt"))
    return out


def load_mlma_fr(root: Path) -> list[Example]:
    """MLMA French: ``sentiment`` is "normal" or one or more hostility types (abusive,
    offensive, hateful, fearful, disrespectful) joined by "_"; normal = 0, any other = 1."""
    out = []
    with open(root / "fr_mlma" / "fr_dataset.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            s = (r.get("sentiment") or "").strip()
            if not s or not (r.get("tweet") or "").strip():
                continue
            out.append(_ex("fr_mlma", int(r["HITId"]), r["tweet"].strip(), 0.0 if s == "normal" else 1.0, "fr"))
    return out


def load_language(lang: str, root: Path | str = DEFAULT_MULTI) -> list[Example]:
    root = Path(root)
    out: list[Example] = []
    for source in SOURCES[lang]:
        if source.startswith("de_"):
            out.extend(load_germeval(root, source))
        elif source == "da_offenseval2020":
            out.extend(load_offenseval_da(root))
        elif source == "pl_poleval2019":
            out.extend(load_poleval(root))
        elif source == "pt_toldbr":
            out.extend(load_toldbr(root))
        elif source == "fr_mlma":
            out.extend(load_mlma_fr(root))
    return out
