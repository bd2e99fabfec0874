"""Discord's 429s for /metrics: discord.py waits and retries by itself and only logs it, so count there."""

from __future__ import annotations

import logging

from bot import metrics

RATE_LIMITED = "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds."


class RateLimitCounter(logging.Filter):
    """Counts discord.py's rate-limit waits; lets every record through unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == RATE_LIMITED and isinstance(record.args, tuple) and len(record.args) == 3:
            metrics.RATE_LIMIT_WAIT.labels("discord").inc(float(record.args[2]))
            metrics.PLATFORM_ERRORS.labels("discord", "429").inc()
        return True


def count_rate_limits() -> None:
    """Install the counter on discord.py's HTTP logger once per process."""
    logger = logging.getLogger("discord.http")
    if not any(isinstance(f, RateLimitCounter) for f in logger.filters):
        logger.addFilter(RateLimitCounter())
