"""A whole JSON document given as input (``.json``): a list of comment objects, or refused.

Comment exports come as JSON Lines (one object per line, ``tabular``), and often as one JSON
array of the same objects, or an object holding that array under one key ("comments",
"items", ...). Those are read item by item as JSON Lines rows are: a reject names the array's
item ("item 3: no text in column 'text'"); an item that is no object ("item 4: not a JSON
object") is such a reject too, and the good items are read. A top-level array is streamed
(``iter_json``: one item in memory at a time, so a 1 GB export needs no more memory than a JSON
Lines file); an object holding the array is read whole. JSON Lines named ``.json`` are read as
JSON Lines. Any other JSON document (a settings file, a labels file beside the pages, a list
with no object in it) is no comment export and is refused with a line saying what it holds:
before this, such a file was read as a text dump and its quoted lines came out as "comments"
and were scored.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from moderation.documents import Comment, ParseResult
from moderation.errors import InputError, ParseError
from moderation.parse.tabular import TabularColumns, TabularReject, collect_rows, row_comment

_WRAPPERS = ("comments", "items", "data", "results", "response", "records", "rows")
_CHUNK = 1 << 20  # characters read at a time
MAX_ITEM_CHARS = 256 << 20  # one item bigger than this (or never closed) is refused
_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def looks_like_json(text: str, source: str) -> bool:
    """A ``.json`` file, or content that opens as a JSON array or object does."""
    head = text.lstrip("\ufeff \t\r\n")[:1]
    return source.lower().endswith(".json") or head in ("[", "{")


def _records(doc: Any) -> list[Any] | None:
    """The list of comment objects the document holds, or None."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = {k: v for k, v in doc.items() if isinstance(v, list)}
        for key in _WRAPPERS:
            if key in lists:
                return lists[key]
        if len(lists) == 1 and len(doc) <= 3:  # {"comments": [...], "count": 12}
            return next(iter(lists.values()))
    return None


def _kind(doc: Any) -> str:
    if isinstance(doc, dict):
        keys = ", ".join(repr(k)[:40] for k in list(doc)[:3])
        return f"an object with {len(doc)} key(s) ({keys}{', ...' if len(doc) > 3 else ''})"
    if isinstance(doc, list):
        return f"a list of {len(doc)} item(s), none of them an object"
    return f"a single {type(doc).__name__} value"


def _refused(source: str, what: str, columns: TabularColumns) -> InputError:
    return InputError(
        f"{source}: a JSON document but no comment export: it holds {what}; expected a list "
        f"of comment objects (a JSON array, or JSON Lines), each with a {columns.text!r} field")


def _comments(items: Iterable[tuple[int, Any]], cols: TabularColumns, source: str,
              reject: Callable[[TabularReject], None]) -> Iterator[tuple[str | None, Comment]]:
    """(article key, comment) of each object item; every other item is a reject. Raises
    InputError at the end when no item was an object (no comment export)."""
    position = 0
    count = 0
    objects = 0
    for number, item in items:
        count = number
        if not isinstance(item, dict):
            reject(TabularReject(number, "not a JSON object", source, unit="item"))
            continue
        objects += 1
        key, comment = row_comment(item, cols, position, cols.parent in item)
        if isinstance(comment, str):
            reject(TabularReject(number, comment, source, unit="item"))
            continue
        position += 1
        yield key, comment
    if not objects:
        raise _refused(source, f"a list of {count} item(s), none of them an object", cols)


def _array_items(text: IO[str], source: str) -> Iterator[tuple[int, Any]]:
    """(number, value) of each item of the JSON array ``text`` holds, one at a time: only the
    item being decoded is held, never the whole array."""
    buf, pos, line, number = "", 0, 1, 0  # ``line``: the line of buf[0]

    def more(size: int) -> bool:
        nonlocal buf, pos, line
        chunk = text.read(size)
        if not chunk:
            return False
        if pos > _CHUNK:  # drop what was decoded
            line += buf.count("\n", 0, pos)
            buf, pos = buf[pos:], 0
        buf += chunk
        return True

    def fail(msg: str, at: int) -> ParseError:
        where = line + buf.count("\n", 0, at)
        return ParseError(f"malformed JSON in item {number + 1}: {msg}", source=source,
                          position=f"line {where}")

    def skip_space() -> bool:
        """Past blanks; False at the end of the input."""
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            if pos < len(buf) or not more(_CHUNK):
                return pos < len(buf)

    def decode() -> tuple[Any, int]:
        """The value at ``pos``, reading on while it may be cut by the end of what was read
        (doubling the read, up to MAX_ITEM_CHARS)."""
        size = _CHUNK
        while True:
            try:
                value, end = _DECODER.raw_decode(buf, pos)
                # taken once the separator after it is read: a number cut by the read
                # ("12|34", "2550690257.|39") decodes as a shorter one
                after = end
                while after < len(buf) and buf[after] in _SPACE:  # (no copy of the buffer)
                    after += 1
                if (after < len(buf) and buf[after] in ",]") or not more(size):
                    return value, end
            except json.JSONDecodeError as exc:
                # cut by the read: an open string, or a token at its end ("tr", "-", "\\u00")
                cut = exc.msg.startswith("Unterminated string") or len(buf) - exc.pos <= 16
                if not cut or len(buf) - pos > MAX_ITEM_CHARS or not more(size):
                    raise fail(exc.msg, exc.pos) from exc
            except RecursionError as exc:
                raise fail("nested too deeply; refused", pos) from exc
            size *= 2

    skip_space()
    pos += 1  # the "[" (iter_json saw it)
    while True:
        if not skip_space():
            raise fail("the array is not closed (a truncated file?)", pos)
        if buf[pos] == "]":
            pos += 1
            if skip_space():
                raise fail("more data after the array", pos)
            return
        if number:
            if buf[pos] != ",":
                raise fail("expected ',' or ']' after an item", pos)
            pos += 1
            if not skip_space():
                raise fail("the array is not closed (a truncated file?)", pos)
        value, pos = decode()
        number += 1
        yield number, value


def _text_of(raw: IO[bytes]) -> IO[str]:
    head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
        else "utf-8-sig"
    # surrogateescape: an invalid byte inside a string becomes a marker the row check
    # rejects by name; outside a string it is malformed JSON
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


class _Rest(io.TextIOBase):
    """A text stream that gives ``first`` and then the rest of ``stream``."""

    def __init__(self, first: str, stream: IO[str]) -> None:
        self._first, self._stream = first, stream

    def read(self, size: int | None = -1) -> str:
        if self._first:
            out, self._first = self._first, ""
            return out
        return self._stream.read(size)


class _NotJson(Exception):
    """The text is no JSON, and its name does not say it is."""


def _document_rows(text: str, source: str, cols: TabularColumns,
                   reject: Callable[[TabularReject], None], *, named: bool = True
                   ) -> Iterator[tuple[str | None, Comment]]:
    """The comments of a whole JSON document (or of JSON Lines in a ``.json`` file)."""
    from moderation.parse.tabular import iter_tabular

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip("\ufeff \t\r\n")[:1] == "{":
            data = text.encode("utf-8", "surrogateescape")
            yield from iter_tabular(io.BufferedReader(io.BytesIO(data)), "jsonl", cols, reject,
                                    source=source)
            return
        if not named:
            raise _NotJson from exc
        raise ParseError(f"malformed JSON at column {exc.colno}: {exc.msg}", source=source,
                         position=f"line {exc.lineno}") from exc
    except RecursionError as exc:
        raise ParseError("malformed JSON: nested too deeply; refused", source=source) from exc
    records = _records(doc)
    if records is None:
        raise _refused(source, _kind(doc), cols)
    yield from _comments(enumerate(records, start=1), cols, source, reject)


def iter_json(raw: IO[bytes], cols: TabularColumns, source: str,
              reject: Callable[[TabularReject], None]) -> Iterator[tuple[str | None, Comment]]:
    """Stream (article key, comment) from a ``.json`` export: a top-level array item by item,
    JSON Lines as JSON Lines, an object holding the array read whole."""
    text = _text_of(raw)
    start = text.read(_CHUNK)
    head = start.lstrip(_SPACE)[:1]
    if not head:
        raise InputError(f"{source}: file is empty")
    if head == "[":
        yield from _comments(_array_items(_Rest(start, text), source), cols, source, reject)
    else:
        yield from _document_rows(start + text.read(), source, cols, reject)


def parse_json_document(text: str, source: str, columns: TabularColumns) -> ParseResult | None:
    """The comments of a JSON document; None where ``text`` is no JSON and the name does not
    say it is (then it is a text dump that happens to open with a bracket)."""
    rejects: list[TabularReject] = []
    named = source.lower().endswith(".json")
    try:
        return collect_rows(_document_rows(text, source, columns, rejects.append, named=named),
                            "jsonl", source, rejects, [])
    except _NotJson:
        return None
