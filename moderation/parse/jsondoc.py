"""A whole JSON document given as input (``.json``): a list of comment objects, or refused.

Comment exports come as JSON Lines (one object per line, ``tabular``), and often as one JSON
array of the same objects, or an object holding that array under one key ("comments",
"items", ...). Those are read row by row as JSON Lines are; a reject names the array's item
("item 3"); an item that is no object ("item 4: not a JSON object") is such a reject too, as a
JSON Lines row is, and the good items are read. JSON Lines named ``.json`` are read as JSON
Lines. Any other JSON document (a settings file, a labels file beside the pages, a list with
no object in it) is no comment export and is refused with a line saying what it holds: before
this, such a file was read as a text dump and its quoted lines came out as "comments" and were
scored.
"""

from __future__ import annotations

import json
from typing import Any

from moderation.documents import ParseResult
from moderation.errors import InputError, ParseError

_WRAPPERS = ("comments", "items", "data", "results", "response", "records", "rows")


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


def parse_json_document(text: str, source: str, columns: Any) -> ParseResult | None:
    """The comments of a JSON document; None where ``text`` is no JSON and the name does not
    say it is (then it is a text dump that happens to open with a bracket)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip("\ufeff \t\r\n")[:1] == "{":
            from moderation.parse.tabular import parse_tabular  # JSON Lines named .json
            return parse_tabular(text.encode("utf-8"), source, "jsonl", columns)
        if not source.lower().endswith(".json"):
            return None
        raise ParseError(f"malformed JSON at column {exc.colno}: {exc.msg}", source=source,
                         position=f"line {exc.lineno}") from exc
    except RecursionError as exc:
        raise ParseError("malformed JSON: nested too deeply; refused", source=source) from exc
    records = _records(doc)
    if records is None or not any(isinstance(r, dict) for r in records):
        raise InputError(
            f"{source}: a JSON document but no comment export: it holds {_kind(doc)}; "
            "expected a list of comment objects (a JSON array, or JSON Lines), each with a "
            f"{columns.text!r} field")
    from moderation.parse.tabular import parse_tabular

    # ASCII escapes keep a lone surrogate ("\\ud800") for the row check to reject by name
    lines = "\n".join(json.dumps(r) for r in records).encode("ascii")
    result = parse_tabular(lines, source, "jsonl", columns)
    prefix = f"{source}: line "
    # "item 3: ...": the item's place, without the file's name, which the caller prints
    # beside every warning (as for a text dump's)
    warnings = tuple(f"item {w[len(prefix):]}" if w.startswith(prefix) else w
                     for w in result.warnings)
    return ParseResult(format="jsonl", articles=result.articles, source=source,
                       warnings=warnings, encoding=result.encoding)
