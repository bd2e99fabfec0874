"""In-process fakes of external platforms, for driving the real client libraries offline."""

from tests.fakes.fake_discord import (
    ApiError,
    Call,
    Fault,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
    Overwrite,
    Perm,
)

__all__ = [
    "ApiError",
    "Call",
    "Fault",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionRecord",
    "Overwrite",
    "Perm",
]
