"""Streaming, hardened XML reading: no DTD entities, no network, bounded depth and memory."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import lxml.html
from lxml import etree

from moderation.errors import InputError, ParseError
from moderation.parse.htmltext import element_text

MAX_DEPTH = 256
# Comment text longer than this is kept whole and flagged, never cut.
OVERSIZE_CHARS = 1_000_000

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
# libxml2's own depth limit (256 levels, 2048 with huge_tree; "Excessive depth in document: N
# use XML_PARSE_HUGE option" in 2.9-2.11, "...: 2048, use..." since): it parses a whole chunk
# before lxml hands over any event, so on a deep enough file it fires before our own check.
_LIBXML_DEPTH = re.compile(r"excessive depth", re.IGNORECASE)
TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels; refused"
_DANGEROUS_DTD = re.compile(rb"<!ENTITY|SYSTEM|PUBLIC|\[", re.IGNORECASE)


def local(tag: object) -> str:
    """Local name of an element tag, namespace dropped (WXR 1.0-1.2, http and https)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _is_utf16(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]


def _utf16_ascii(data: bytes) -> bytes:
    """The ASCII view of a UTF-16 head, so DOCTYPE checks see through the encoding."""
    if _is_utf16(data):
        enc = "utf-16-le" if data[:2] == b"\xff\xfe" or data[1:2] == b"\x00" else "utf-16-be"
        return data.decode(enc, "ignore").encode("ascii", "ignore")
    return data


def check_head(head: bytes, source: str) -> tuple[int, list[str]]:
    """Refuse DTDs that declare entities or load files; find junk before the first tag.

    ``head`` is the first 64 KB. Returns the byte offset to start parsing at and warnings.
    """
    if not head.strip():
        raise InputError(f"{source}: file is empty")
    warnings: list[str] = []
    view = _utf16_ascii(head)
    m = _DOCTYPE.search(view)
    if m:
        end = view.find(b">", m.start())
        decl = view[m.start(): (end if end >= 0 else len(view))]
        if _DANGEROUS_DTD.search(decl) or end < 0:
            raise ParseError("DTD/entities not allowed: the file declares a DOCTYPE with entities "
                             "or an external DTD; refused without reading it", source=source,
                             position=f"byte {m.start()}")
    offset = 0
    if not _is_utf16(head):  # plain 8-bit encodings: tolerate junk before the declaration
        start = head.find(b"<")
        bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        if start > bom:
            warnings.append(f"skipped {start - bom} byte(s) of junk before the first tag "
                            f"({head[bom:start][:20]!r})")
            offset = start
    return offset, warnings


def prepare(data: bytes, source: str) -> tuple[bytes, list[str]]:
    """``check_head`` on bytes: the bytes to parse and the warnings."""
    offset, warnings = check_head(data[:65536], source)
    return data[offset:], warnings


def refuse_dtd(el: etree._Element, source: str) -> None:
    """Refuse a DOCTYPE with entities, declarations or an external DTD found by the parser
    itself (the byte check in ``prepare`` only sees the head: padding can push it further)."""
    info = el.getroottree().docinfo
    dtd = info.internalDTD
    if info.system_url or info.public_id or (
            dtd is not None and (any(True for _ in dtd.entities()) or dtd.elements())):
        raise ParseError("DTD/entities not allowed: the file declares a DOCTYPE with entities "
                         "or an external DTD; refused without reading it", source=source,
                         position=f"line {el.sourceline}")


def root_name(data: bytes | Path, source: str) -> str:
    """Local name of the document's root element; a file is read only as far as the root."""
    if isinstance(data, Path):
        try:
            with data.open("rb") as fh:
                offset, _ = check_head(fh.read(65536), source)
                fh.seek(offset)
                return _root_of(fh, source)
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror})") from exc
    data, _ = prepare(data, source)
    return _root_of(io.BytesIO(data), source)


def _root_of(stream: IO[bytes], source: str) -> str:
    parser_events = etree.iterparse(stream, events=("start",), resolve_entities=False,
                                    no_network=True, load_dtd=False, huge_tree=True)
    try:
        for _event, el in parser_events:
            refuse_dtd(el, source)
            return local(el.tag)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position
        reason = TOO_DEEP if too_deep(exc) else f"not well-formed XML: {exc.msg}"
        raise ParseError(reason, source=source, position=f"line {line}, column {col}") from exc
    raise ParseError("no XML element found", source=source)


def too_deep(exc: etree.XMLSyntaxError) -> bool:
    """Whether libxml2 itself stopped the document for nesting too deep (any version)."""
    return bool(_LIBXML_DEPTH.search(str(exc.msg or exc)))


@dataclass
class XmlStream:
    """Iterate over ``(depth, element)`` at the end of each element; errors stop the stream.

    After the loop, ``error`` holds the position and reason when the file was malformed or too
    deep, so callers keep the records read so far and report what was left.
    """

    data: bytes | Path
    source: str
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[int, etree._Element]]:
        if isinstance(self.data, Path):
            try:
                with self.data.open("rb") as fh:
                    offset, self.warnings = check_head(fh.read(65536), self.source)
                    fh.seek(offset)
                    yield from self._events(fh)
            except OSError as exc:
                raise InputError(f"{self.source}: cannot read ({exc.strerror})") from exc
        else:
            data, self.warnings = prepare(self.data, self.source)
            yield from self._events(io.BytesIO(data))

    def _events(self, stream: IO[bytes]) -> Iterator[tuple[int, etree._Element]]:
        events = etree.iterparse(stream, events=("start", "end"),
                                 resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=True, remove_comments=True, remove_pis=True)
        depth = 0
        try:
            for event, el in events:
                if event == "start":
                    depth += 1
                    if depth == 1:
                        refuse_dtd(el, self.source)
                    if depth > MAX_DEPTH:
                        line = el.sourceline
                        self.error = f"line {line}: {TOO_DEEP}"
                        return
                    continue
                depth -= 1
                yield depth, el
        except etree.XMLSyntaxError as exc:
            line, col = exc.position
            self.error = f"line {line}, column {col}: {TOO_DEEP if too_deep(exc) else exc.msg}"

    @staticmethod
    def release(el: etree._Element) -> None:
        """Free a processed element and its already-processed siblings (bounded memory)."""
        el.clear(keep_tail=False)
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]


def child_text(el: etree._Element, name: str) -> str | None:
    """Text of the first child with this local name, stripped; None when absent or empty."""
    for child in el:
        if local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def html_to_text(markup: str | None) -> str:
    """Plain text (paragraphs split by a blank line) of an HTML fragment from an export."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup and "&" not in markup:
        paras = re.split(r"\n\s*\n", markup.strip())
        return "\n\n".join(p.strip() for p in paras if p.strip())
    try:
        frag = lxml.html.fragment_fromstring(markup.replace("\r\n", "\n"), create_parent="div")
    except (etree.ParserError, ValueError):
        return markup.strip()
    if "<p" not in markup.lower() and "<br" not in markup.lower() and "\n\n" in markup:
        # WordPress stores paragraphs as blank lines, not <p> tags
        return "\n\n".join(element_text(lxml.html.fragment_fromstring(p, create_parent="div"))
                           for p in re.split(r"\n\s*\n", markup.strip()) if p.strip())
    return element_text(frag)
