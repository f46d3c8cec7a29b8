"""The comment zone of a text dump read from the learned line classifier (``dumplines``).

Every non-blank line gets P(comment header) + P(comment text) from the model; the zone is the
stretch of lines after the article where P(comment) - P(article body) sums highest (a
maximum-sum segment; boilerplate lines are nearly neutral). It is taken only when the stretch is clearly comments: enough evidence in total,
at least ``MIN_HEADERS`` header lines, article text before it. Inside it, header lines open
comments (a name-like header is the author, one with digits the date), text lines fill them,
boilerplate lines (reply buttons, votes) are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from moderation.parse import dumplines, dumpshape

MIN_SCORE = 10.0  # sum of P(comment) - P(body) - BIAS over the zone's lines
MIN_HEADERS = 3
BIAS = 0.05  # a boilerplate line (reply button, votes) costs a little: zones end at comments


@dataclass
class LearnedComment:
    author: str | None = None
    date: str | None = None
    paragraphs: list[list[str]] = field(default_factory=list)


@dataclass
class LearnedZone:
    start: int  # first line of the zone (the body ends before it)
    end: int  # last line of the zone
    comments: list[LearnedComment]
    score: float


_MODEL_OVERRIDE: list = []


def use_model(model: dumplines.LineModel | None | bool) -> None:
    """Parse with this model instead of the shipped one (the bench's cross-validation);
    False: no model (rules only); None restores the shipped one."""
    _MODEL_OVERRIDE[:] = [model or None] if model is not None else []


def current_model() -> dumplines.LineModel | None:
    return _MODEL_OVERRIDE[0] if _MODEL_OVERRIDE else dumplines.default_model()


def _best_segment(scores: np.ndarray) -> tuple[int, int, float]:
    best, best_a, best_b = 0.0, 0, -1
    run, a = 0.0, 0
    for k, v in enumerate(scores):
        if run <= 0:
            run, a = 0.0, k
        run += v
        if run > best:
            best, best_a, best_b = run, a, k
    return best_a, best_b, best


def _scores(lines: list[str], floor: int):
    """(line indexes below ``floor``, class probabilities, class index, per-line margin)."""
    model = current_model()
    if model is None:
        return None
    idx, X = dumplines.line_features(lines)
    keep = [k for k, i in enumerate(idx) if i >= floor]
    if len(keep) < 3:
        return None
    idx = [idx[k] for k in keep]
    p = model.proba(X[keep])
    cls = {c: n for n, c in enumerate(model.classes)}
    comment = p[:, cls["header"]] + p[:, cls["text"]]
    return idx, p, cls, comment, comment - p[:, cls["body"]] - BIAS


def learned_zone(lines: list[str], floor: int = 0) -> LearnedZone | None:
    """The comment zone the classifier sees below line ``floor``, or None."""
    got = _scores(lines, floor)
    if got is None:
        return None
    return _zone(lines, *got)


def earlier_zone(lines: list[str], floor: int, zone: int) -> LearnedZone | None:
    """The classifier's zone where it starts above the rules' zone (line ``zone``) and holds
    clearly more comment evidence than anything from ``zone`` on: the rules' heading came
    late (a second heading, the reply form) and left comments in the body. Else None."""
    got = _scores(lines, floor)
    if got is None:
        return None
    idx, _p, _cls, _comment, margin = got
    below = [k for k, i in enumerate(idx) if i > zone]
    after = _best_segment(margin[below[0]:])[2] if below else 0.0
    found = _zone(lines, *got)
    if found is None or found.start >= zone or found.score - after < MIN_SCORE:
        return None
    return found


def _zone(lines: list[str], idx: list[int], p: np.ndarray, cls: dict, comment: np.ndarray,
          margin: np.ndarray) -> LearnedZone | None:
    a, b, score = _best_segment(margin)
    if b < a or score < MIN_SCORE:
        return None
    if not any(dumplines_prose(lines[i]) for i in idx[:a]):
        return None  # no article before it
    label = p.argmax(axis=1)
    H, T, S = cls["header"], cls["text"], cls["boiler"]
    # A short name line right over a dated header opens the comment with it (its author).
    if a > 0 and idx[a] - idx[a - 1] == 1 and label[a] == H and _name_over_date(
            lines[idx[a - 1]], lines[idx[a]]):
        a -= 1
        label[a] = H
    # Inside the zone too: a short name line right over a dated header is its author, however
    # the classifier weighed it (a two-word name reads a little like text).
    for k in range(a, b):
        if label[k + 1] == H and label[k] != H and idx[k + 1] - idx[k] == 1 \
                and _name_over_date(lines[idx[k]], lines[idx[k + 1]]):
            label[k] = H
    # The last comment's text after its header: prose lines up to the next blank line.
    while b + 1 < len(idx) and label[b] == H and idx[b + 1] - idx[b] <= 2 \
            and dumpshape.is_prose(lines[idx[b + 1]]):
        b += 1
        label[b] = T
    out: list[LearnedComment] = []
    cur: LearnedComment | None = None
    headers = 0
    prev_line = -2
    prev_label = -1
    for k in range(a, b + 1):
        s = lines[idx[k]].strip()
        new_para = idx[k] - prev_line > 1
        prev_line = idx[k]
        if label[k] != H and prev_label == H and dumpshape.is_prose(s):
            label[k] = T  # the prose right under a header is that comment's text
        prev_label = label[k]
        if label[k] == H:
            headers += 1
            has_digit = any(map(str.isdigit, s))
            if cur is None or cur.paragraphs or (cur.date if has_digit else cur.author):
                if cur is not None and cur.paragraphs:
                    out.append(cur)
                cur = LearnedComment()
            if has_digit:
                cur.date = cur.date or s
            else:
                cur.author = cur.author or s
            continue
        if label[k] == S or label[k] != T and comment[k] < 0.3:
            continue
        if cur is None:
            cur = LearnedComment()
        if new_para or not cur.paragraphs:
            cur.paragraphs.append([s])
        else:
            cur.paragraphs[-1].append(s)
    if cur is not None and cur.paragraphs:
        out.append(cur)
    if headers < MIN_HEADERS or not out:
        return None
    return LearnedZone(idx[a], idx[b], out, float(score))


def _name_over_date(above: str, header: str) -> bool:
    s = above.strip()
    return (0 < len(s) <= 40 and len(s.split()) <= 4 and not any(map(str.isdigit, s))
            and not s.endswith(dumplines.END_SENTENCE) and any(map(str.isdigit, header)))


def dumplines_prose(line: str) -> bool:
    """An article paragraph: long prose (any script)."""
    s = line.strip()
    cjk = sum(1 for ch in s if "\u3000" <= ch <= "\u9fff")
    return (len(s) >= 60 or cjk >= 20) and dumpshape.is_prose(s)
