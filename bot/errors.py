"""Errors the core reports to members. Their text is shown as-is, so it names the bad value."""


class QotdError(Exception):
    """A problem with what a member asked for; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(QotdError):
    """A malformed command argument (time, zone, days, reveal, topic...)."""


class NotAllowed(QotdError):
    """The member may not run this command."""


class NotFound(QotdError):
    """The thing the command refers to does not exist (no schedule, no open question...)."""
