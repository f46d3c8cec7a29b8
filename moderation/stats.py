"""Counts over the database and how the model's flags agree with moderators' hide decisions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from moderation.safetext import visible
from moderation.store import Store


@dataclass(frozen=True)
class Agreement:
    """A label's current threshold judged against the decided comments.

    Positives are hidden comments, negatives approved ones; pending comments are not judged.
    ``precision``/``recall`` are None when their denominator is zero.
    """

    label: str
    threshold: float | None
    scored: int = 0          # reader comments whose current scoring has this label
    flagged: int = 0         # ... whose score reaches the threshold (any status)
    flagged_pending: int = 0
    hidden: int = 0          # decided positives
    approved: int = 0        # decided negatives
    true_pos: int = 0        # hidden and flagged
    false_pos: int = 0       # approved but flagged
    false_neg: int = 0       # hidden but not flagged

    @property
    def precision(self) -> float | None:
        d = self.true_pos + self.false_pos
        return self.true_pos / d if d else None

    @property
    def recall(self) -> float | None:
        d = self.true_pos + self.false_neg
        return self.true_pos / d if d else None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall}


@dataclass(frozen=True)
class Stats:
    thresholds: dict[str, float]
    by_status: dict[str, int]
    by_moderator: dict[str, dict[str, int]]   # moderator -> action -> entries
    by_day: dict[str, dict[str, int]]         # UTC day -> action -> entries
    labels: list[Agreement]
    any_label: Agreement
    models: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "thresholds": self.thresholds,
            "by_status": self.by_status,
            "by_moderator": self.by_moderator,
            "by_day": self.by_day,
            "labels": [a.as_json() for a in self.labels],
            "any_label": self.any_label.as_json(),
            "decided_models": self.models,
        }


def _agreement(label: str, threshold: float | None, rows: list[dict[str, Any]]) -> Agreement:
    by = {r["status"]: r for r in rows}

    def get(status: str, key: str) -> int:
        return int((by.get(status) or {}).get(key) or 0)

    tp, fp = get("hidden", "flagged"), get("approved", "flagged")
    return Agreement(
        label=label, threshold=threshold, scored=sum(int(r["n"]) for r in rows),
        flagged=sum(int(r["flagged"] or 0) for r in rows), flagged_pending=get("pending", "flagged"),
        hidden=get("hidden", "n"), approved=get("approved", "n"), true_pos=tp, false_pos=fp,
        false_neg=get("hidden", "n") - tp)


def _nested(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(str(r["key"]), {})[r["action"]] = int(r["n"])
    return out


def compute(store: Store, thresholds: dict[str, float]) -> Stats:
    """Every count ``moderation stats`` shows, from one database and the current thresholds."""
    per_label: dict[str, list[dict[str, Any]]] = {}
    for r in store.label_status_counts(thresholds):
        per_label.setdefault(r["label"], []).append(r)
    for label in thresholds:
        per_label.setdefault(label, [])
    labels = [_agreement(label, thresholds.get(label), rows)
              for label, rows in sorted(per_label.items())]
    return Stats(
        thresholds=dict(thresholds),
        by_status=store.counts_by_status(),
        by_moderator=_nested(store.log_counts("moderator")),
        by_day=_nested(store.log_counts("day")),
        labels=labels,
        any_label=_agreement("(any label)", None, store.any_flag_status_counts(thresholds)),
        models=store.decided_models(),
    )


# -- text output ------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    line = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                      for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    for r in rows:
        line.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                              for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return line


def _by_action(title: str, data: dict[str, dict[str, int]]) -> list[str]:
    actions = sorted({a for counts in data.values() for a in counts})
    rows = [[visible(key, keep_newlines=False)] + [str(counts.get(a, 0)) for a in actions]
            + [str(sum(counts.values()))] for key, counts in data.items()]
    out = [title]
    out += ["  " + ln for ln in _table([title.split()[-1].rstrip(":"), *actions, "total"], rows)]
    return out if rows else [title, "  (no log entries)"]


def format_text(stats: Stats) -> str:
    """The stats as aligned plain-text tables (untrusted names made visible, never raw)."""
    out = ["Comments by status:"]
    out += ["  " + ln for ln in _table(["status", "comments"],
                                       [[s, str(n)] for s, n in stats.by_status.items()])]
    out.append("")
    out += _by_action("Log entries by moderator:", stats.by_moderator)
    out.append("")
    out += _by_action("Log entries by day:", stats.by_day)
    out.append("")
    out.append("Labels with the current thresholds (positives: hidden; negatives: approved):")
    rows = [[visible(a.label, keep_newlines=False),
             "—" if a.threshold is None else f"{a.threshold:.2f}", str(a.scored), str(a.flagged),
             str(a.flagged_pending), str(a.hidden), str(a.approved), str(a.true_pos),
             str(a.false_pos), str(a.false_neg), _pct(a.precision), _pct(a.recall)]
            for a in [*stats.labels, stats.any_label]]
    out += ["  " + ln for ln in _table(
        ["label", "thresh", "scored", "flagged", "pending", "hidden", "approved", "TP", "FP",
         "FN", "precision", "recall"], rows)]
    if stats.models:
        out.append("")
        out.append("Decided comments by current model: " + ", ".join(
            f"{visible(m['model'], keep_newlines=False)} {visible(m['version'], keep_newlines=False)}"
            f" ({m['n']})" for m in stats.models))
    out.append("")
    out.append("precision: of the decided comments a label flags, the share moderators hid; "
               "recall: of the hidden comments, the share it flags.")
    return "\n".join(out)
