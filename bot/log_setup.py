"""Logging for operators: plain text for people, one JSON object per line for log pipelines.

Every line carries the ids of what it is about — `request_id` for a command or answer, `post_id`
and `action` for due work — taken from a context variable, so a post's claim, delivery, failure
and retry can be followed across lines (and across instances, by post id).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import IO, Any

FORMATS = ("text", "json")
_context: ContextVar[dict[str, Any]] = ContextVar("qotd_log_context", default={})


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Add ids to every log line written inside the block (nested blocks add to the outer ones)."""
    token = _context.set({**_context.get(), **values})
    try:
        yield
    finally:
        _context.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def current_context() -> dict[str, Any]:
    return dict(_context.get())


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.qotd_context = _context.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "qotd_context", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = getattr(record, "qotd_context", {})
        if context:
            text += " [" + " ".join(f"{key}={value}" for key, value in context.items()) + "]"
        return text


def configure_logging(level: str, fmt: str, stream: IO[str]) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # two lines per tick otherwise
