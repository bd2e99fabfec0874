"""Bank files as a maintainer would write them: fields in schema order, block scalars for long text.

Multi-line questions and answers use `|` blocks, and so does a one-line one
that plain YAML would misread (a colon, a leading quote...); other text is
written plain when YAML reads it back unchanged, otherwise double-quoted. Questions are separated
by a blank line. The output is a pure function of the entries, so
re-importing the same notes produces identical bytes.
"""

from __future__ import annotations

import json
from dataclasses import replace

import yaml

from bot.question_bank import Question


# An imported question is a bank Question that has not been read from a file yet.
Entry = Question


def entry_from_question(question: Question) -> Entry:
    """A question read from a bank file, without its file position, to compare with a fresh import."""
    return replace(question, source="", line=0)


def render_file(entries: list[Entry], comment: list[str]) -> str:
    header = "".join(f"# {line}\n" for line in comment)
    return header + "\n".join(render_entry(entry) for entry in entries)


def render_entry(entry: Entry) -> str:
    lines = [
        f"- id: {_scalar(entry.id)}",
        f"  topic: {_scalar(entry.topic)}",
        f"  tags: [{', '.join(_scalar(tag) for tag in entry.tags)}]",
        f"  difficulty: {entry.difficulty}",
        f"  kind: {_scalar(entry.kind)}",
        *_text_field("question", entry.question),
        *_text_field("answer", entry.answer),
        *_list_field("key_points", entry.key_points, always=True),
        *_list_field("follow_ups", entry.follow_ups),
        *_list_field("references", entry.references),
    ]
    if entry.draft:
        lines.append("  draft: true")
    if entry.imported_from:
        lines.append(f"  imported_from: {_scalar(entry.imported_from)}")
    return "\n".join(lines) + "\n"


def _text_field(key: str, value: str) -> list[str]:
    plain = _scalar(value)
    if ("\n" in value or plain.startswith('"')) and value and _block_safe(value):
        body = [f"    {line}" if line else "" for line in value.split("\n")]
        return [f"  {key}: |", *body]
    return [f"  {key}: {plain}"]


def _list_field(key: str, values: tuple[str, ...], always: bool = False) -> list[str]:
    if not values:
        return [f"  {key}: []"] if always else []
    return [f"  {key}:", *(f"    - {_scalar(value)}" for value in values)]


def _scalar(value: str) -> str:
    """Plain when YAML reads the text back unchanged, else a double-quoted (JSON-escaped) string."""
    if value and "\n" not in value and value == value.strip() and not value.startswith(("[", "{", "*", "&", "!", "|", ">", "%", "@", "`", "'", '"', "#", "?", "-", ":")):
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value} and yaml.safe_load(f"- {value}") == [value]:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _block_safe(value: str) -> bool:
    """A `|` block keeps the text exactly (after the bank strips it) unless it starts with indentation."""
    lines = value.split("\n")
    if not lines[0].strip() or lines[0][:1].isspace():
        return False
    if any(ch in value for ch in "\r\x85\u2028\u2029\ufeff"):
        return False
    try:
        return yaml.safe_load("k: |\n" + "\n".join(f"  {line}" if line else "" for line in lines))["k"].strip() == value.strip()
    except yaml.YAMLError:
        return False
