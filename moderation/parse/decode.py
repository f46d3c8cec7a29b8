"""Bytes to text: BOMs, declared charsets, UTF-8, a recorded cp1252 guess, binary refused."""

from __future__ import annotations

import codecs
import re

from moderation.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._-]+)""", re.IGNORECASE)
# Magic numbers of common binary formats that a user might pass by mistake.
_MAGIC = {
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive (or docx/xlsx)",
    b"\x1f\x8b": "gzip archive",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"SQLite format 3": "SQLite database",
    b"\x7fELF": "ELF executable",
    b"BZh": "bzip2 archive",
    b"\xfd7zXZ": "xz archive",
}


# Every byte value except the C0 controls other than tab, newlines, form feed and CR.
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def _bom(data: bytes) -> tuple[str | None, int]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None, 0


def binary_reason(data: bytes) -> str | None:
    """Why these bytes are not text (or None): a known magic number or NUL bytes."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return f"binary file ({what})"
    head = data[:65536]
    if _bom(head)[0] or _utf16_without_bom(head):
        return None
    if b"\x00" in head:
        return "binary file (contains NUL bytes)"
    control = len(head.translate(None, _NOT_CONTROL))
    if head and control / len(head) > 0.1:
        return "binary file (mostly control bytes)"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a BOM: NULs on one side of nearly every byte pair."""
    sample = head[:4096] if len(head) % 2 == 0 else head[:4095]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.9 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.9 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def declared_encoding(data: bytes) -> str | None:
    """The charset an XML declaration or an HTML meta tag names, if Python knows it."""
    head = data[:4096]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, source: str) -> tuple[str, dict[str, object]]:
    """Decode input bytes; returns the text and how it was decoded (``guessed`` when unsure).

    Order: BOM, then a declared charset, then strict UTF-8, then cp1252 (recorded as a guess;
    bytes cp1252 leaves undefined are mapped through latin-1 so nothing is lost).
    """
    if not data.strip():
        raise InputError(f"{source}: file is empty")
    reason = binary_reason(data)
    if reason:
        raise InputError(f"{source}: {reason}; expected text, HTML, XML, CSV or JSONL")
    bom, skip = _bom(data)
    if bom:
        try:
            text = data[skip:].decode(bom)
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: invalid {bom} after its byte-order mark "
                             f"(byte {exc.start + skip})") from exc
        if not text.strip():
            raise InputError(f"{source}: file is empty (a byte-order mark and no text)")
        return text, {"encoding": bom, "guessed": False, "bom": True}
    utf16 = _utf16_without_bom(data[:65536])
    if utf16:
        try:
            return data.decode(utf16), {"encoding": utf16, "guessed": True,
                                        "reason": "no BOM; NUL byte pattern of UTF-16"}
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: looks like {utf16} without a BOM but is not valid "
                             f"(byte {exc.start})") from exc
    declared = declared_encoding(data)
    if declared and declared not in ("utf-8", "ascii"):
        try:
            return data.decode(declared), {"encoding": declared, "guessed": False}
        except UnicodeDecodeError:
            pass  # a wrong declaration: fall through to UTF-8 and the recorded guess
    try:
        return data.decode("utf-8"), {"encoding": "utf-8", "guessed": False}
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Bytes that are not UTF-8 are read as cp1252 one run at a time, so a file mixing UTF-8
    # and Latin-1/cp1252 keeps both halves readable.
    text = data.decode("utf-8", errors=_CP1252_FALLBACK)
    note: dict[str, object] = {
        "encoding": "cp1252", "guessed": True,
        "reason": f"not valid UTF-8 (first bad byte at offset {first_bad}); "
                  "invalid bytes read as cp1252, valid UTF-8 kept",
    }
    if declared:
        note["declared"] = declared
    return text, note


def _cp1252_handler(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start:exc.end]
    # cp1252 leaves five bytes undefined; latin-1 maps them to the same code points.
    return "".join(_cp1252_byte(b) for b in chunk), exc.end


def _cp1252_byte(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)


_CP1252_FALLBACK = "moderation-cp1252"
codecs.register_error(_CP1252_FALLBACK, _cp1252_handler)
