"""Reading each input file into questions, or a clear reason why it cannot be imported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content_import.decoding import decode
from bot.content_import.formats import detect_format, parse
from bot.content_import.records import NotImportable, Parsed


@dataclass
class Source:
    path: Path
    fmt: str
    encoding: str
    parsed: Parsed

    @property
    def name(self) -> str:
        return str(self.path)


def read_source(path: Path, fmt: str = "auto") -> Source:
    """Raise NotImportable with a message meant for the person running the import."""
    if not path.exists():
        raise NotImportable("no such file")
    if path.is_dir():
        raise NotImportable("is a directory; name the files inside it")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotImportable(f"cannot be read ({exc.strerror})") from None
    decoded = decode(raw)
    if not decoded.text.strip():
        raise NotImportable("is empty")
    chosen = detect_format(path, decoded.text) if fmt == "auto" else fmt
    parsed = parse(decoded.text, chosen)
    if not parsed.candidates:
        hint = "" if fmt != "auto" else "; if it is another format, say which with --format"
        raise NotImportable(f"no questions found (read as {chosen}){hint}")
    return Source(path, chosen, decoded.encoding, parsed)
