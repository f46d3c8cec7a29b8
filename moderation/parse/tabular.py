"""CSV and JSONL files of comments, streamed row by row; bad rows rejected with a reason."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from moderation.documents import Article, Comment, ParseResult
from moderation.errors import InputError
from moderation.parse.decode import binary_reason
from moderation.parse.xmlsafe import OVERSIZE_CHARS

_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Allow the largest single cell Python's csv module can hold (an 11 MB comment is data).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class TabularColumns:
    """Which CSV column or JSON key holds each field."""

    text: str = "text"
    author: str = "author"
    id: str = "id"
    article: str = "article"
    parent: str = "parent"
    date: str = "date"


@dataclass(frozen=True)
class TabularReject:
    """A row that was not read as a comment: where it is and why."""

    line: int
    reason: str
    source: str = ""
    unit: str = "line"  # "item": the place in a JSON array

    @property
    def code(self) -> str:
        """A short stable code for counting: no_text, invalid_utf8, malformed_json,
        malformed_csv, not_text."""
        low = self.reason.lower()
        for needle, code in (("no text", "no_text"), ("utf-8", "invalid_utf8"),
                             ("surrogate", "invalid_utf8"), ("malformed json", "malformed_json"),
                             ("json object", "malformed_json"), ("malformed csv", "malformed_csv"),
                             ("more cell", "malformed_csv"), ("not text", "not_text")):
            if needle in low:
                return code
        return "other"

    def __str__(self) -> str:
        return f"{self.source}: {self.unit} {self.line}: {self.reason}"


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def row_comment(row: dict[str, Any], cols: TabularColumns, position: int,
                has_parent: bool) -> tuple[str | None, Comment | str]:
    """(article key, comment) or (None, reason) for one row."""
    raw = row.get(cols.text)
    if isinstance(raw, (dict, list)):
        return None, f"column {cols.text!r} is not text"
    text = _cell(raw)
    if not text:
        return None, f"no text in column {cols.text!r}"
    for key in (cols.text, cols.author):
        value = row.get(key)
        if isinstance(value, str) and _SURROGATE.search(value):
            return None, f"invalid UTF-8 or lone surrogate in {key!r}"
    parent = _cell(row.get(cols.parent))
    return _cell(row.get(cols.article)), Comment(
        text=text.replace("\r\n", "\n"), author=_cell(row.get(cols.author)),
        date=_cell(row.get(cols.date)), id=_cell(row.get(cols.id)),
        parent=None if parent in (None, "0") else parent, parent_known=has_parent,
        position=position, flags=("oversize",) if len(text) > OVERSIZE_CHARS else (),
    )


def _text_stream(raw: IO[bytes], source: str,
                 warn: Callable[[str], None]) -> IO[str]:
    head = raw.peek(65536)[:65536] if hasattr(raw, "peek") else b""
    encoding = "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Not UTF-8, and no UTF-8 character anywhere in the head: a cp1252 file (Excel and
            # older tools). With UTF-8 characters around, it is a UTF-8 file with damaged rows,
            # which are rejected one by one.
            if exc.start < len(head) - 3 and not _UTF8_MULTIBYTE.search(head):
                warn(f"{source}: not UTF-8 (first bad byte at offset {exc.start}); read as "
                     "cp1252, a guess")
                encoding = "cp1252"
    # surrogateescape: an invalid byte becomes a marker the row check rejects, not a crash
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


class _RawLines:
    """The physical lines behind each CSV record, to spot a record cut inside its quotes."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.taken: list[str] = []

    def __iter__(self) -> _RawLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line

    def record(self) -> str:
        raw, self.taken = "".join(self.taken), []
        return raw


def _iter_csv(raw: IO[bytes], cols: TabularColumns, source: str,
              reject: Callable[[TabularReject], None],
              warn: Callable[[str], None]) -> Iterator[tuple[str | None, Comment]]:
    text = _text_stream(raw, source, warn)
    sample = text.readline()
    if not sample.strip():
        raise InputError(f"{source}: file is empty")
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    lines = _RawLines(_chain(sample, text))
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = reader.fieldnames or []
    lines.record()
    if cols.text not in header:
        raise InputError(f"{source}: no {cols.text!r} column; the header has "
                         f"{', '.join(map(repr, header)) or 'no columns'} (name the text column "
                         "with the columns option)")
    has_parent = cols.parent in header
    position = 0
    line = 1
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if lines.record().count('"') % 2:
                # csv accepts an unterminated quote at the end of data: the file was cut
                reject(TabularReject(start, "malformed CSV: the file ends inside a quoted "
                                     "field (truncated?)", source))
                continue
            if None in row:
                reject(TabularReject(start, f"{len(row[None])} more cell(s) than the header",
                                     source))
                continue
            key, comment = row_comment(row, cols, position, has_parent)
            if isinstance(comment, str):
                reject(TabularReject(start, comment, source))
                continue
            position += 1
            yield key, comment
    except csv.Error as exc:
        reject(TabularReject(line + 1, f"malformed CSV: {exc}; the rest of the file skipped",
                             source))


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _iter_jsonl(raw: IO[bytes], cols: TabularColumns, source: str,
                reject: Callable[[TabularReject], None]) -> Iterator[tuple[str | None, Comment]]:
    position = 0
    seen = False
    lines: Iterator[bytes] | IO[bytes] = raw
    if (raw.peek(2)[:2] if hasattr(raw, "peek") else b"") in (codecs.BOM_UTF16_LE,
                                                               codecs.BOM_UTF16_BE):
        # Honour a UTF-16 BOM; a bad code unit becomes an escape the JSON decoder rejects.
        lines = (line.encode("utf-8", "surrogatepass") for line in io.TextIOWrapper(
            raw, encoding="utf-16", errors="backslashreplace", newline="\n"))
    for number, data in enumerate(lines, start=1):
        if number == 1:
            data = data.removeprefix(codecs.BOM_UTF8)
        if not data.strip():
            continue
        seen = True
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            reject(TabularReject(number, f"invalid UTF-8 at byte {exc.start}", source))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reject(TabularReject(number, f"malformed JSON at column {exc.colno}: {exc.msg}",
                                 source))
            continue
        except RecursionError:  # json's C scanner recurses once per nesting level
            reject(TabularReject(number, "malformed JSON: nested too deeply; refused", source))
            continue
        if not isinstance(record, dict):
            reject(TabularReject(number, "not a JSON object", source))
            continue
        key, comment = row_comment(record, cols, position, cols.parent in record)
        if isinstance(comment, str):
            reject(TabularReject(number, comment, source))
            continue
        position += 1
        yield key, comment
    if not seen:
        raise InputError(f"{source}: file is empty")


def iter_tabular(path_or_stream: str | Path | IO[bytes], fmt: str,
                 columns: TabularColumns | None = None,
                 on_reject: Callable[[TabularReject], None] | None = None,
                 *, source: str | None = None,
                 on_warning: Callable[[str], None] | None = None,
                 ) -> Iterator[tuple[str | None, Comment]]:
    """Stream (article key, comment) from a CSV or JSONL file in bounded memory (``json``: a
    ``.json`` export, whose top-level array is streamed item by item; ``jsondoc``).

    Bad rows (no text, invalid UTF-8, malformed JSON, extra cells) are not yielded: each goes to
    ``on_reject`` with its line number and reason, so a batch can count and report skips.
    ``on_warning`` hears about the file as a whole (a CSV that is not UTF-8 is read as cp1252,
    and that guess is reported there).
    Raises InputError for a missing, empty or binary file or a missing text column.
    """
    if fmt not in ("csv", "jsonl", "json"):
        name = source or str(getattr(path_or_stream, "name", path_or_stream))
        raise InputError(f"{name}: unknown tabular format {fmt!r}; use csv or jsonl")
    cols = columns or TabularColumns()
    reject = on_reject or (lambda _r: None)
    if isinstance(path_or_stream, (str, Path)):
        source = source or str(path_or_stream)
        try:
            raw: IO[bytes] = open(path_or_stream, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror})") from exc
    else:
        raw = path_or_stream
        source = source or str(getattr(path_or_stream, "name", "<stream>"))
    try:
        buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[type-var]
        reason = binary_reason(buffered.peek(65536)[:65536])
        if reason:
            raise InputError(f"{source}: {reason}; expected {fmt.upper()}")
        if fmt == "csv":
            yield from _iter_csv(buffered, cols, str(source), reject,
                                 on_warning or (lambda _w: None))
        elif fmt == "json":  # a JSON array, streamed item by item (jsondoc)
            from moderation.parse.jsondoc import iter_json
            yield from iter_json(buffered, cols, str(source), reject)
        else:
            yield from _iter_jsonl(buffered, cols, str(source), reject)
    finally:
        if isinstance(path_or_stream, (str, Path)):
            raw.close()


def collect_rows(rows: Iterator[tuple[str | None, Comment]], fmt: str, source: str,
                 rejects: list[TabularReject], notes: list[str]) -> ParseResult:
    groups: dict[str | None, list[Comment]] = {}
    for key, comment in rows:
        groups.setdefault(key, []).append(comment)
    articles = tuple(Article(id=key, comments=tuple(comments)) for key, comments in groups.items())
    encoding: dict[str, object] = {"encoding": "utf-8", "guessed": False}
    if any("cp1252" in n for n in notes):
        encoding = {"encoding": "cp1252", "guessed": True, "reason": "not valid UTF-8"}
    return ParseResult(format=fmt, articles=articles, source=source,
                       warnings=tuple(notes) + tuple(str(r) for r in rejects), encoding=encoding)


def parse_tabular(data: bytes, source: str, fmt: str, columns: TabularColumns) -> ParseResult:
    """Parse CSV/JSONL bytes into one Article per article key (None when there is no key)."""
    rejects: list[TabularReject] = []
    notes: list[str] = []
    stream = io.BufferedReader(io.BytesIO(data))
    rows = iter_tabular(stream, fmt, columns, rejects.append, source=source,
                        on_warning=notes.append)
    return collect_rows(rows, fmt, source, rejects, notes)


def parse_tabular_path(path: Path, fmt: str, columns: TabularColumns) -> ParseResult:
    """Parse a CSV/JSONL file, reading it row by row."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    rejects: list[TabularReject] = []
    notes: list[str] = []
    rows = iter_tabular(path, fmt, columns, rejects.append, on_warning=notes.append)
    return collect_rows(rows, fmt, str(path), rejects, notes)
