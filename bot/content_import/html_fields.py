"""HTML in flash-card fields (Anki exports with `#html:true`) turned into Markdown.

<br> -> line break, <b>/<strong> -> **bold**, <i>/<em> -> *italic*,
<code> -> `code`, <pre> -> a fenced code block, <ul>/<ol>/<li> -> Markdown
lists, <p>/<div> -> paragraphs, entities decoded. Other tags keep their text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_LOOKS_LIKE_HTML = re.compile(
    r"<(br|b|strong|i|em|code|pre|ul|ol|li|p|div|span|a|u|sub|sup|h[1-6])(\s[^<>]*)?/?>|</(b|strong|i|em|code|pre|ul|ol|li|p|div|span|a)>"
    r"|&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-f]+);",
    re.IGNORECASE,
)
_BLOCKS = frozenset({"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr"})
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*"}


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


def html_to_markdown(text: str) -> str:
    converter = _Converter()
    converter.feed(text)
    converter.close()
    return converter.markdown()


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = ""
        self.pre = 0
        self.lists: list[list] = []  # [tag, items so far]

    def markdown(self) -> str:
        lines = [line.rstrip() for line in self.out.replace("\u00a0", " ").split("\n")]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n").strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out += "\n"
        elif self.pre:
            return
        elif tag in _EMPHASIS:
            self.out += _EMPHASIS[tag]
        elif tag == "code":
            self.out += "`"
        elif tag == "pre":
            self._blank_line()
            self.out += "```\n"
            self.pre += 1
        elif tag in ("ul", "ol"):
            if self.lists:
                self._line_break()  # a nested list starts on the next line
            else:
                self._blank_line()
            self.lists.append([tag, 0])
        elif tag == "li":
            self._line_break()
            depth = max(len(self.lists) - 1, 0)
            kind, count = self.lists[-1] if self.lists else ("ul", 0)
            if self.lists:
                self.lists[-1][1] = count + 1
            marker = f"{count + 1}. " if kind == "ol" else "- "
            self.out += "  " * depth + marker
        elif tag in _BLOCKS:
            self._blank_line()

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self.pre:
            self.pre -= 1
            if not self.out.endswith("\n"):
                self.out += "\n"
            self.out += "```\n\n"
        elif self.pre:
            return
        elif tag in _EMPHASIS or tag == "code":
            marker = "`" if tag == "code" else _EMPHASIS[tag]
            stripped = self.out.rstrip(" ")
            gap = len(self.out) - len(stripped)
            self.out = stripped + marker + " " * gap
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._blank_line()
        elif tag in _BLOCKS:
            self._blank_line()

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.out += data
            return
        text = re.sub(r"[ \t\r\n]+", " ", data)
        if not self.out or self.out.endswith("\n") or self._just_opened():
            text = text.lstrip(" ")
        self.out += text

    def _just_opened(self) -> bool:
        """True right after an opening ** / * / ` marker, where a leading space would break the Markdown."""
        stripped = self.out.rstrip("*`")
        return stripped != self.out and (not stripped or stripped.endswith((" ", "\n")))

    def _line_break(self) -> None:
        self.out = self.out.rstrip(" ")
        if self.out and not self.out.endswith("\n"):
            self.out += "\n"

    def _blank_line(self) -> None:
        self.out = self.out.rstrip(" ")
        if self.out and not self.out.endswith("\n\n"):
            self.out += "\n" if self.out.endswith("\n") else "\n\n"
