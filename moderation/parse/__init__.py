"""Parse one input (text dump, HTML page, WXR, Disqus XML, CSV, JSONL) into plain data."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from moderation.documents import Article, Comment, ParseResult
from moderation.errors import InputError, ParseError
from moderation.parse.decode import decode
from moderation.parse.tabular import TabularColumns, TabularReject, iter_tabular

FORMATS = ("text", "html", "wxr", "disqus", "csv", "jsonl")
__all__ = ["FORMATS", "TabularColumns", "TabularReject", "iter_comments", "iter_tabular",
           "parse_bytes", "parse_file", "sniff_format"]

_EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "text", ".html": "html", ".htm": "html",
    ".xhtml": "html", ".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_HTML_START = re.compile(r"(?is)^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)")
_HTML_TAGS = re.compile(r"(?i)<(?:div|p|span|a|li|article|section|br)\b[^>]*>")


def sniff_format(text: str, name: str = "") -> str:
    """Guess the format from the content first, the file extension second."""
    head = text[:8192].lstrip("\ufeff \t\r\n")
    if head.startswith(("<?xml", "<rss", "<disqus")) or (
            head.startswith("<!DOCTYPE") and "<html" not in head[:2000].lower()):
        lowered = head[:8192].lower()
        if "<disqus" in lowered:
            return "disqus"
        if "<rss" in lowered or "wordpress.org/export" in lowered:
            return "wxr"
        if "<html" in lowered:
            return "html"
        return "xml"
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 5:
        return "html"
    ext = os.path.splitext(name.lower())[1]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    first = head.split("\n", 1)[0].strip()
    if first.startswith("{") and first.endswith("}"):
        return "jsonl"
    return "text"


def parse_bytes(data: bytes, source: str, format: str | None = None, *,
                columns: TabularColumns | None = None) -> ParseResult:
    """Parse the bytes of one input; ``source`` names it in every error and warning."""
    if format is not None and format not in FORMATS:
        raise InputError(f"{source}: unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if format in ("wxr", "disqus") or (format is None and _looks_xml(data)):
        return _parse_xml(data, source, format)
    if format in ("csv", "jsonl") or (format is None and _EXTENSIONS.get(
            os.path.splitext(source.lower())[1]) in ("csv", "jsonl")):
        fmt = format or _EXTENSIONS[os.path.splitext(source.lower())[1]]
        from moderation.parse.tabular import parse_tabular
        return parse_tabular(data, source, fmt, columns or TabularColumns())
    text, encoding = decode(data, source)
    fmt = format or sniff_format(text, source)
    if format is None and (fmt == "text" or source.lower().endswith(".json")):
        from moderation.parse.jsondoc import looks_like_json, parse_json_document
        if looks_like_json(text, source):
            found = parse_json_document(text, source, columns or TabularColumns())
            if found is not None:
                return replace(found, encoding=encoding)
    if fmt in ("xml", "wxr", "disqus"):  # XML in an encoding the byte check cannot see (UTF-16)
        return _parse_xml(data, source, format)
    if fmt in ("csv", "jsonl"):
        from moderation.parse.tabular import parse_tabular
        return parse_tabular(data, source, fmt, columns or TabularColumns())
    warnings: list[str] = []
    if fmt == "html":
        from moderation.parse.html import parse_html
        article, warnings = parse_html(text, source)
    else:
        from moderation.parse.text import parse_text
        article = parse_text(text, warnings)
    return ParseResult(format=fmt, articles=(article,), source=source,
                       warnings=tuple(warnings), encoding=encoding)


def _looks_xml(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    first = head.find(b"<")
    if 0 < first <= 16:  # a few stray bytes before the declaration (reported by the parser)
        head = head[first:]
    if not head.startswith((b"<?xml", b"<rss", b"<disqus", b"<!doctype", b"<!entity")):
        return False
    return b"<html" not in head and b"xhtml" not in head


def _parse_xml(data: bytes | Path, source: str, format: str | None) -> ParseResult:
    fmt = _xml_format(data, source, format)
    if fmt == "wxr":
        from moderation.parse.wxr import parse_wxr
        return parse_wxr(data, source)
    from moderation.parse.disqus import parse_disqus
    return parse_disqus(data, source)


def _head(path: Path, size: int = 65536) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc


def _xml_format(data: bytes | Path, source: str, format: str | None) -> str:
    """wxr or disqus from the root element, checking a forced format against it."""
    from moderation.parse.xmlsafe import root_name

    if not (data.strip() if isinstance(data, bytes) else _head(data).strip()):
        raise InputError(f"{source}: file is empty")
    root = root_name(data, source)
    fmt = format or {"rss": "wxr", "disqus": "disqus"}.get(root)
    if fmt == "disqus" and root == "rss":
        raise ParseError("this is a Disqus *import* file (WXR-style RSS with dsq: tags), not a "
                         "Disqus export; parse it with --format wxr", source=source)
    if fmt in ("wxr", "disqus"):
        return fmt
    raise InputError(f"{source}: XML root <{root}> is neither a WordPress WXR (<rss>) nor a "
                     "Disqus export (<disqus>)")


def parse_file(path: str | os.PathLike[str], format: str | None = None, *,
               columns: TabularColumns | None = None) -> ParseResult:
    """Parse one file. Raises InputError (missing, empty, binary) or ParseError (malformed)."""
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise InputError(f"{source}: no such file")
    if p.is_dir():
        raise InputError(f"{source}: is a directory, not a file")
    if format in ("csv", "jsonl") or (format is None and _EXTENSIONS.get(p.suffix.lower()) in (
            "csv", "jsonl")):
        from moderation.parse.tabular import parse_tabular_path
        return parse_tabular_path(p, format or _EXTENSIONS[p.suffix.lower()],
                                  columns or TabularColumns())
    if format in ("wxr", "disqus") or (format is None and _looks_xml(_head(p, 4096))):
        return _parse_xml(p, source, format)  # streamed from the file, never read whole
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from exc
    return parse_bytes(data, source, format, columns=columns)


def iter_comments(path: str | os.PathLike[str], format: str | None = None, *,
                  columns: TabularColumns | None = None,
                  warnings: list[str] | None = None) -> Iterator[tuple[Article, Comment]]:
    """Stream (article, comment) pairs from any input, exports and CSV/JSONL in bounded memory.

    The Article carries the metadata only (its ``comments`` is empty); one object is shared by
    the comments of the same article. Skipped records are appended to ``warnings`` as they are
    met, each with its position and reason.
    """
    p, source = Path(path), str(path)
    warnings = [] if warnings is None else warnings
    if not p.is_file():
        raise InputError(f"{source}: no such file" if not p.exists() else
                         f"{source}: is not a regular file")
    fmt = format or _EXTENSIONS.get(p.suffix.lower())
    head = _head(p)
    if fmt not in ("csv", "jsonl") and (fmt in ("wxr", "disqus") or _looks_xml(head[:4096])):
        fmt = _xml_format(p, source, fmt)
    if fmt in ("csv", "jsonl"):
        seen: dict[str | None, Article] = {}
        for key, comment in iter_tabular(p, fmt, columns,
                                         on_reject=lambda r: warnings.append(str(r))):
            article = seen.get(key)
            if article is None:
                article = seen[key] = Article(id=key)
            yield article, comment
    elif fmt == "wxr":
        from moderation.parse.wxr import iter_wxr
        for article in iter_wxr(p, source, warnings):
            meta = replace(article, comments=())
            for comment in article.comments:
                yield meta, comment
    elif fmt == "disqus":
        from moderation.parse.disqus import iter_disqus
        yield from iter_disqus(p, source, warnings)
    else:
        result = parse_file(p, fmt, columns=columns)
        warnings.extend(result.warnings)
        for article in result.articles:
            meta = replace(article, comments=())
            for comment in article.comments:
                yield meta, comment


