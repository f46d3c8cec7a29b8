"""Untrusted comment text turned into Rich ``Text``: never markup, control characters visible."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from moderation.safetext import visible

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
    for label, value in sorted(labels.items(), key=lambda kv: -kv[1]):
        thr = thresholds.get(label)
        filled = round(value * BAR_WIDTH)
        over = thr is not None and value >= thr
        bar = "█" * filled + "·" * (BAR_WIDTH - filled)
        if thr is not None:
            tick = min(int(thr * BAR_WIDTH), BAR_WIDTH - 1)
            bar = bar[:tick] + "│" + bar[tick + 1:]
        out.append(f"{label:<16}", style="bold" if over else "")
        out.append(bar, style="red" if over else "green")
        thr_txt = f" ≥ {thr:.2f}" if thr is not None else ""
        out.append(f" {value:.2f}{thr_txt}{'  FLAG' if over else ''}\n",
                   style="bold red" if over else "")
    return out
