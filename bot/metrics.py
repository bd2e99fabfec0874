"""Prometheus metrics for operators, kept in one registry and served at /metrics.

The core counts what it does (posts, reveals, answers, commands, scheduler lag); adapters count
platform errors and time spent waiting on rate limits. Nothing here knows a chat platform.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

POSTS = Counter("qotd_posts", "Questions posted", registry=REGISTRY)
REVEALS = Counter("qotd_reveals", "Questions revealed", registry=REGISTRY)
DUE_WORK_FAILURES = Counter("qotd_due_work_failures", "Posts or reveals that failed and will be retried", registry=REGISTRY)
ANSWERS = Counter("qotd_answers", "Answers received, by outcome", ["platform", "outcome"], registry=REGISTRY)
COMMANDS = Histogram(
    "qotd_command_seconds",
    "Time the core took to handle a command, by command",
    ["platform", "command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
PLATFORM_ERRORS = Counter("qotd_platform_errors", "Errors returned by a chat platform", ["platform", "kind"], registry=REGISTRY)
RATE_LIMIT_WAIT = Counter(
    "qotd_rate_limit_wait_seconds", "Time spent waiting on platform rate limits", ["platform"], registry=REGISTRY
)
SCHEDULER_LAG = Gauge(
    "qotd_scheduler_lag_seconds", "How late the last tick started work that was due (0 when nothing was overdue)", registry=REGISTRY
)
TICKS = Counter("qotd_ticks", "Scheduler ticks run", registry=REGISTRY)


def exposition() -> tuple[bytes, str]:
    """The /metrics body and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
