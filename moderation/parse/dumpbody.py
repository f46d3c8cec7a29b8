"""The article body of a plain-text page dump: its paragraphs, without the page's chrome."""

from __future__ import annotations

import re

from moderation.parse import chrome
from moderation.parse.textcomments import _END_PUNCT

_VIDEO_FALLBACK = re.compile(r"(?i)your browser (?:doesn.?t|does not) support|this video")
_SHORT = 6  # words: a line this short with no closing mark may sit between widget lines
_TAIL_LINES = 40  # the widget's lines under the article: a handful, never a page of them


def _widget(line: str) -> bool:
    """A comment widget's or sidebar's own line (not a date: an article may print one over
    its last lines)."""
    return (chrome.is_zone_start(line) or chrome.is_widget_line(line) or chrome.is_counter(line)
            or chrome.says_no_comments(line) or chrome.is_zone_end(line)
            or chrome.is_page_end(line))


def widget_tail(lines: list[str]) -> int:
    """Where the body's lines end: above the comment widget's heading, counter, sort links and
    form notices that close them ("This Post Has 80 Comments", "Leave a Comment", "Your email
    address will not be published"). Only a run of such lines at the very end, with at most
    short unpunctuated lines ("Rate this Recipe") between them, is cut: the article's own
    last lines end in a full stop or are no widget line."""
    cut = k = len(lines)
    while k > max(0, len(lines) - _TAIL_LINES):
        s = lines[k - 1].strip()
        if s and _widget(s):
            cut = k - 1
        elif s and (len(s.split()) > _SHORT or s.endswith(_END_PUNCT)):
            break
        k -= 1
    return cut


def article_body(lines: list[str], skip: set[int], title: str | None) -> str:
    """The article's paragraphs among ``lines`` (the dump above its comment zone, or all of it):
    the lines in ``skip`` (title, byline, signed answers), the title again, boilerplate and
    widget lines left out, and the comment widget's own lines under the article's end."""
    lines = lines[:widget_tail(lines)]
    paragraphs: list[list[str]] = []
    new_para = True
    drop_next_title = False
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            new_para = True
            continue
        if drop_next_title and not s.endswith(_END_PUNCT) and len(s) < 120:
            drop_next_title = False
            continue  # the video's own title after a player fallback
        drop_next_title = False
        if i in skip or s == title or chrome.is_boilerplate(s) or chrome.is_widget_line(s):
            drop_next_title = bool(_VIDEO_FALLBACK.search(s))
            new_para = True
            continue
        if new_para or not paragraphs:
            paragraphs.append([s])
        else:
            paragraphs[-1].append(s)
        new_para = False
    return "\n\n".join("\n".join(p) for p in paragraphs)
