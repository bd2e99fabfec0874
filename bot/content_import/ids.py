"""Stable question ids: the same question text always gets the same id.

The id is a slug of the question's first five content words (framing words
such as "what", "the", "difference" dropped, as in bot.near_duplicates)
followed by the first six hex digits of the SHA-1 of its normalized text
(lower-cased, whitespace collapsed): "What is a cache stampede?" ->
"cache-stampede-<hash>".
"""

from __future__ import annotations

import hashlib
import re

from bot.near_duplicates import FRAMING_WORDS

SLUG_WORDS = 5
SLUG_CHARS = 60
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)


def normalized(question: str) -> str:
    return " ".join(question.lower().split())


def question_id(question: str) -> str:
    digest = hashlib.sha1(normalized(question).encode("utf-8")).hexdigest()[:6]
    text = _CODE_BLOCK.sub(" ", question.lower()).replace("'", "").replace("\u2019", "")
    words = re.findall(r"[a-z0-9]+", text)
    slug = "-".join([w for w in words if w not in FRAMING_WORDS][:SLUG_WORDS])[:SLUG_CHARS].strip("-")
    return f"{slug or 'question'}-{digest}"
