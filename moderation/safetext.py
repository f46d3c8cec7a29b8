"""Untrusted text made safe to show and to match: control characters visible, names normalized."""

from __future__ import annotations

import unicodedata

# Characters that reorder or hide text (bidi overrides/isolates, zero-width, soft hyphen).
_INVISIBLE = {
    "\u200b": "ZWSP", "\u200c": "ZWNJ", "\u200d": "ZWJ", "\u2060": "WJ", "\ufeff": "BOM",
    "\u00ad": "SHY", "\u200e": "LRM", "\u200f": "RLM", "\u061c": "ALM",
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
}


def visible(text: str, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with every control, bidi and invisible character replaced by a marker.

    C0/C1 controls become U+2400-style pictures or ``<U+XXXX>``; bidi and zero-width
    characters become ``<RLO>``-style tags. Nothing here can move the cursor, set a title,
    write the clipboard or reorder the line in a terminal.
    """
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\t":
            out.append("    ")
        elif code < 0x20:
            out.append(chr(0x2400 + code))  # ␀ ␇ ␛ ...
        elif code == 0x7F:
            out.append("\u2421")  # ␡
        elif 0x80 <= code <= 0x9F:
            out.append(f"<U+{code:04X}>")
        elif ch in _INVISIBLE:
            out.append(f"<{_INVISIBLE[ch]}>")
        elif unicodedata.category(ch) in ("Cf", "Cs", "Co", "Cn") and code > 0xFF:
            out.append(f"<U+{code:04X}>")
        else:
            out.append(ch)
    return "".join(out)


def match_key(name: str | None) -> str | None:
    """A normalized form of an author name for matching: NFKC, invisibles removed, casefolded."""
    if name is None:
        return None
    folded = unicodedata.normalize("NFKC", name)
    folded = "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cf", "Cc"))
    folded = " ".join(folded.split()).casefold()
    return folded or None
