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


class DatabaseUnavailable(QotdError):
    """The database could not be reached: stopped, restarting, unreachable or out of connections.

    The request did not complete, so the member is asked to try again shortly. `cause` names the
    underlying failure (driver error class and message, never SQL or its parameters) for the logs.
    """

    def __init__(self, message: str = "the database is unavailable right now. Please try again in a minute", cause: str = "") -> None:
        super().__init__(message)
        self.cause = cause
