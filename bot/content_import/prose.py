"""Questions in plain text and Markdown notes, in the shapes people write them.

Shapes understood:

- `Q:` / `A:` markers, also `Q1.`, `Q-1:`, `Question 3:`, with `A:`, `Ans:`,
  `Answer:` (the answer may start on the marker line or below it);
- numbered questions (`1.` / `1)`) with the answer in the following paragraphs;
- headings as questions (`## What is a CDN?`) with the body as answer;
- bullets written as `- question? answer`;
- plain lines ending in `?` (or starting "Explain", "Describe", "Compare"...)
  followed by their answer;
- a marker line such as "Answer" or "Reference answer" between question and
  answer: text above it belongs to the question, text below to the answer.

Which shape starts a question is decided once per document, so that a
numbered list or a rhetorical question inside an answer stays in the answer:
if any `Q:` marker is present, markers win; otherwise the shape with the most
question-looking lines wins (ties: headings, numbers, bullets, plain lines).

Fenced code blocks are copied verbatim. Page furniture (see junk.py) is
skipped wherever it appears; other text outside any question is skipped too,
with the reason recorded.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from bot.content_import.prose_lines import (
    FENCE,
    Line,
    classify,
    clean_question,
    looks_like_question,
    margin,
    split_bullet,
    trim_blank,
)
from bot.content_import.records import Candidate, Parsed, Skipped

_REFERS_TO_CODE = re.compile(
    r":$|\b(this|the following|below|above)\s+(code|snippet|function|query|program|script|handler|test|config)\b|"
    r"\bwhat does (this|it) (print|return|output)\b|\b(bug|wrong)\b",
    re.I,
)
STYLES = ("heading", "numbered", "bullet", "plain")  # tie order after markers


@dataclass
class _Block:
    line: int
    head: list[str]
    body: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)
    indent: int = 0
    level: int = 0
    head_open: bool = True
    marked: bool = False
    gap: bool = False  # a blank line separates the question from the text below it


def parse_prose(text: str) -> Parsed:
    lines = classify(text)
    return _Reader(lines, choose_style(lines)).read()


def choose_style(lines: list[Line]) -> str:
    if any(line.kind == "q_marker" for line in lines):
        return "marker"
    counts = {style: 0 for style in STYLES}
    previous = "blank"
    for line in lines:
        for style in STYLES:
            if _starts_question(line, style, previous):
                counts[style] += 1
        previous = line.kind
    best = max(counts.values())
    return next(style for style in STYLES if counts[style] == best) if best else "plain"


def _starts_question(line: Line, style: str, previous: str) -> bool:
    if style == "marker":
        return line.kind == "q_marker"
    if style == "heading":
        return line.kind == "heading" and looks_like_question(line.text)
    if style == "numbered":
        return line.kind == "numbered" and margin(line) <= 3 and looks_like_question(line.text)
    if style == "bullet":
        return line.kind == "bullet" and margin(line) <= 1 and split_bullet(line.text) is not None
    return line.kind == "text" and previous not in ("text", "numbered", "bullet", "code") and looks_like_question(line.text)


class _Reader:
    def __init__(self, lines: list[Line], style: str) -> None:
        self.lines = lines
        self.style = style
        self.parsed = Parsed()
        self.current: _Block | None = None
        self.seen_question = False
        self.last_number = 0
        self.inner_number = 0  # the last numbered line read as part of an answer
        self.fence_to_head = False
        self.fence_strip = 0  # columns removed from the lines of the open code block
        self.outside: list[Line] = []  # the latest paragraph of text outside any question
        self.outside_closed = False
        self.previous = "blank"

    def read(self) -> Parsed:
        for index, line in enumerate(self.lines):
            self._take(index, line)
            self.previous = line.kind
        self._finish()
        return self.parsed

    def _take(self, index: int, line: Line) -> None:
        kind, block = line.kind, self.current
        if kind in ("fence", "code"):
            self._code(line)
        elif kind == "blank":
            self.outside_closed = True
            if block is not None:
                if block.head:
                    block.head_open = False
                    block.gap = block.gap or not block.body
                if block.body and block.body[-1][1] != "":
                    block.body.append((line.number, ""))
        elif kind == "separator":
            self._finish()
        elif kind == "junk":
            self._skip(line, line.reason)
        elif kind == "a_bare":
            self._answer_marker(line, None)
        elif kind == "a_inline":
            if block is not None and block.marked:
                self._content(line)
            else:
                self._answer_marker(line, line.text)
        elif _starts_question(line, self.style, self.previous) and self._in_sequence(line):
            self._start(line)
        elif kind == "heading":
            self._heading(index, line)
        else:
            self.inner_number = line.value if line.kind == "numbered" else self.inner_number
            self._content(line)

    def _in_sequence(self, line: Line) -> bool:
        """A numbered line below question 3 numbered 1 or 2, or continuing the list just above it, is answer text."""
        if line.kind != "numbered" or self.current is None:
            return True
        if self.previous == "numbered" and self.inner_number and line.value == self.inner_number + 1:
            return False
        return line.value >= self.last_number

    def _start(self, line: Line) -> None:
        block = self.current
        if line.kind == "heading" and block is not None and line.level > block.level and not _texts(block.body):
            # a question-looking title over question headings: a section heading, not a question
            self.parsed.skipped.append(Skipped(block.line, "section heading", clean_question("\n".join(block.head))))
            self.current = None
        self._finish()
        self.seen_question = True
        self.outside = []
        self.inner_number = 0
        if line.kind == "bullet":
            question, answer = split_bullet(line.text) or (line.text, "")
            body = [(line.number, answer)] if answer else []
            self.current = _Block(line.number, [question], body, indent=line.indent, head_open=False)
        elif line.kind == "heading":
            self.current = _Block(line.number, [line.text], level=line.level, head_open=False)
        else:
            if line.kind == "numbered":
                self.last_number = line.value
            self.current = _Block(line.number, [line.text] if line.text else [], indent=line.indent if line.kind == "numbered" else 0)

    def _heading(self, index: int, line: Line) -> None:
        block = self.current
        if block is not None and self.style == "heading" and block.level and line.level > block.level:
            self._content(line)
        elif block is not None and self.style != "heading" and not self._section_follows(index):
            self._content(line)
        else:
            self._finish()
            self.last_number = 0
            self._skip(line, "section heading")

    def _section_follows(self, index: int) -> bool:
        """A heading is a section heading when the next real line starts a question or another section."""
        for line in self.lines[index + 1 :]:
            if line.kind in ("blank", "junk", "separator"):
                continue
            return line.kind == "heading" or _starts_question(line, self.style, "blank")
        return True

    def _answer_marker(self, line: Line, first: str | None) -> None:
        block = self.current
        if block is not None and not block.marked:
            # text between the question and "Answer" is part of the question
            if _texts(block.body):
                block.head += [""] if block.gap else []
                block.head += [text.strip() for text in trim_blank([t for _, t in block.body])]
            block.body = [(line.number, first)] if first else []
            block.marked, block.head_open = True, False
            return
        paragraph = self._take_back_paragraph()
        if paragraph:
            self._finish()
            self.seen_question = True
            number, texts = paragraph
            body = [(line.number, first)] if first else []
            self.current = _Block(number, texts, body, marked=True, head_open=False)
        elif first is not None and block is not None:
            self._content(line)
        else:
            self._skip(line, "answer marker without a question")

    def _take_back_paragraph(self) -> tuple[int, list[str]] | None:
        """The paragraph just before a second answer marker is the next question (e.g. one that lacks a "?")."""
        block = self.current
        if block is not None:
            while block.body and not block.body[-1][1].strip():
                block.body.pop()
            start = max((i for i, (_, text) in enumerate(block.body) if not text.strip()), default=-1) + 1
            if start > 0:  # the answer above keeps at least one paragraph
                taken = block.body[start:]
                del block.body[start:]
                return taken[0][0], [text.strip() for _, text in taken]
            return None
        if self.outside:
            lines, self.outside = self.outside, []
            taken = {line.number for line in lines}
            self.parsed.skipped = [s for s in self.parsed.skipped if s.line not in taken]
            return lines[0].number, [line.raw.strip() for line in lines]
        return None

    def _code(self, line: Line) -> None:
        block = self.current
        if block is None:
            self._skip(line, self._outside_reason())
            return
        if line.kind == "fence" and not self._fence_open(block):
            # a block indented under a list item loses that indentation; one at the margin keeps its own
            self.fence_strip = block.indent if margin(line) >= block.indent else 0
        if line.kind == "fence" and not self.fence_to_head and not block.marked and not _texts(block.body):
            # code right after "What does this print?" belongs to the question
            self.fence_to_head = bool(block.head) and bool(_REFERS_TO_CODE.search(block.head[-1].rstrip("*_ ")))
            if self.fence_to_head:
                block.head.append("")
                block.head.append(_dedent_by(line.raw, self.fence_strip))
                block.head_open = False
                return
        if self.fence_to_head:
            block.head.append(_dedent_by(line.raw, self.fence_strip))
            if line.kind == "fence":
                self.fence_to_head = False
            return
        block.body.append((line.number, _dedent_by(line.raw, self.fence_strip)))
        block.head_open = False

    def _fence_open(self, block: _Block) -> bool:
        """Whether a code block is open in this question: an odd number of fences so far."""
        fences = [t for t in block.head if FENCE.match(t)] + [t for _, t in block.body if FENCE.match(t)]
        return len(fences) % 2 == 1

    def _content(self, line: Line) -> None:
        block = self.current
        if block is None:
            self._skip(line, self._outside_reason())
            if self.outside_closed:
                self.outside, self.outside_closed = [], False
            self.outside.append(line)
            return
        if block.head_open and (not block.head or not re.search(r"[?.!:]$", block.head[-1].rstrip("*_ "))) and line.kind in ("text", "q_marker"):
            block.head.append(line.raw.strip())
            return
        block.head_open = False
        self._add_body(block, line)

    def _add_body(self, block: _Block, line: Line) -> None:
        block.body.append((line.number, _dedent_by(line.raw, block.indent)))

    def _outside_reason(self) -> str:
        return "outside any question" if self.seen_question else "before the first question"

    def _skip(self, line: Line, reason: str) -> None:
        self.parsed.skipped.append(Skipped(line.number, reason, line.raw.strip()))

    def _finish(self) -> None:
        block, self.current = self.current, None
        self.fence_to_head = False
        if block is None:
            return
        question = clean_question("\n".join(block.head))
        if not question:
            self.parsed.skipped.append(Skipped(block.line, "empty question", ""))
            return
        answer = tidy_answer([text for _, text in block.body])
        self.parsed.candidates.append(Candidate(question=question, answer=answer, line=block.line))


def tidy_answer(body: list[str]) -> str:
    """Dedent, drop blank lines at either end and runs of blank lines outside code blocks."""
    text = textwrap.dedent("\n".join(body))
    out: list[str] = []
    in_code = False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_code = not in_code
        if not in_code and not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip("\n")


def _dedent_by(raw: str, columns: int) -> str:
    spaces = len(raw) - len(raw.lstrip(" "))
    return raw[min(spaces, columns) :]


def _texts(body: list[tuple[int, str]]) -> bool:
    return any(text.strip() for _, text in body)
