"""qotd core: the platform-agnostic question-of-the-day engine."""

__version__ = "0.1.0"
