"""Comments marked only by a signature line and a date under them (StackExchange style)."""

from __future__ import annotations

from moderation.parse import bylines, chrome
from moderation.parse.textcomments import _NUMBERED, _SIGNATURE, _Draft, is_name_like

_MIN_SIGNED = 2
_SIGNED_MAX_LINES = 8


def signed_comments(lines: list[str], start: int) -> list[tuple[int, int, _Draft]]:
    """Comments marked only by a signature line and a date under them (StackExchange style).

    Returns (first line, last line, draft) for each; the text runs back from the signature to
    the nearest list bullet, blank line or earlier signature, at most a few lines. A bullet
    directly over a date (its signature lost) counts too, once two signed comments are seen.
    """
    found: list[tuple[int, int, _Draft]] = []
    signed = 0
    floor = start
    for j in range(start, len(lines) - 1):
        line = lines[j].strip()
        sig = _SIGNATURE.match(line)
        bullet = None if sig else _NUMBERED.match(line)
        if sig and not is_name_like(sig.group(1), capitalised=False):
            continue
        if not sig and not (bullet and bullet.group(1) == "•" and len(bullet.group(2)) > 20):
            continue
        k = next((n for n in range(j + 1, min(len(lines), j + 3)) if lines[n].strip()), None)
        if k is None or not bylines.is_date_line(lines[k]):
            continue
        first = j
        while sig and first - 1 >= floor and j - first < _SIGNED_MAX_LINES:
            above = lines[first - 1].strip()
            if not above or chrome.is_meta_line(above):
                break
            first -= 1
            if _NUMBERED.match(above):
                break
        text_lines = [ln.strip() for ln in lines[first:j if sig else j + 1]]
        if text_lines:
            opener = _NUMBERED.match(text_lines[0])
            if opener:
                text_lines[0] = opener.group(2)
            draft = _Draft(author=sig.group(1).strip() if sig else None, date=lines[k].strip())
            for ln in text_lines:
                draft.add(ln, new_paragraph=False)
            found.append((first, k, draft))
            signed += bool(sig)
        floor = k + 1
    return found if signed >= _MIN_SIGNED else []
