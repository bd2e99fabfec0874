"""What each line of a text or Markdown document is: heading, list item, question or answer marker, ...

Code inside fenced blocks is marked as code and never interpreted. Page
furniture is recognised here too (see junk.py), so it is never taken for a
question or glued into an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content_import.junk import junk_reason

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_SEPARATOR = re.compile(r"^\s{0,3}(([-*_])(\s*\2){2,}|={3,})\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$")
_EMPH = r"(?:\*\*|__|\*|_)?"
_QUALIFIER = r"(?:(?:reference|model|sample|suggested|expected|example|possible|short|full|our|my)\s+)?"
_Q_MARKER = re.compile(rf"^\s*{_EMPH}(?:q|question)(?:\s*[-#]?\s*\d+)?\s*[:.)]{_EMPH}(?:\s+(.*))?$", re.I)
_A_BARE = re.compile(rf"^\s*(?:#{{1,6}}\s+)?(?:>\s*)?{_EMPH}{_QUALIFIER}(?:answer|ans|a)(?:\s*[-#]?\s*\d+)?\s*[:.]?{_EMPH}\s*:?\s*$", re.I)
_A_INLINE = re.compile(rf"^\s*{_EMPH}{_QUALIFIER}(?:answer|ans|a)(?:\s*[-#]?\s*\d+)?\s*[:.\-–—]{_EMPH}\s+(\S.*)$", re.I)
_NUMBERED = re.compile(r"^(\s*)((?:\*\*|__)?\d{1,3}[.)]\s+)(.*)$")
_BULLET = re.compile(r"^(\s*)([-*+•]\s+)(.*)$")
_LEADING_LABEL = re.compile(r"^(?:(?:q|question)(?:\s*[-#]?\s*\d+)?\s*[:.)]|\d{1,3}[.)])\s+", re.I)
_IMPERATIVE = re.compile(
    r"^(explain|describe|compare|contrast|design|define|discuss|outline|sketch|walk (me |us )?through|"
    r"tell (me|us) about|give an example|imagine|suppose|you('re| are| have| must| need| get| notice| own)|"
    r"your (service|team|api|database|system|app|application|queue|cache|deploy|cluster|site))\b",
    re.I,
)


@dataclass
class Line:
    number: int
    raw: str
    kind: str  # blank, fence, code, separator, junk, heading, q_marker, a_bare, a_inline, numbered, bullet, text
    text: str = ""
    indent: int = 0  # column where `text` starts
    level: int = 0  # heading level
    value: int = 0  # list number
    reason: str = ""


def classify(text: str) -> list[Line]:
    lines: list[Line] = []
    fence: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.rstrip()
        opening = FENCE.match(raw)
        if fence is not None:
            closes = opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) and not raw.strip()[len(opening.group(1)):].strip()
            lines.append(Line(number, raw, "fence" if closes else "code"))
            if closes:
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            lines.append(Line(number, raw, "fence"))
        else:
            lines.append(_classify_line(number, raw))
    return lines


def _classify_line(number: int, raw: str) -> Line:
    if not raw.strip():
        return Line(number, raw, "blank")
    if _SEPARATOR.match(raw):
        return Line(number, raw, "separator")
    reason = junk_reason(raw)
    if reason:
        return Line(number, raw, "junk", reason=reason)
    if _A_BARE.match(raw):
        return Line(number, raw, "a_bare")
    if m := _HEADING.match(raw):
        return Line(number, raw, "heading", text=m.group(2), level=len(m.group(1)))
    if m := _Q_MARKER.match(raw):
        return Line(number, raw, "q_marker", text=(m.group(1) or "").strip())
    if m := _A_INLINE.match(raw):
        return Line(number, raw, "a_inline", text=m.group(1).strip())
    if m := _NUMBERED.match(raw):
        digits = re.search(r"\d+", m.group(2))
        return Line(number, raw, "numbered", text=m.group(3), indent=len(m.group(1)) + len(m.group(2)), value=int(digits.group()))
    if m := _BULLET.match(raw):
        return Line(number, raw, "bullet", text=m.group(3), indent=len(m.group(1)) + len(m.group(2)))
    return Line(number, raw, "text", text=raw.strip(), indent=len(raw) - len(raw.lstrip()))


def looks_like_question(text: str) -> bool:
    """Ends with a question mark, or opens with a prompt such as "Explain" or "Tell me about"."""
    plain = _unwrap(_LEADING_LABEL.sub("", _unwrap(text.strip())))
    return plain.rstrip("*_ ").endswith("?") or bool(_IMPERATIVE.match(plain))


def split_bullet(text: str) -> tuple[str, str] | None:
    """`What is X? X is ...` -> (question, answer); a bullet ending in `?` -> (question, "")."""
    in_code = False
    for i, ch in enumerate(text):
        if ch == "`":
            in_code = not in_code
        elif ch == "?" and not in_code:
            rest = text[i + 1 :]
            closing = re.match(r"^(\*\*|__|\*|_)?", rest).group(0)
            after = rest[len(closing) :]
            if not after.strip():
                return text, ""
            if after[0].isspace():
                answer = re.sub(r"^[-–—:]\s+", "", after.strip())
                return text[: i + 1] + closing, answer
    return None


def clean_question(text: str) -> str:
    lines = trim_blank([line.rstrip() for line in text.split("\n")])
    if not lines:
        return ""
    first = _unwrap(lines[0].strip())
    first = _unwrap(_LEADING_LABEL.sub("", first).strip())
    if first.endswith(("**", "__")) and first.count(first[-2:]) == 1:
        first = first[:-2].rstrip()
    lines[0] = first
    return "\n".join(trim_blank(lines)).strip()


def margin(line: Line) -> int:
    return len(line.raw) - len(line.raw.lstrip())


def _unwrap(text: str) -> str:
    m = re.match(r"^(\*\*|__)(.+)\1$", text)
    return m.group(2).strip() if m else text


def trim_blank(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]
