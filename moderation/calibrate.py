"""Per-label thresholds from moderators' decisions: hidden = positive, approved = negative."""

from __future__ import annotations

import io
import math
import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.errors import ModerationError
from moderation.export import atomic_write
from moderation.safetext import visible
from moderation.store import Store

# Thresholds are written with this many decimals; candidates are score values rounded down to
# it, so a written threshold flags exactly what the reported precision and recall counted.
DECIMALS = 3


class CalibrationError(ModerationError):
    """Calibration cannot run (no decisions, bad target) or its result cannot be written."""


@dataclass(frozen=True)
class Point:
    """What a threshold does on the decided comments: flags ``tp + fp`` of them."""

    threshold: float
    tp: int
    fp: int
    positives: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.positives if self.positives else None

    def as_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "precision": self.precision, "recall": self.recall,
                "true_pos": self.tp, "false_pos": self.fp}


@dataclass(frozen=True)
class LabelCalibration:
    label: str
    positives: int                 # hidden comments with a score for this label
    negatives: int                 # approved ones
    current: float | None          # threshold in config.toml
    current_point: Point | None
    chosen: Point | None           # None: keep the current threshold (see status)
    status: str                    # ok | too_few_decisions | unreachable
    message: str
    curve: list[Point] = field(default_factory=list)   # on a 0.00..1.00 grid, for charts

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label, "positives": self.positives, "negatives": self.negatives,
            "current_threshold": self.current,
            "current": self.current_point.as_json() if self.current_point else None,
            "chosen_threshold": self.chosen.threshold if self.chosen else None,
            "chosen": self.chosen.as_json() if self.chosen else None,
            "status": self.status, "message": self.message,
        }


@dataclass(frozen=True)
class Calibration:
    model: str
    version: str
    metric: str                    # precision | recall
    target: float
    labels: list[LabelCalibration]

    @property
    def proposed(self) -> dict[str, float]:
        """The thresholds to write: labels whose target was reached."""
        return {c.label: c.chosen.threshold for c in self.labels if c.chosen is not None}

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "version": self.version, "metric": self.metric,
                "target": self.target, "proposed": self.proposed,
                "labels": [c.as_json() for c in self.labels]}


class _Samples:
    """One label's decided scores, sorted, for counting how many reach a threshold."""

    def __init__(self, pairs: list[tuple[float, bool]]):
        self.pos = sorted(v for v, hidden in pairs if hidden)
        self.neg = sorted(v for v, hidden in pairs if not hidden)

    def at(self, t: float) -> Point:
        tp = len(self.pos) - bisect_left(self.pos, t)
        fp = len(self.neg) - bisect_left(self.neg, t)
        return Point(round(t, DECIMALS), tp, fp, len(self.pos))


def _floor(value: float) -> float:
    """``value`` rounded down to DECIMALS, never above it (0.7 stays 0.7, 0.99999... is 0.999)."""
    scale = 10 ** DECIMALS
    steps = math.floor(value * scale + 1e-9)  # the epsilon undoes 0.7 * 1000 = 699.999...
    return steps / scale if steps / scale <= value else (steps - 1) / scale


def choose(samples: _Samples, metric: str, target: float) -> Point | None:
    """The threshold meeting ``metric >= target`` that is best on the other metric.

    precision: the highest recall (the lowest threshold) whose precision reaches the target;
    recall: the highest precision whose recall reaches the target. Ties go to the higher
    threshold (fewer comments flagged for the same catch).
    """
    candidates = sorted({_floor(v) for v in samples.pos + samples.neg}, reverse=True)
    best: Point | None = None
    for t in candidates:
        p = samples.at(t)
        if p.tp + p.fp == 0:
            continue
        met, other = (p.precision, p.recall) if metric == "precision" else (p.recall, p.precision)
        if met is None or met < target - 1e-12:
            continue
        if best is None:
            best = p
            continue
        best_other = best.recall if metric == "precision" else best.precision
        if (other or 0) > (best_other or 0) + 1e-12:
            best = p
    return _middle(samples, best) if best else None


def _middle(samples: _Samples, best: Point) -> Point:
    """Move the threshold to the middle of the gap it sits in (between the highest score it
    leaves out and the lowest it flags): the same decisions counted, a margin on both sides."""
    scores = samples.pos + samples.neg
    flagged = min(v for v in scores if v >= best.threshold)
    below = [v for v in scores if v < best.threshold]
    mid = round(((max(below) if below else 0.0) + flagged) / 2, DECIMALS)
    p = samples.at(mid)  # checked below: the same comments flagged as at best.threshold
    return p if (p.tp, p.fp) == (best.tp, best.fp) and mid <= best.threshold else best


def calibrate(store: Store, thresholds: dict[str, float], *, metric: str = "precision",
              target: float = 0.9, labels: list[str] | None = None, model: str | None = None,
              version: str | None = None, min_decisions: int = 5,
              ignore_reasons: tuple[str, ...] = (), grid: int = 101,
              language: str | None = None) -> Calibration:
    """Per label, the threshold reaching ``target`` precision (or recall) on decided comments
    scored by one model version (default: the one that scored most of them); with
    ``language``, only on comments in that language, against that language's thresholds."""
    if metric not in ("precision", "recall"):
        raise CalibrationError(f"metric must be precision or recall, not {metric!r}")
    if not 0 < target <= 1:
        raise CalibrationError(f"target {metric} must be above 0 and at most 1, got {target}")
    if language:
        pick = getattr(thresholds, "for_language", None)
        thresholds = pick(language) if pick is not None else thresholds
    models = store.decided_models(language)
    if model is not None:
        models = [m for m in models if m["model"] == model
                  and (version is None or m["version"] == version)]
    if not models:
        which = f" scored by {model}{' ' + version if version else ''}" if model else " with scores"
        which += f" in language {language}" if language else ""
        raise CalibrationError(f"no decided comments{which}: hide and approve comments in the "
                               "queue first (calibration learns from those decisions)")
    chosen_model, chosen_version = str(models[0]["model"]), str(models[0]["version"])
    by_label: dict[str, list[tuple[float, bool]]] = {}
    for label, value, hidden in store.decided_scores(chosen_model, chosen_version,
                                                     ignore_reasons=ignore_reasons,
                                                     language=language):
        by_label.setdefault(label, []).append((value, hidden))
    wanted = labels if labels else sorted(set(by_label) | set(thresholds))
    results = []
    for label in wanted:
        samples = _Samples(by_label.get(label, []))
        npos, nneg = len(samples.pos), len(samples.neg)
        current = thresholds.get(label)
        current_point = samples.at(current) if current is not None else None
        curve = [samples.at(i / (grid - 1)) for i in range(grid)]
        if npos < min_decisions or nneg < min_decisions:
            status, point = "too_few_decisions", None
            message = (f"{npos} hidden and {nneg} approved comments scored for this label; "
                       f"need at least {min_decisions} of each (--min-decisions)")
        else:
            point = choose(samples, metric, target)
            if point is None:
                status = "unreachable"
                best = max((p.precision or 0) if metric == "precision" else (p.recall or 0)
                           for p in curve)
                message = f"no threshold reaches {metric} {target:.0%} (best {best:.0%})"
            else:
                status = "ok"
                message = (f"{point.threshold:g}: precision {point.precision:.0%}, recall "
                           f"{point.recall:.0%}")
        results.append(LabelCalibration(label, npos, nneg, current, current_point, point, status,
                                        message, curve))
    return Calibration(chosen_model, chosen_version, metric, target, results)


# -- terminal chart ---------------------------------------------------------------------------

def text_chart(cal: LabelCalibration, *, width: int = 51, height: int = 10) -> list[str]:
    """Precision (P) and recall (R) against the threshold as characters; ``|`` marks the
    chosen threshold, ``:`` the current one, ``*`` where P and R meet."""
    samples = cal.curve
    cols = []
    for x in range(width):
        p = samples[round(x * (len(samples) - 1) / (width - 1))]
        cols.append((p.precision, p.recall))
    rows = [[" "] * width for _ in range(height + 1)]

    def col_of(t: float | None) -> int | None:
        return None if t is None else round(t * (width - 1))

    for marker, t in ((":", cal.current), ("|", cal.chosen.threshold if cal.chosen else None)):
        c = col_of(t)
        if c is not None:
            for r in rows:
                r[c] = marker
    for x, (prec, rec) in enumerate(cols):
        yp = None if prec is None else round(prec * height)
        yr = None if rec is None else round(rec * height)
        for y, ch in ((yp, "P"), (yr, "R")):
            if y is not None:
                cell = rows[height - y][x]
                rows[height - y][x] = "*" if cell in ("P", "R") and cell != ch else ch
    out = []
    for i, r in enumerate(rows):
        y = height - i
        axis = f"{y * 100 // height:>3}% " if y in (0, height // 2, height) else "     "
        out.append(axis + "┤" + "".join(r))
    out.append("     └" + "─" * width)
    ticks = [" "] * (width + 6)
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        label = f"{t:g}"
        start = 6 + col_of(t) - (len(label) // 2 if t > 0 else 0)  # type: ignore[operator]
        start = min(start, len(ticks) - len(label))
        ticks[start:start + len(label)] = list(label)
    out.append("".join(ticks).rstrip() + "   threshold")
    return out


def format_text(result: Calibration, *, chart: bool = True) -> str:
    title = (f"Calibration for {visible(result.model, keep_newlines=False)} "
             f"{visible(result.version, keep_newlines=False)}: target {result.metric} "
             f"{result.target:.0%} (positives: hidden, negatives: approved)")
    lines = [title, ""]
    for cal in result.labels:
        now = ("—" if cal.current_point is None else
               f"{cal.current:g} (precision {_pct(cal.current_point.precision)}, recall "
               f"{_pct(cal.current_point.recall)})")
        lines.append(f"{visible(cal.label, keep_newlines=False)}: {cal.positives} hidden, "
                     f"{cal.negatives} approved; current {now}")
        lines.append(f"  proposed: {cal.message}" if cal.status == "ok"
                     else f"  kept: {cal.message}")
        if chart and cal.positives + cal.negatives:
            lines += ["  " + ln for ln in text_chart(cal)]
            lines.append("  P precision  R recall  * both  | proposed  : current")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


# -- PNG chart (matplotlib, an optional extra) -------------------------------------------------

def write_plot(result: Calibration, path: str | Path) -> None:
    """Draw every label's precision/recall curve into one PNG, written atomically."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise CalibrationError(
            "--plot needs matplotlib, an optional extra: pip install 'moderation[plot]' "
            "(the text chart needs nothing)") from None
    shown = [c for c in result.labels if c.positives + c.negatives]
    if not shown:
        raise CalibrationError("nothing to plot: no label has decided comments")
    ncols = min(3, len(shown))
    nrows = math.ceil(len(shown) / ncols)
    # Figure + Agg canvas directly: no pyplot global state, no GUI backend, no display needed.
    fig = Figure(figsize=(4.2 * ncols, 3.2 * nrows), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    for i, cal in enumerate(shown):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        xs = [p.threshold for p in cal.curve]
        ax.plot(xs, [p.precision if p.precision is not None else math.nan for p in cal.curve],
                label="precision")
        ax.plot(xs, [p.recall if p.recall is not None else math.nan for p in cal.curve],
                label="recall")
        ax.axhline(result.target, color="grey", linewidth=0.8, linestyle=":")
        if cal.current is not None:
            ax.axvline(cal.current, color="grey", linestyle="--", linewidth=1,
                       label=f"current {cal.current:g}")
        if cal.chosen is not None:
            ax.axvline(cal.chosen.threshold, color="black", linewidth=1.2,
                       label=f"proposed {cal.chosen.threshold:g}")
        ax.set_title(f"{visible(cal.label, keep_newlines=False)} "
                     f"({cal.positives} hidden, {cal.negatives} approved)", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("threshold")
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{visible(result.model, keep_newlines=False)} "
                 f"{visible(result.version, keep_newlines=False)}: target {result.metric} "
                 f"{result.target:.0%}", fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write(path, lambda fh: fh.write(buf.getvalue()), binary=True, what="plot")


# -- writing config.toml ----------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\]\s]+)\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")
_KEY = re.compile(r"^(?P<indent>\s*)(?P<q>[\"']?)(?P<key>[A-Za-z0-9_-]+)(?P=q)(?P<eq>\s*=\s*)"
                  r"(?P<value>[-+0-9.eE_]+)(?P<gap>[ \t]*)(?P<comment>#.*)?$")


def _fmt(value: float) -> str:
    return repr(round(float(value), DECIMALS))


def update_thresholds_text(text: str, new: dict[str, float], language: str | None = None) -> str:
    """``text`` (config.toml) with [thresholds] keys (``[thresholds.LANG]`` with ``language``)
    set to ``new``; every comment, other key and layout kept (an inline comment stays in its
    column when there is room)."""
    section = f"thresholds.{language}" if language else "thresholds"
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines)
                  if (m := _HEADER.match(ln.rstrip("\r\n"))) and m["name"] == section), None)
    if start is None:
        block = f"[{section}]\n" + "".join(f"{k} = {_fmt(v)}\n" for k, v in new.items())
        if not text:
            return block
        return text + ("" if text.endswith("\n") else "\n") + "\n" + block
    end = next((i for i in range(start + 1, len(lines))
                if _ANY_HEADER.match(lines[i])), len(lines))
    todo = dict(new)
    last_key = start
    for i in range(start + 1, end):
        body = lines[i].rstrip("\r\n")
        newline = lines[i][len(body):]
        m = _KEY.match(body)
        if not m:
            continue
        last_key = i
        if m["key"] not in todo:
            continue
        value = _fmt(todo.pop(m["key"]))
        head = f"{m['indent']}{m['q']}{m['key']}{m['q']}{m['eq']}{value}"
        if m["comment"]:
            column = m.start("comment")
            gap = " " * max(1, column - len(head)) if m["gap"] else m["gap"]
            head += (gap or " ") + m["comment"]
        lines[i] = head + newline
    if todo:
        newline = "\r\n" if lines[start].endswith("\r\n") else "\n"
        if not lines[last_key].endswith(("\n", "\r")):
            lines[last_key] += newline
        lines[last_key + 1:last_key + 1] = [f"{k} = {_fmt(v)}{newline}" for k, v in todo.items()]
    return "".join(lines)


def write_thresholds(path: str | Path, new: dict[str, float], language: str | None = None) -> str:
    """Set [thresholds] in the config file at ``path`` (created if missing), atomically, and
    check by parsing the result that only those keys changed; returns the new text."""
    from moderation.config import validate  # the same checks as loading the file

    target = Path(path)
    try:
        old_text = target.read_text(encoding="utf-8") if target.exists() else ""
        old = tomllib.loads(old_text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalibrationError(f"{target}: cannot read it to update [thresholds]: {exc}") from exc
    text = update_thresholds_text(old_text, new, language)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        parsed = {"error": str(exc)}
    rounded = {k: round(float(v), DECIMALS) for k, v in new.items()}
    old_thr = old.get("thresholds", {})
    if language:
        expected = {**old, "thresholds": {**old_thr, language: {**old_thr.get(language, {}), **rounded}}}
    else:
        expected = {**old, "thresholds": {**old_thr, **rounded}}
    if parsed != expected:
        raise CalibrationError(
            f"{target}: its [thresholds] are not laid out as plain `label = number` lines, so "
            "they were not changed; set them by hand: "
            + ", ".join(f"{k} = {_fmt(v)}" for k, v in new.items()))
    validate(parsed, str(target))
    # resolve(): a symlinked config.toml gets its target updated, not replaced by a file.
    atomic_write(target.resolve(), lambda fh: fh.write(text), what="config update")
    return text
