"""Plain text from an HTML element: paragraphs split by a blank line, lines by a newline."""

from __future__ import annotations

import re

from lxml import etree

_BLOCK = frozenset({
    "p", "div", "blockquote", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
    "h6", "pre", "section", "article", "header", "footer", "table", "tr", "figure", "figcaption",
    "aside", "form", "td", "th", "caption",
})
_SKIP = frozenset("""
script style noscript template button select option textarea svg iframe
""".split())  # noqa: SIM905 - a word list reads better as text
_WS = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def _glued(node: etree._Element, line: str) -> bool:
    """An inline element ends a word and the next element starts one, nothing between."""
    nxt = node.getnext()
    if nxt is None or not isinstance(nxt.tag, str) or nxt.tag in _BLOCK or nxt.tag == "br":
        return False
    first = (nxt.text or "")[:1]
    return bool(line) and not line[-1].isspace() and first.isalnum()


def element_text(el: etree._Element, skip: set[etree._Element] | None = None) -> str:
    """Visible text of ``el`` without the elements in ``skip`` (and their subtrees)."""
    paragraphs: list[list[str]] = [[""]]

    def brk(lines: bool) -> None:
        para = paragraphs[-1]
        if lines:
            if para[-1].strip():
                para.append("")
        elif any(line.strip() for line in para):
            paragraphs.append([""])

    def add(text: str | None) -> None:
        if text:
            paragraphs[-1][-1] += _WS.sub(" ", text)

    # Iterative walk (no recursion): deep pages cannot exhaust the Python stack.
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if closing:
            if tag in _BLOCK:
                brk(lines=False)
            if node is not el:
                if not node.tail and _glued(node, paragraphs[-1][-1]):
                    add(" ")  # <b>Anna</b><small>3. März</small>: two fields, two words
                add(node.tail)
            continue
        if node is not el and (not tag or tag in _SKIP or (skip and node in skip)):
            add(node.tail)
            continue
        if tag == "br":
            brk(lines=True)
            add(node.tail)
            continue
        if tag in _BLOCK:
            brk(lines=False)
        add(node.text)
        stack.append((node, True))
        for child in reversed(node):
            stack.append((child, False))
    out = []
    for para in paragraphs:
        lines = [line.strip() for line in para if line.strip()]
        if lines:
            out.append("\n".join(lines))
    return "\n\n".join(out)
