"""Untrusted comment text turned into Rich ``Text``: never markup, control characters visible."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from moderation.safetext import visible
from moderation.triage import QueueItem, label_name, threshold_of

BAR_WIDTH = 20


def safe(text: str | None, style: str = "", *, one_line: bool = False) -> Text:
    """Plain Text of untrusted input: markup is not parsed, control characters are shown."""
    shown = visible(text or "", keep_newlines=not one_line)
    if one_line:
        shown = " ".join(shown.split())
    return Text(shown, style=style)


def highlighted(text: str, spans: list[list[Any]]) -> Text:
    """The comment with the character spans that drove its score in reverse video.

    Spans index the raw text; each raw character is made visible on its own so the
    highlighted region still covers the same characters after control characters are
    replaced by their (longer) markers.
    """
    marks = [False] * len(text)
    for span in spans:
        start, end = int(span[0]), int(span[1])
        for i in range(max(start, 0), min(end, len(text))):
            marks[i] = True
    out = Text()
    run: list[str] = []
    current = False
    for ch, mark in zip(text, marks, strict=True):
        if mark != current and run:
            out.append(visible("".join(run)), style="bold reverse red" if current else "")
            run = []
        current = mark
        run.append(ch)
    if run:
        out.append(visible("".join(run)), style="bold reverse red" if current else "")
    return out


def label_bars(labels: dict[str, float], thresholds: dict[str, float]) -> Text:
    """One bar per label: score, threshold tick, and whether it flags."""
    out = Text()
    width = max([16, *(len(label_name(k)) + 1 for k in labels)])
    for label, value in sorted(labels.items(), key=lambda kv: -kv[1]):
        thr = threshold_of(label, thresholds)
        filled = round(value * BAR_WIDTH)
        over = thr is not None and value >= thr
        bar = "█" * filled + "·" * (BAR_WIDTH - filled)
        if thr is not None:
            tick = min(int(thr * BAR_WIDTH), BAR_WIDTH - 1)
            bar = bar[:tick] + "│" + bar[tick + 1:]
        out.append(f"{label_name(label):<{width}}", style="bold" if over else "")
        out.append(bar, style="red" if over else "green")
        thr_txt = f" ≥ {thr:.2f}" if thr is not None else ""
        out.append(f" {value:.2f}{thr_txt}{'  FLAG' if over else ''}\n",
                   style="bold red" if over else "")
    return out


STATUS_STYLE = {"pending": "yellow", "approved": "green", "hidden": "red"}


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def status_text(status: str, decided_by: str | None = None, reason: str | None = None) -> Text:
    """``hidden by bob: spam``-style status, the moderator's name shown literally."""
    out = Text(status, style=STATUS_STYLE.get(status, ""))
    if decided_by:
        out.append(" by ")
        out.append_text(safe(decided_by, one_line=True))
    if reason:
        out.append(": ")
        out.append_text(safe(reason, one_line=True))
    return out


def comment_line(row: dict[str, Any], *, prefix: str = "", width: int = 100) -> Text:
    """One related comment (thread or author history) on one line, every part literal."""
    out = Text(prefix, style="dim")
    out.append(f"#{row['id']} ", style="dim")
    out.append("(")
    out.append_text(status_text(row["status"], row.get("decided_by"),
                                row.get("decision_reason")))
    if row.get("max_value") is not None:
        out.append(f", {row['max_value']:.2f}")
    out.append(") ")
    out.append_text(safe(shorten(row.get("author") or "(no author)", 40), "bold", one_line=True))
    out.append(": ")
    out.append_text(safe(shorten(row["text"], width), one_line=True))
    return out


def thread_text(ctx: dict[str, Any], comment_id: int) -> Text:
    """The surrounding thread: the parent comment, then neighbours by position."""
    out = Text("Thread\n", style="bold")
    if ctx.get("parent"):
        out.append_text(comment_line(ctx["parent"], prefix="reply to "))
        out.append("\n")
    for row in ctx.get("before", []):
        out.append_text(comment_line(row, prefix="  before "))
        out.append("\n")
    out.append(f"  ▶ this comment #{comment_id}\n", style="bold")
    for row in ctx.get("after", []):
        out.append_text(comment_line(row, prefix="  after  "))
        out.append("\n")
    if not ctx.get("parent") and not ctx.get("before") and not ctx.get("after"):
        out.append("  (no other comments on this article)\n", style="dim")
    return out


def history_text(hist: dict[str, Any] | None, author: str | None) -> Text:
    """The author's other comments and how they were decided."""
    out = Text("Author history: ", style="bold")
    if hist is None:
        out.append("(no author name to match)", style="dim")
        return out
    out.append_text(safe(shorten(author or "", 60), "bold", one_line=True))
    counts = hist["counts"]
    out.append("  " + " · ".join(f"{n} {s}" for s, n in counts.items()) + "\n")
    for row in hist["comments"]:
        out.append_text(comment_line(row, prefix="  "))
        out.append("\n")
    if not hist["comments"]:
        out.append("  (no other comments by this author)\n", style="dim")
    return out


# -- the comment view's sections ------------------------------------------------------------


def article_text(item: QueueItem) -> Text:
    out = Text("Article: ", style="bold")
    out.append_text(safe(item.article_title or "(untitled)", one_line=True))
    out.append(f"  (article #{item.article_id})", style="dim")
    return out


def reason_text(item: QueueItem, *, marked: bool = False,
                elsewhere: dict[str, Any] | None = None) -> Text:
    """Why it is in the queue, its status, and whether someone else decided it meanwhile."""
    out = Text("Why flagged: ", style="bold")
    out.append(item.reason)
    out.append("\nStatus: ", style="bold")
    out.append_text(status_text(item.status, item.decided_by))
    if elsewhere:
        out.append("\nDecided meanwhile by ", style="bold yellow")
        out.append_text(safe(elsewhere.get("moderator") or "someone", "bold yellow",
                             one_line=True))
        out.append(f": now {elsewhere['status']} ({elsewhere.get('action')})",
                   style="bold yellow")
    if marked:
        out.append("\n● marked for a bulk decision", style="bold cyan")
    return out


def comment_text(item: QueueItem) -> Text:
    """The author, the id and the text with the spans that drove the score highlighted."""
    out = Text("By ", style="bold")
    out.append_text(safe(item.author or "(no author)", "bold", one_line=True))
    out.append(f"  #{item.comment_id}\n\n")
    out.append_text(highlighted(item.text, item.spans))
    return out
