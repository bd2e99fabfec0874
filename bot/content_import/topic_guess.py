"""Guessing a question's topic and kind from its words.

Topic: every topic in bot.topics.TOPICS has a keyword list below. A topic
scores one point for each of its keywords found in the answer and two for
each found in the question (words are compared after the same folding as
near-duplicate detection, so "indexes" matches "index"; phrases match as
whole words). The highest score wins; ties go to the topic listed first in
TOPICS. With no keyword at all, the topic of the most similar existing bank
question is used (Jaccard similarity of content words, as in
bot.near_duplicates), and failing that "engineering-practice".

Kind, first rule that matches the question: a code block -> debug;
"vs", "versus", "compare", "difference", "differ" -> compare; "design",
"architect" -> design; "tell me about a time", "describe a situation",
"a time when" -> behavioral; "production", "outage", "suddenly", "on call",
"on-call", "incident", "paged" -> scenario; otherwise concept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.near_duplicates import content_words, similarity
from bot.topics import TOPICS

FALLBACK_TOPIC = "engineering-practice"

KEYWORDS: dict[str, tuple[str, ...]] = {
    "apis-http": (
        "http", "https", "rest", "restful", "api", "endpoint", "graphql", "grpc", "webhook", "cors", "pagination",
        "idempotent", "idempotency", "status code", "rate limit", "url", "openapi", "etag", "http method", "request header",
        "reverse proxy", "load balancer", "websocket", "api gateway",
    ),
    "nodejs": (
        "node", "node.js", "nodejs", "javascript", "typescript", "npm", "event loop", "promise", "libuv", "v8",
        "express", "callback", "settimeout",
    ),
    "python-runtimes": (
        "python", "gil", "asyncio", "django", "flask", "fastapi", "cpython", "jvm", "java", "garbage collector",
        "garbage collection", "goroutine", "golang", "ruby", "interpreter", "runtime", "virtualenv",
    ),
    "databases": (
        "database", "sql", "nosql", "postgresql", "postgres", "mysql", "index", "query", "transaction", "acid",
        "isolation level", "mvcc", "orm", "schema", "migration", "join", "b-tree", "table", "column", "primary key",
        "foreign key", "mongodb", "n+1", "optimistic locking", "pessimistic locking",
    ),
    "caching": (
        "cache", "caching", "cached", "redis", "memcached", "ttl", "eviction", "lru", "cdn", "invalidation",
        "stampede", "cache-aside", "write-through", "write-back", "hit ratio",
    ),
    "messaging": (
        "queue", "message", "kafka", "rabbitmq", "sqs", "pub/sub", "consumer", "producer", "broker", "dead letter",
        "dead-letter", "at-least-once", "exactly-once", "outbox", "background job", "worker", "celery", "backpressure",
    ),
    "distributed-systems": (
        "distributed", "consensus", "raft", "paxos", "cap theorem", "partition", "replication", "replica", "leader",
        "quorum", "eventual consistency", "vector clock", "two-phase commit", "saga", "microservice", "split brain",
        "sharding", "shard", "failover",
    ),
    "security": (
        "security", "authentication", "authorization", "oauth", "jwt", "password", "csrf", "xss", "sql injection",
        "injection", "tls", "ssl", "encryption", "encrypt", "secret", "vulnerability", "owasp", "session", "rbac",
        "least privilege", "attacker",
    ),
    "operations": (
        "deploy", "deployment", "kubernetes", "docker", "container", "ci/cd", "pipeline", "monitoring",
        "observability", "metric", "logging", "alert", "slo", "sla", "incident", "outage", "rollback", "blue-green",
        "canary", "terraform", "on-call", "postmortem",
    ),
    "cs-fundamentals": (
        "algorithm", "complexity", "big o", "hash table", "hash map", "tree", "graph", "sorting", "recursion", "stack",
        "heap", "linked list", "array", "binary search", "dynamic programming", "thread", "mutex", "semaphore",
        "deadlock", "race condition", "concurrency", "pointer",
    ),
    "system-design": (
        "scalability", "scale", "load balancer", "load balancing", "throughput", "latency", "url shortener",
        "capacity", "architecture", "rate limiter", "news feed", "bottleneck", "horizontal scaling", "design a",
    ),
    "engineering-practice": (
        "code review", "review", "testing", "test", "tdd", "refactor", "refactoring", "technical debt", "tech debt",
        "pair programming", "documentation", "mentor", "teammate", "conflict", "estimate", "estimation",
        "pull request", "feedback", "deadline", "manager",
    ),
}

_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("compare", re.compile(r"\b(vs\.?|versus|compare[sd]?|comparing|comparison|difference|differences|differ)\b", re.I)),
    ("design", re.compile(r"\b(design|architect|architecture)\b", re.I)),
    ("behavioral", re.compile(r"\b(tell me about a time|describe a situation|a time when|a time you)\b", re.I)),
    ("scenario", re.compile(r"\b(production|outage|suddenly|on[ -]call|incident|paged)\b", re.I)),
)


def guess_kind(question: str) -> str:
    if "```" in question:
        return "debug"
    for kind, pattern in _KIND_RULES:
        if pattern.search(question):
            return kind
    return "concept"


def topic_scores(question: str, answer: str) -> dict[str, int]:
    scores = {}
    for topic, keywords in KEYWORDS.items():
        scores[topic] = 2 * _hits(question, keywords) + _hits(answer, keywords)
    return scores


def guess_topic(question: str, answer: str, bank: Iterable[tuple[frozenset[str], str]] = ()) -> str:
    """`bank` is (content words, topic) for each existing question, for the no-keyword fallback."""
    scores = topic_scores(question, answer)
    best = max(scores.values())
    if best > 0:
        return next(topic for topic in TOPICS if scores.get(topic) == best)
    words = content_words(question)
    nearest, nearest_score = FALLBACK_TOPIC, 0.0
    for other_words, topic in bank:
        score = similarity(words, other_words)
        if score > nearest_score:
            nearest, nearest_score = topic, score
    return nearest


def _hits(text: str, keywords: tuple[str, ...]) -> int:
    lowered = " ".join(text.lower().split())
    words = content_words(text)
    found = 0
    for keyword in keywords:
        folded = _FOLDED[keyword]
        if len(folded) == 1 and " " not in keyword and "/" not in keyword:
            found += folded <= words
        else:
            found += bool(re.search(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])", lowered))
    return found


_FOLDED = {keyword: content_words(keyword) for keywords in KEYWORDS.values() for keyword in keywords}
