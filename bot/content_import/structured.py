"""JSON and YAML lists of question objects.

Each object needs a question (key `question`, `front`, `q`, `term` or
`prompt`) and may have an answer (`answer`, `back`, `a`, `definition`), a
`topic`, `tags` (a list or a comma-separated string) and a `difficulty`.
The list may also sit under a top-level `questions` or `cards` key.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.content_import.records import Candidate, NotImportable, Parsed, Skipped
from bot.content_import.tabular import ANSWER_NAMES, QUESTION_NAMES

LIST_KEYS = ("questions", "cards", "items", "entries")


def parse_json(text: str) -> Parsed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotImportable(f"is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    items, key = _find_list(data, "JSON")
    return _from_items(items, _json_item_lines(text, key))


def parse_yaml(text: str) -> Parsed:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise NotImportable(f"is not valid YAML ({getattr(exc, 'problem', None) or exc}{where})") from None
    items, key = _find_list(data, "YAML")
    node = root
    if key is not None and isinstance(root, MappingNode):
        node = next(v for k, v in root.value if isinstance(k, ScalarNode) and k.value == key)
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, SequenceNode) else []
    return _from_items(items, lines)


def _find_list(data: Any, label: str) -> tuple[list, str | None]:
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                return data[key], key
    raise NotImportable(f"is {label} but not a list of questions (expected [{{\"question\": ..., \"answer\": ...}}, ...])")


def _from_items(items: list, lines: list[int]) -> Parsed:
    parsed = Parsed()
    for index, item in enumerate(items):
        line = lines[index] if len(lines) == len(items) else 1
        if not isinstance(item, dict):
            parsed.skipped.append(Skipped(line, "not a question object", _short(item)))
            continue
        fields = {str(k).strip().lower(): v for k, v in item.items()}
        question = _text(next((fields[k] for k in QUESTION_NAMES if k in fields), None))
        answer = _text(next((fields[k] for k in ANSWER_NAMES if k in fields), None))
        if not question:
            parsed.skipped.append(Skipped(line, "entry without a question", _short(item)))
            continue
        tags = fields.get("tags") or ()
        if isinstance(tags, str):
            tags = [t for t in tags.replace(";", ",").split(",")]
        parsed.candidates.append(
            Candidate(
                question=question,
                answer=answer,
                line=line,
                topic=_text(fields.get("topic")) or None,
                tags=tuple(str(t).strip() for t in tags if str(t).strip()) if isinstance(tags, (list, tuple)) else (),
                difficulty=_text(fields.get("difficulty")) or None,
            )
        )
    return parsed


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _short(item: Any) -> str:
    text = json.dumps(item, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _json_item_lines(text: str, key: str | None) -> list[int]:
    """The line on which each element of the question list starts."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if key is not None:  # the list is the value of `key` in the top-level object
        pos = _skip_space(text, pos + 1)
        while text[pos] != "}":
            name, pos = decoder.raw_decode(text, pos)
            pos = _skip_space(text, _skip_space(text, pos) + 1)  # past ':'
            if name == key:
                break
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip_space(text, pos)
            pos = _skip_space(text, pos + 1) if text[pos] == "," else pos
    lines = []
    pos = _skip_space(text, pos + 1)  # past '['
    while text[pos] != "]":
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos)
        pos = _skip_space(text, pos + 1) if text[pos] == "," else pos
    return lines


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
