"""The controlled vocabulary of topics and question kinds.

Topic slugs are what members type in `/qotd setup topics=...` and
`/qotd quiz <topic>`, so they are short, lower-case and hyphenated.
"""

from __future__ import annotations

from difflib import get_close_matches

TOPICS: dict[str, str] = {
    "apis-http": "APIs and HTTP",
    "nodejs": "Node.js and JavaScript runtime",
    "python-runtimes": "Python and other runtimes",
    "databases": "Databases",
    "caching": "Caching",
    "messaging": "Asynchronous processing and messaging",
    "distributed-systems": "Distributed systems and architecture",
    "security": "Security",
    "operations": "Operations and delivery",
    "cs-fundamentals": "Computer science fundamentals",
    "system-design": "System design",
    "engineering-practice": "Engineering practice and behavioural",
}

KINDS: dict[str, str] = {
    "concept": "Explain an idea",
    "compare": "Compare two approaches",
    "design": "Sketch a system",
    "debug": "Find the bug",
    "scenario": "Production scenario",
    "behavioral": "Behavioural",
}

DIFFICULTY_LABELS: dict[int, str] = {1: "warm-up", 2: "solid", 3: "senior"}


def topic_title(slug: str) -> str:
    return TOPICS.get(slug, slug)


def suggest_topic(text: str) -> list[str]:
    """Topic slugs that start with or contain `text`, for autocomplete and hints."""
    needle = text.strip().lower()
    starts = [t for t in TOPICS if t.startswith(needle)]
    contains = [t for t in TOPICS if needle in t and t not in starts]
    close = [t for t in get_close_matches(needle, list(TOPICS), n=3, cutoff=0.6) if t not in starts + contains]
    return starts + contains + close
