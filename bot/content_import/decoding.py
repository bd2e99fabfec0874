"""Turning an input file's bytes into text without mojibake.

Order: a byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise strict
UTF-8; otherwise Windows-1252, the encoding of text saved by older Windows
editors (curly quotes and dashes are bytes 0x91-0x97 there). Bytes that fit
neither, NUL bytes without a byte-order mark, or many control characters mean
the file is not text.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from bot.content_import.records import NotImportable

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_CONTROL_SHARE = 0.01


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(raw: bytes) -> Decoded:
    """Text with '\\n' line ends, and the name of the encoding it was read as."""
    text, encoding = _decode(raw)
    controls = sum(1 for ch in text if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc")
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise NotImportable("looks like a binary file, not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return Decoded(text, encoding)


def _decode(raw: bytes) -> tuple[str, str]:
    for mark, codec, label in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            try:
                return raw.decode(codec).lstrip("\ufeff"), label
            except UnicodeDecodeError:
                raise NotImportable(f"starts with a {label} byte-order mark but is not {label} text") from None
    if b"\x00" in raw:
        raise NotImportable("looks like a binary file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise NotImportable("is neither UTF-8 nor Windows-1252 text") from None
