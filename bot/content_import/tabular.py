"""CSV and TSV files, and Anki / Quizlet text exports.

A header row names the columns (question/answer, front/back, q/a,
term/definition; optional topic, tags, difficulty). Without one, the first
column is the question and the second the answer, as in Anki and Quizlet
exports. Anki's leading `#key:value` lines are honoured: `#separator:`,
`#html:`, `#columns:`, `#tags column:`; other header lines are ignored.
HTML in fields becomes Markdown when `#html:true` says so, or, without that
header, when a field contains HTML tags or entities.
"""

from __future__ import annotations

import csv
import io
import re

from bot.content_import.html_fields import html_to_markdown, looks_like_html
from bot.content_import.records import Candidate, NotImportable, Parsed, Skipped

QUESTION_NAMES = ("question", "q", "front", "term", "prompt")
ANSWER_NAMES = ("answer", "a", "back", "definition", "reference answer")
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "colon": ":", "space": " "}
_ANKI_HEADER = re.compile(r"^#([a-z][a-z ]*):(.*)$", re.I)


def parse_tabular(text: str, delimiter: str) -> Parsed:
    """Rows of `text` split on `delimiter` ("," or "\\t"); Anki headers may override it."""
    lines = text.split("\n")
    headers: dict[str, str] = {}
    offset = 0
    while offset < len(lines) and (m := _ANKI_HEADER.match(lines[offset].strip())):
        headers[m.group(1).strip().lower()] = m.group(2).strip()
        offset += 1
    separator = headers.get("separator", "").lower()
    delimiter = _SEPARATORS.get(separator, separator[:1] or delimiter)
    if delimiter == "," and offset == 0 and lines and "," not in lines[0] and ";" in lines[0]:
        delimiter = ";"
    html = {"true": True, "false": False}.get(headers.get("html", "").lower())
    reader = csv.reader(io.StringIO("\n".join(lines[offset:])), delimiter=delimiter)
    columns = _columns_from_headers(headers)
    parsed = Parsed()
    consumed = 0
    try:
        for row in reader:
            first_line = offset + consumed + 1
            consumed = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns = _columns_from_header_row(row)
                if columns is not None:
                    continue
                columns = {"question": 0, "answer": 1}
            _take_row(row, first_line, columns, html, parsed)
    except csv.Error as exc:
        raise NotImportable(f"is not readable as {'CSV' if delimiter == ',' else 'delimited'} text (line {offset + reader.line_num}: {exc})") from None
    return parsed


def _columns_from_headers(headers: dict[str, str]) -> dict[str, int] | None:
    """Column positions from Anki's `#columns:` and `#... column:N` headers, if any."""
    columns: dict[str, int] = {}
    if "columns" in headers:
        columns = _columns_from_header_row(re.split(r"[\t,;|]", headers["columns"]), partial=True)
    reserved = set(columns.values())
    for key in ("tags column", "notetype column", "deck column", "guid column"):
        if headers.get(key, "").isdigit():
            reserved.add(int(headers[key]) - 1)
            if key == "tags column":
                columns["tags"] = int(headers[key]) - 1
    if not reserved:
        return None
    free = (i for i in range(len(reserved) + 3) if i not in reserved)
    for name in ("question", "answer"):
        if name not in columns:
            columns[name] = next(free)
    return columns


def _columns_from_header_row(row: list[str], partial: bool = False) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in row]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in QUESTION_NAMES:
            columns.setdefault("question", index)
        elif name in ANSWER_NAMES:
            columns.setdefault("answer", index)
        elif name in ("topic", "tags", "difficulty"):
            columns.setdefault(name, index)
    return columns if partial or ("question" in columns and "answer" in columns) else None


def _take_row(row: list[str], line: int, columns: dict[str, int], html: bool | None, parsed: Parsed) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    question, answer = _field(cell("question"), html), _field(cell("answer"), html)
    if not question:
        parsed.skipped.append(Skipped(line, "row without a question", " | ".join(c.strip() for c in row)))
        return
    tags = tuple(t for t in re.split(r"[\s,;]+", cell("tags").strip()) if t)
    parsed.candidates.append(
        Candidate(
            question=question,
            answer=answer,
            line=line,
            topic=cell("topic").strip() or None,
            tags=tags,
            difficulty=cell("difficulty").strip() or None,
        )
    )


def _field(value: str, html: bool | None) -> str:
    if html or (html is None and looks_like_html(value)):
        return html_to_markdown(value)
    return value.replace("\r\n", "\n").strip()
