"""Per-language hashed n-gram models mixed into the multilingual model's heads.

For each trained language the multilingual model ships, beside its encoder head, a logistic
regression over hashed character 2-5-grams and word 1-2-grams of the normalized text (the same
features as ``builtin:linear-tox``, numpy only). A comment's score in that language is

    sigmoid(a_ngram * z_ngram + a_head * logit(p_head) + b)

with the three numbers per language in the manifest (equal weights on the two standardized
logits, then Platt-calibrated; ``moderation.training.multingram``). The n-grams catch the
words each dataset's annotators reacted to; the encoder carries meaning across wordings and to
the cross-lingual languages (which have no n-gram model and keep the pooled head alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.errors import ScorerError


class NgramHeads:
    def __init__(self, model_dir: Path, spec: dict[str, Any]):
        from safetensors.numpy import load_file

        path = model_dir / spec["weights"]
        try:
            t = load_file(str(path))
        except Exception as exc:  # a damaged file: name it
            raise ScorerError(f"{path}: unreadable n-gram weights ({exc})") from exc
        f = spec["features"]
        self.bits, self.char_ns, self.word_ns = int(f["bits"]), tuple(f["char_ns"]), tuple(f["word_ns"])
        self.mix: dict[str, tuple[float, float, float]] = {
            lang: (float(m[0]), float(m[1]), float(m[2])) for lang, m in spec["mix"].items()}
        # (buckets, 1) in float64: the fp16 weights exactly, summed in float64 as in training
        self.W = {lang: t[f"W.{lang}"].astype(np.float64)[:, None] for lang in self.mix}
        self.b = {lang: float(t[f"b.{lang}"][0]) for lang in self.mix}
        self.idf = {lang: t[f"idf.{lang}"].astype(np.float32) for lang in self.mix}

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.mix)

    def logits(self, lang: str, texts: Sequence[str]) -> np.ndarray:
        """The n-gram model's raw logit for each text (normalized here)."""
        from moderation.scoring.ngram_features import Features, weighted_sums
        from moderation.scoring.normalize import normalize

        norm = [normalize(t).text for t in texts]
        feats = Features(norm, self.bits, self.char_ns, self.word_ns)
        out, _ = weighted_sums(feats, self.idf[lang], self.bits, self.W[lang])
        return out[:, 0] + self.b[lang]

    def combine(self, lang: str, texts: Sequence[str], p_head: Sequence[float]) -> list[float]:
        """The mixed, calibrated probability for texts of language ``lang``."""
        a_n, a_h, b = self.mix[lang]
        p = np.clip(np.asarray(p_head, dtype=np.float64), 1e-7, 1 - 1e-7)
        z = a_n * self.logits(lang, texts) + a_h * np.log(p / (1 - p)) + b
        return (1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))).tolist()
