"""Which parser reads a file: by --format, else by extension, else by sniffing the content.

Extension first (.md, .txt, .csv, .tsv, .json, .yaml/.yml). A .txt file is
also sniffed, because Anki and Quizlet export tab-separated .txt files.
Without a known extension: JSON if it parses as JSON, TSV for Anki headers
or tab-separated lines, CSV for a question/answer header row, YAML for a
list of mappings; anything else is read as Markdown / plain text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from bot.content_import.prose import parse_prose
from bot.content_import.records import Parsed
from bot.content_import.structured import parse_json, parse_yaml
from bot.content_import.tabular import ANSWER_NAMES, QUESTION_NAMES, parse_tabular

FORMATS = ("auto", "markdown", "text", "csv", "tsv", "json", "yaml")
EXTENSIONS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
}
_ANKI_HEADER = re.compile(r"^#(separator|html|columns|tags column|notetype|notetype column|deck|deck column|guid column):", re.I)
_CELL_SPLIT = re.compile(r"[,;\t]")


def detect_format(path: Path, text: str) -> str:
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension == "text":
        return "tsv" if _is_tab_separated(text) else "text"
    return by_extension or sniff_format(text)


def sniff_format(text: str) -> str:
    stripped = text.lstrip()
    if stripped[:1] in "[{":
        try:
            json.loads(text)
            return "json"
        except ValueError:
            pass
    if _is_tab_separated(text):
        return "tsv"
    first = next((line for line in text.split("\n") if line.strip()), "")
    cells = {cell.strip().strip('"').lower() for cell in _CELL_SPLIT.split(first)}
    if "," in first and cells & set(QUESTION_NAMES) and cells & set(ANSWER_NAMES):
        return "csv"
    if _is_yaml_list(text):
        return "yaml"
    return "markdown"


def parse(text: str, fmt: str) -> Parsed:
    if fmt in ("markdown", "text"):
        return parse_prose(text)
    if fmt == "csv":
        return parse_tabular(text, ",")
    if fmt == "tsv":
        return parse_tabular(text, "\t")
    if fmt == "json":
        return parse_json(text)
    if fmt == "yaml":
        return parse_yaml(text)
    raise ValueError(f"unknown format {fmt!r}")


def _is_tab_separated(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and _ANKI_HEADER.match(lines[0]):
        return True
    rows = [line for line in lines if not line.startswith("#")]
    with_tab = [line for line in rows if re.match(r"^[^\t]+\t", line)]
    return bool(rows) and len(with_tab) >= 0.8 * len(rows)


def _is_yaml_list(text: str) -> bool:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, list) and bool(data) and all(isinstance(item, dict) for item in data)
