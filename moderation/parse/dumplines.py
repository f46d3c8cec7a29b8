"""Per-line features of a text dump and the learned line classifier that reads them.

Each non-blank line of a dump is described by numbers that mean the same on any site and in
any language: its length and shape (``dumpshape.shape``), digits, time and date patterns in any
format, capitalisation, sentence punctuation, whether it looks like a name, its position in the
page, how often its shape repeats and how far the previous and next line of that shape are,
whether it sits in a run of repeated header lines, and the same few facts about the two lines
before and after it. The phrase tables (``chrome``) add optional evidence columns.

The model (``dumplines.json``, trained by ``python -m moderation.training.dumplines``) is a
gradient-boosted tree ensemble stored as plain JSON (features, thresholds, children, leaf
values); :class:`LineModel` evaluates it with numpy, no scikit-learn needed. Classes: ``body``,
``header`` (a comment's name/date/meta line), ``text`` (comment text), ``boiler``.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from moderation.parse import bylines, chrome, dumpshape

MODEL_PATH = Path(__file__).with_name("dumplines.json")
CLASSES = ("body", "header", "text", "boiler")

_TIME = re.compile(r"\b\d{1,2}[:h.]\d{2}(?:\s?[ap]\.?m\.?)?\b", re.IGNORECASE)
_NUM_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_DIGIT_GROUP = re.compile(r"\d+")
_HEAD = 120
_PHRASE_CHARS = 80
_ONE_DIGIT = re.compile(r"\d")
_ONE_CJK = re.compile("[\u3000-\u9fff]")
END_SENTENCE = (".", "!", "?", "…", "。", "！", "？", "\"", "”", "»", ")")
_LONG = 15
_CAP = 60.0

# Own-line columns, then the neighbour columns (for offsets -2, -1, +1, +2).
OWN = ("chars", "words", "digit_frac", "alpha_frac", "punct_frac", "cap_words", "ends_sentence",
       "prose", "has_time", "num_date", "has_year", "digit_groups", "name_like", "starts_at",
       "ends_colon", "shape_repeat", "prev_same", "next_same", "in_run", "run_has_time",
       "pos", "prose_before", "prose_after", "blank_before", "blank_after", "cjk_frac",
       "zone_start", "zone_end", "meta", "date_line", "widget", "boilerplate",
       "up_dated", "down_dated", "up_name", "down_name", "up_run", "down_run", "up_meta",
       "down_meta", "zone_above", "up_zone", "end_above", "win_dated", "win_prose", "win_meta",
       "win_run")
NEIGHBOUR = ("chars", "prose", "has_time", "num_date", "name_like", "shape_repeat", "in_run",
             "meta")
OFFSETS = (-2, -1, 1, 2)
FEATURES = OWN + tuple(f"{n}@{o:+d}" for o in OFFSETS for n in NEIGHBOUR)
_NB_INDEX = tuple(OWN.index(n) for n in NEIGHBOUR)


@lru_cache(maxsize=8192)
def _own(s: str) -> tuple[float, ...]:
    """The columns that depend on the line alone."""
    n = len(s)
    words = s.split()
    nw = len(words)
    head = s[:_HEAD]  # character shares from the line's start: long lines are prose anyway
    h = len(head)
    digits = sum(map(str.isdigit, head))
    alpha = sum(map(str.isalpha, head))
    space = sum(map(str.isspace, head))
    cjk = len(_ONE_CJK.findall(head)) if alpha > nw * 8 or nw < 3 else 0
    caps = sum(1 for w in words if w[:1].isupper())
    name = (1 <= nw <= 4 and n <= 40 and words[0][:1].isupper() and digits == 0
            and not s.endswith(tuple(".,!?:;…"))) and "://" not in s
    ends = s.endswith(END_SENTENCE)
    # dumpshape.is_prose as the model was trained (without its emoji and inner-sentence ends)
    prose = nw >= 14 or cjk >= 12 or (nw >= 3 or cjk >= 4) and s.endswith(
        dumpshape.SENTENCE_END)
    has_digits = bool(digits) or _ONE_DIGIT.search(s) is not None
    dated = (float(bool(_TIME.search(s))), float(bool(_NUM_DATE.search(s))),
             float(bool(_YEAR.search(s))), float(len(_DIGIT_GROUP.findall(s)))) \
        if has_digits else (0.0, 0.0, 0.0, 0.0)
    # the phrase tables, like the rules, only look at lines short enough to be chrome
    # (widget phrases matched exactly: the rules' fuzzy match costs too much on every line)
    if n <= _PHRASE_CHARS:
        date, widget = bylines.is_date_line(s), chrome.normalize(s) in chrome.WIDGET_PHRASES
        phrases = (float(chrome.is_zone_start(s)), float(chrome.is_zone_end(s)),
                   float(date or widget), float(date), float(widget),
                   float(chrome.is_boilerplate(s)))
    else:
        phrases = (0.0,) * 6
    return (
        math.log1p(n), float(nw), digits / h, alpha / h, (h - digits - alpha - space) / h,
        caps / nw if nw else 0.0, float(ends), float(prose), *dated, float(name),
        float(s.startswith("@")), float(s.endswith(":")),
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,  # filled per document
        cjk / h, *phrases,
    ) + (0.0,) * 15


_I = {name: k for k, name in enumerate(OWN)}


def line_features(lines: list[str]) -> tuple[list[int], np.ndarray]:
    """(indexes of the non-blank lines, one feature row per such line)."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    m = len(idx)
    X = np.zeros((m, len(FEATURES)), dtype=np.float64)
    if not m:
        return idx, X
    stripped = [lines[i].strip() for i in idx]
    own = np.array([_own(s) for s in stripped], dtype=np.float64)
    shapes = [dumpshape.shape(s) if len(s) <= 90 else "~long" for s in stripped]
    last: dict[str, int] = {}
    count: dict[str, int] = {}
    prev_same = [_CAP] * m
    for k, sh in enumerate(shapes):
        if sh in last:
            prev_same[k] = float(min(_CAP, k - last[sh]))
        last[sh] = k
        count[sh] = count.get(sh, 0) + 1
    nxt: dict[str, int] = {}
    next_same = [_CAP] * m
    for k in range(m - 1, -1, -1):
        sh = shapes[k]
        if sh in nxt:
            next_same[k] = float(min(_CAP, nxt[sh] - k))
        nxt[sh] = k
    long_ = shapes.count("~long")
    own[:, _I["shape_repeat"]] = [math.log1p(count[sh] - 1) if sh != "~long" else 0.0
                                  for sh in shapes]
    own[:, _I["prev_same"]] = prev_same
    own[:, _I["next_same"]] = next_same
    pos = {i: k for k, i in enumerate(idx)}
    for run in dumpshape.header_runs(lines, 0, dated=False):
        for i in run.lines:
            own[pos[i], _I["in_run"]] = 1.0
            own[pos[i], _I["run_has_time"]] = float(run.has_time)
    total = len(lines) or 1
    own[:, _I["pos"]] = [i / total for i in idx]
    prose = own[:, _I["prose"]]
    cum = np.cumsum(prose)
    n_prose = cum[-1] if m else 0.0
    own[:, _I["prose_before"]] = (cum - prose) / n_prose if n_prose else 0.0
    own[:, _I["prose_after"]] = (n_prose - cum) / n_prose if n_prose else 0.0
    blank_before = [min(3, i - (idx[k - 1] if k else -1) - 1) for k, i in enumerate(idx)]
    blank_after = [min(3, (idx[k + 1] if k + 1 < m else total) - i - 1) for k, i in enumerate(idx)]
    own[:, _I["blank_before"]] = blank_before
    own[:, _I["blank_after"]] = blank_after
    del long_
    _context(own)
    X[:, :len(OWN)] = own
    nb = own[:, _NB_INDEX]
    width = len(NEIGHBOUR)
    for j, off in enumerate(OFFSETS):
        col = len(OWN) + j * width
        shifted = np.full((m, width), -1.0)
        if off < 0:
            shifted[-off:] = nb[:m + off]
        else:
            shifted[:m - off] = nb[off:]
        X[:, col:col + width] = shifted
    return idx, X


def _since(mask: np.ndarray) -> np.ndarray:
    """Lines since the last True at or before each line (capped), True lines count 0."""
    out = np.full(len(mask), _CAP)
    last = None
    for k, v in enumerate(mask):
        if v:
            last = k
        if last is not None:
            out[k] = min(_CAP, k - last)
    return out


def _window(values: np.ndarray, half: int = 6) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(values)])
    m = len(values)
    lo = np.clip(np.arange(m) - half, 0, m)
    hi = np.clip(np.arange(m) + half + 1, 0, m)
    return (c[hi] - c[lo]) - values


def _context(own: np.ndarray) -> None:
    """Distances to the nearest dated / name / run / meta line above and below, phrase-zone
    evidence above, and counts in a window of +-6 lines (the line itself excluded)."""
    dated = (own[:, _I["has_time"]] + own[:, _I["num_date"]] + own[:, _I["date_line"]]) > 0
    marks = {"dated": dated, "name": own[:, _I["name_like"]] > 0,
             "run": own[:, _I["in_run"]] > 0, "meta": own[:, _I["meta"]] > 0}
    for key, mask in marks.items():
        own[:, _I[f"up_{key}"]] = np.concatenate([[_CAP], _since(mask)[:-1]])
        own[:, _I[f"down_{key}"]] = np.concatenate([_since(mask[::-1])[:-1][::-1], [_CAP]])
    zone = own[:, _I["zone_start"]] > 0
    own[:, _I["zone_above"]] = np.maximum.accumulate(zone) if len(zone) else 0.0
    own[:, _I["up_zone"]] = _since(zone)
    own[:, _I["end_above"]] = np.maximum.accumulate(own[:, _I["zone_end"]] > 0)
    own[:, _I["win_dated"]] = _window(dated.astype(float))
    own[:, _I["win_prose"]] = _window(own[:, _I["prose"]])
    own[:, _I["win_meta"]] = _window(marks["meta"].astype(float))
    own[:, _I["win_run"]] = _window(marks["run"].astype(float))


class LineModel:
    """A gradient-boosted tree ensemble read from JSON, evaluated with numpy.

    JSON: ``{"features": [...], "classes": [...], "learning_rate": float, "max_depth": int,
    "trees": [[tree per class] per stage]}``, a tree being ``{"feature", "threshold", "left",
    "right", "value"}`` lists (scikit-learn's layout: ``left == -1`` marks a leaf). Raw score per
    class = sum of learning_rate * leaf value over the stages (the model is trained with a zero
    init). Each tree is laid out as a complete binary tree of ``max_depth`` levels (a shallow
    leaf becomes an always-left split over copies of itself), so that all splits of all trees
    are compared in one step and each level of descent is one gather."""

    def __init__(self, spec: dict) -> None:
        if list(spec["features"]) != list(FEATURES):
            raise ValueError("dumplines model: feature list differs from this code's")
        self.classes = tuple(spec["classes"])
        depth = self.depth = int(spec["max_depth"])
        inner, leaves = 2 ** depth - 1, 2 ** depth
        lr = float(spec["learning_rate"])
        trees = [(c, t) for stage in spec["trees"] for c, t in enumerate(stage)]
        feat = np.zeros((len(trees), inner), dtype=np.int64)
        thr = np.full((len(trees), inner), np.inf)
        val = np.zeros((len(trees), leaves))
        for k, (_c, t) in enumerate(trees):
            stack = [(0, 0, 0)]  # (scikit-learn node, position in the complete tree, level)
            while stack:
                node, pos, level = stack.pop()
                if level == depth:
                    val[k, pos - inner] = lr * t["value"][node]
                elif t["left"][node] == -1:  # a leaf above the last level: always left
                    stack += [(node, 2 * pos + 1, level + 1), (node, 2 * pos + 2, level + 1)]
                else:
                    feat[k, pos], thr[k, pos] = t["feature"][node], t["threshold"][node]
                    stack += [(t["left"][node], 2 * pos + 1, level + 1),
                              (t["right"][node], 2 * pos + 2, level + 1)]
        self._feat, self._thr, self._val = feat.ravel(), thr.ravel(), val
        self._base = np.arange(len(trees)) * inner
        self._onehot = np.zeros((len(trees), len(self.classes)))
        self._onehot[np.arange(len(trees)), [c for c, _t in trees]] = 1.0

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LineModel:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def decision(self, X: np.ndarray) -> np.ndarray:
        """Raw scores, one column per class (scikit-learn's ``decision_function``)."""
        X = np.asarray(X, dtype=np.float32).astype(np.float64)  # as the trees were fit
        n = X.shape[0]
        left = (X[:, self._feat] <= self._thr).ravel()  # every split of every tree at once
        rows = (np.arange(n) * self._feat.size)[:, None] + self._base[None, :]
        node = np.zeros((n, len(self._base)), dtype=np.int64)
        for _ in range(self.depth):
            node = 2 * node + 2 - left[rows + node]
        leaf = node - (2 ** self.depth - 1)
        return self._val[np.arange(len(self._base))[None, :], leaf] @ self._onehot

    def proba(self, X: np.ndarray) -> np.ndarray:
        raw = self.decision(X)
        raw -= raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return e / e.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def default_model() -> LineModel | None:
    """The shipped model, or None when the file is missing."""
    return LineModel.load() if MODEL_PATH.exists() else None
