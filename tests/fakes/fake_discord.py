"""FakeDiscord: a local Discord (REST API v10 + JSON gateway) that the real discord.py client logs into.

One aiohttp server on 127.0.0.1 (random free port) serves both:

* REST under ``/api/v10`` (``fake.api_base``), with every request recorded in ``fake.calls``;
* a websocket gateway at ``/gateway`` (``fake.gateway_url``): HELLO, heartbeat ACKs, IDENTIFY ->
  READY + one full GUILD_CREATE per guild, RESUME, member-chunk requests, and any dispatch a test
  pushes with ``await fake.dispatch(event, data)``.

Typical use (see tests/test_fake_discord.py)::

    async with FakeDiscord() as fake:
        client = MyClient(intents=..., guild_ready_timeout=0.05)
        async with fake.connected(client):          # patches discord.py, logs in, waits for on_ready
            payload = fake.slash_command(fake.guild, fake.channel, fake.member, name="qotd", subcommand="ping")
            response = await fake.run_interaction(payload)   # {"type": 4, "data": {...}}

The world (guilds, channels, roles, members, the bot user, the application) lives in plain
dataclasses on the fake; REST calls change it the way Discord would (messages, threads, edits,
deletions, command registrations) and, like Discord, echo gateway events (MESSAGE_CREATE,
THREAD_CREATE, ...) to connected clients whose intents ask for them.

Behaviours copied from Discord because bots get them wrong: message/embed length limits and empty
messages (400 code 50035/50006), ``allowed_mentions`` resolution (``mention_everyone``,
``mentions``) and its parse-vs-list conflict, ``nonce`` + ``enforce_nonce`` deduplication, one
initial response per interaction (40060) within a deadline (10062, 3 s by default), follow-ups only
after the initial response, 10003 Unknown Channel, 50013 Missing Permissions (channel overwrites and
``fake.forbid``), 160004 for a second thread on one message, 50005 for editing someone else's
message, blank ``content`` on MESSAGE_CREATE for clients without the MESSAGE_CONTENT intent.

Failures: ``fake.fail_next(...)`` answers the next matching requests with an error, and
``fake.inject_faults(rate=0.2, kinds=("500", "429", "timeout_after_accept"), seed=1)`` makes a
seeded share of REST requests fail: a 500 (nothing happened), a 429 with ``retry_after`` (nothing
happened), or the request takes effect and its answer is held longer than the client waits
("timeout_after_accept"), or the connection drops after it took effect ("disconnect_after_accept").
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import fnmatch
import json
import logging
import random
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable, Iterator, Mapping, Sequence

from aiohttp import WSMsgType, web

from tests.fakes.seeded_faults import SeededFaults, checked_kinds

log = logging.getLogger("tests.fakes.fake_discord")

DISCORD_EPOCH_MS = 1420070400000
API_VERSION = 10
API_PREFIX = f"/api/v{API_VERSION}"
GATEWAY_PATH = "/gateway"
ATTACHMENT_SIZE_LIMIT = 25 * 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------------


class Perm:
    """Discord permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    # discord.Permissions.all().value in discord.py 2.7.1
    ALL = 8866461766385663

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
        | MANAGE_THREADS
        | MANAGE_MESSAGES
    )


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


class ChannelType:
    TEXT = 0
    DM = 1
    CATEGORY = 4
    NEWS = 5
    NEWS_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    THREAD_TYPES = (10, 11, 12)


class MessageFlag:
    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7


class InteractionType:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


# Which interaction callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: dict[int, set[int]] = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}

MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}
GUILD_EVENTS = {
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
    "GUILD_CREATE",
}


def _iso(dt: datetime | None = None) -> str:
    return (dt or datetime.now(timezone.utc)).isoformat()


def _sid(value: Any) -> str | None:
    return None if value is None else str(value)


def _id_of(obj: Any) -> int:
    """The snowflake of a fake entity, a discord.py object, a payload dict or a plain id."""
    if obj is None:
        raise ValueError("an id is required")
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        return int(obj)
    if isinstance(obj, Mapping):
        return int(obj["id"])
    return int(obj.id)


# --------------------------------------------------------------------------------------------------
# World model
# --------------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite; type 0 = role (the @everyone role has the guild's id), 1 = member."""

    id: int
    type: int = 0
    allow: int = 0
    deny: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)  # without the @everyone role
    nick: str | None = None
    joined_at: str = field(default_factory=_iso)

    @property
    def id(self) -> int:
        return self.user.id

    def to_json(self, *, permissions: int | None = None, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_json()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeChannel:
    """A guild text/announcement channel, a thread (type 10/11/12) or a DM channel (type 1)."""

    id: int
    name: str
    guild_id: int | None = None
    type: int = ChannelType.TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    permission_overwrites: list[Overwrite] = field(default_factory=list)
    # threads
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str = field(default_factory=_iso)
    create_timestamp: str = field(default_factory=_iso)
    message_count: int = 0
    total_message_sent: int = 0
    # DMs
    recipients: list[FakeUser] = field(default_factory=list)
    # fake state
    last_message_id: int | None = None
    deleted: bool = False
    forbidden: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelType.THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def to_json(self, *, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "last_message_id": _sid(self.last_message_id),
            "flags": 0,
        }
        if self.type == ChannelType.DM:
            data["recipients"] = [u.to_json() for u in self.recipients]
            data.pop("name")
        else:
            data.update(
                guild_id=_sid(self.guild_id),
                parent_id=_sid(self.parent_id),
                rate_limit_per_user=self.rate_limit_per_user,
                nsfw=self.nsfw,
            )
        if self.is_thread:
            data.update(
                owner_id=_sid(self.owner_id),
                message_count=self.message_count,
                member_count=1,
                total_message_sent=self.total_message_sent,
                applied_tags=[],
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.archive_timestamp,
                    "locked": self.locked,
                    "invitable": self.invitable,
                    "create_timestamp": self.create_timestamp,
                },
            )
        elif self.type != ChannelType.DM:
            data.update(
                position=self.position,
                topic=self.topic,
                permission_overwrites=[o.to_json() for o in self.permission_overwrites],
                default_auto_archive_duration=1440,
                default_thread_rate_limit_per_user=0,
            )
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    preferred_locale: str = "en-US"
    joined_at: str = field(default_factory=_iso)
    _fake: FakeDiscord | None = field(default=None, repr=False, compare=False)

    # -- lookups ------------------------------------------------------------------------------------
    @property
    def everyone(self) -> FakeRole:
        return self.role(self.id)

    def role(self, name_or_id: str | int) -> FakeRole:
        for r in self.roles:
            if r.id == name_or_id or r.name == name_or_id:
                return r
        raise KeyError(f"no role {name_or_id!r} in guild {self.name!r}")

    def channel(self, name_or_id: str | int) -> FakeChannel:
        for c in self.channels:
            if (c.id == name_or_id or c.name == name_or_id) and not c.deleted:
                return c
        raise KeyError(f"no channel {name_or_id!r} in guild {self.name!r}")

    def member(self, user: Any) -> FakeMember:
        if isinstance(user, str) and not user.isdigit():
            for m in self.members:
                if m.user.username == user:
                    return m
            raise KeyError(f"no member named {user!r} in guild {self.name!r}")
        uid = _id_of(user)
        for m in self.members:
            if m.id == uid:
                return m
        raise KeyError(f"user {uid} is not a member of guild {self.name!r}")

    def has_member(self, user: Any) -> bool:
        try:
            self.member(user)
        except KeyError:
            return False
        return True

    # -- building (before a client connects; later changes are not pushed automatically) -----------
    def add_role(self, name: str, permissions: int = 0, *, managed: bool = False) -> FakeRole:
        role = FakeRole(self._fake.snowflake(), name, permissions, position=len(self.roles), managed=managed)
        self.roles.append(role)
        return role

    def add_text_channel(
        self, name: str, *, overwrites: Sequence[Overwrite] = (), topic: str | None = None, type: int = ChannelType.TEXT
    ) -> FakeChannel:
        channel = FakeChannel(
            self._fake.snowflake(),
            name,
            guild_id=self.id,
            type=type,
            position=len([c for c in self.channels if not c.is_thread]),
            topic=topic,
            permission_overwrites=list(overwrites),
        )
        self.channels.append(channel)
        self._fake.channels[channel.id] = channel
        return channel

    def add_member(self, user: FakeUser | str, *, roles: Sequence[FakeRole | int] = (), nick: str | None = None) -> FakeMember:
        if isinstance(user, str):
            user = self._fake.add_user(user)
        member = FakeMember(user, [_id_of(r) for r in roles], nick=nick)
        self.members.append(member)
        return member

    def to_json(self) -> dict[str, Any]:
        """A full GUILD_CREATE payload."""
        text_channels = [c for c in self.channels if not c.is_thread and not c.deleted]
        threads = [c for c in self.channels if c.is_thread and not c.deleted and not c.archived]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "application_id": None,
            "system_channel_id": _sid(text_channels[0].id) if text_channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": self.preferred_locale,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "features": list(self.features),
            "roles": [r.to_json() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members),
            "members": [m.to_json() for m in self.members],
            "channels": [c.to_json() for c in text_channels],
            "threads": [c.to_json() for c in threads],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One recorded REST request (and what the fake answered)."""

    method: str
    path: str  # without the /api/v10 prefix, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any  # the JSON body, or the multipart payload_json, or None
    headers: dict[str, str]
    files: list[dict[str, Any]] = field(default_factory=list)  # {"field", "filename", "content_type", "size", "data"}
    status: int | None = None
    response: Any = None
    fault: Fault | None = None  # the injected fault that answered, if any
    at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        return f"<Call {self.method} {self.path} -> {self.status}>"


@dataclass
class Fault:
    """An injected failure, consumed by the next `times` matching requests."""

    method: str
    pattern: str | re.Pattern[str]
    status: int = 429
    retry_after: float = 0.05
    times: int = 1
    code: int | None = None
    message: str | None = None
    body: Any = None
    global_: bool = False
    commit: bool = False  # True: perform the request, then answer with the failure ("response lost")
    hits: int = 0
    kind: str | None = None  # for random faults (`FakeDiscord.inject_faults`): which kind answered

    def matches(self, method: str, path: str) -> bool:
        return self.hits < self.times and _method_matches(self.method, method) and _path_matches(self.pattern, path)


@dataclass
class FaultPlan(SeededFaults):
    """Random, seeded failures for a share of the REST requests (see `FakeDiscord.inject_faults`)."""

    method: str | None = None
    pattern: str | re.Pattern[str] = "*"
    hold: float = 1.0  # seconds a "timeout_after_accept" answer is held back
    retry_after: tuple[float, float] = (0.05, 0.2)  # a 429's retry_after is drawn from this range

    def pick(self, method: str, path: str) -> Fault | None:
        if not (_method_matches(self.method, method) and _path_matches(self.pattern, path)):
            return None
        kind = self.draw()
        if kind is None:
            return None
        status = {"500": 500, "429": 429}.get(kind, 200)
        retry_after = round(self.rng.uniform(*self.retry_after), 3)
        return Fault(method, path, status, retry_after, hits=1, commit=kind not in ("500", "429"), kind=kind)


@dataclass
class InteractionRecord:
    """Everything the bot did with one interaction the fake dispatched."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: int | None
    guild_id: int | None
    dispatched_at: float | None = None
    responses: list[dict[str, Any]] = field(default_factory=list)  # callback bodies {"type", "data"}
    original_message_id: int | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)  # message objects
    edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH bodies sent to @original
    rejected: list[Call] = field(default_factory=list)  # callbacks the fake refused (late, duplicate, invalid)
    responded: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def response(self) -> dict[str, Any] | None:
        return self.responses[0] if self.responses else None

    @property
    def response_type(self) -> int | None:
        return self.responses[0]["type"] if self.responses else None

    @property
    def response_data(self) -> dict[str, Any]:
        return (self.responses[0].get("data") or {}) if self.responses else {}


class ApiError(Exception):
    """Raised inside route handlers; becomes a Discord-shaped JSON error response."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _form_error(field_path: str, code: str, message: str) -> ApiError:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field_path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def _method_matches(expected: str | None, method: str) -> bool:
    return expected in (None, "*", "ANY") or expected.upper() == method.upper()


def _path_matches(pattern: str | re.Pattern[str], path: str) -> bool:
    if isinstance(pattern, re.Pattern):
        return pattern.fullmatch(path) is not None
    pattern = pattern.removeprefix(API_PREFIX)
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    return path == pattern


@dataclass
class _Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[dict[str, Any]]
    headers: Mapping[str, str]
    call: Call


class _Reply:
    def __init__(self, status: int = 200, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


# --------------------------------------------------------------------------------------------------
# Gateway sessions
# --------------------------------------------------------------------------------------------------


@dataclass
class GatewaySession:
    id: str
    intents: int
    shard: tuple[int, int] | None
    identify: dict[str, Any]
    seq: int = 0
    connection: _GatewayConnection | None = None

    def wants(self, intent: int) -> bool:
        return bool(self.intents & intent)

    def handles_guild(self, guild_id: int | None) -> bool:
        """Discord routes a guild's events to shard (guild_id >> 22) % shard_count, DMs to shard 0."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, query: Mapping[str, str]) -> None:
        self.ws = ws
        self.query = dict(query)
        self.lock = asyncio.Lock()
        self.session: GatewaySession | None = None
        self.heartbeats = 0

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            if not self.ws.closed:
                await self.ws.send_str(json.dumps(payload))


# --------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------

Handler = Callable[[_Request], Any]


class FakeDiscord:
    """A fake Discord REST API + gateway on 127.0.0.1 for the real discord.py client.

    Constructor arguments (all keyword-only):

    * ``token``: the bot token the fake accepts (``Authorization: Bot <token>``; others get 401).
    * ``application_id`` / ``bot_name``: the application and its bot user (the bot user's id is the
      application id, as for real bots).
    * ``default_guild``: build one guild "QOTD Test Guild" with #general and #qotd, roles @everyone,
      Admin (MANAGE_GUILD) and the bot's managed role, and members owner, admin, alice (plain), bob
      (plain) and the bot; exposed as ``fake.guild``, ``fake.channel`` (#general),
      ``fake.qotd_channel``, ``fake.owner``, ``fake.admin``, ``fake.member`` (alice), ``fake.member2``
      (bob), ``fake.admin_role``, ``fake.bot_role``.
    * ``interaction_deadline``: seconds between dispatching an interaction and its first callback
      before the fake answers 404 code 10062 Unknown interaction (Discord: 3 s). None disables it.
    * ``nonce_window``: seconds during which ``enforce_nonce`` deduplicates (Discord: "a few minutes").
    * ``enforce_permissions``: check the bot's channel permissions (overwrites included) on sends,
      thread creation and thread locking, answering 403 50001/50013 like Discord.
    * ``heartbeat_interval``: milliseconds, sent in HELLO.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        application_id: int | None = None,
        bot_name: str = "qotd-bot",
        default_guild: bool = True,
        interaction_deadline: float | None = 3.0,
        nonce_window: float = 300.0,
        enforce_permissions: bool = True,
        heartbeat_interval: int = 41250,
    ) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.nonce_window = nonce_window
        self.enforce_permissions = enforce_permissions
        self.heartbeat_interval = heartbeat_interval

        self._last_snowflake = 0
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, dict[str, Any]] = {}  # every message ever created (ephemeral included), by id
        self.deleted_messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # None = global, else guild id
        self.command_ids: dict[tuple[int | None, str, int], int] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.modals: dict[str, dict[str, Any]] = {}  # custom_id -> the modal the bot last opened
        self.reactions: list[tuple[int, int, str]] = []  # (channel_id, message_id, emoji)
        self.pins: set[tuple[int, int]] = set()
        self.calls: list[Call] = []
        self.unhandled: list[Call] = []
        self.faults: list[Fault] = []
        self.fault_plan: FaultPlan | None = None
        self.fault_counts: Counter[str] = Counter()  # injected random fault kind -> how many requests it answered
        self.gateway_received: list[dict[str, Any]] = []  # every non-heartbeat payload clients sent
        self.gateway_sent: list[dict[str, Any]] = []  # every dispatch the fake sent
        self.identify_payloads: list[dict[str, Any]] = []
        self.sessions: dict[str, GatewaySession] = {}

        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self._closing = asyncio.Event()
        self._connections: list[_GatewayConnection] = []
        self._calls_changed = asyncio.Condition()
        self._identified = asyncio.Event()
        self._background: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

        self.application_id = application_id or self.snowflake()
        self.bot_user = FakeUser(self.application_id, bot_name, bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.application: dict[str, Any] = {
            "id": str(self.application_id),
            "name": bot_name,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {},  # filled below
            "verify_key": secrets.token_hex(32),
            "flags": (1 << 19) | (1 << 23),  # GATEWAY_GUILD_MEMBERS_LIMITED | APPLICATION_COMMAND_BADGE
            "team": None,
            "summary": "",
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "bot": self.bot_user.to_json(),
        }
        self.app_owner = self.add_user("app-owner")
        self.application["owner"] = self.app_owner.to_json()

        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self._register_routes()

        if default_guild:
            self._build_default_guild()

    # ----------------------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self._ws_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest_handler)
        app.router.add_route("*", "/{tail:.*}", self._outside_api_handler)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing.set()  # releases held answers
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fake discord shutting down")
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeDiscord is not started (use `async with FakeDiscord() as fake`)")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for discord.http.Route.BASE (and for the product's DISCORD_API_BASE)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @contextlib.contextmanager
    def patched(self) -> Iterator[FakeDiscord]:
        """Point discord.py at the fake (Route.BASE and DiscordWebSocket.DEFAULT_GATEWAY), then restore."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @contextlib.asynccontextmanager
    async def connected(self, client: Any, *, token: str | None = None, timeout: float = 10.0) -> AsyncIterator[Any]:
        """Patch discord.py, log `client` in, run it and wait for on_ready; close it on exit.

        Construct the client with a small ``guild_ready_timeout`` (e.g. 0.05): on_ready fires that long
        after the last GUILD_CREATE.
        """
        with self.patched():
            await client.login(token or self.token)
            runner = asyncio.create_task(client.connect(reconnect=True), name="fake-discord-client")
            ready = asyncio.create_task(client.wait_until_ready())
            try:
                done, _ = await asyncio.wait({runner, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if ready not in done:
                    ready.cancel()
                    if runner in done:
                        runner.result()  # raises the connection error
                        raise RuntimeError("the discord client stopped before on_ready")
                    raise TimeoutError(f"on_ready did not fire within {timeout}s")
                yield client
            finally:
                ready.cancel()
                await client.close()
                try:
                    await asyncio.wait_for(runner, timeout=5)
                except BaseException:  # noqa: BLE001 - the client's exit reason is not the test's concern
                    runner.cancel()

    # ----------------------------------------------------------------------------------------------
    # World building
    # ----------------------------------------------------------------------------------------------
    def snowflake(self) -> int:
        """A fresh, increasing snowflake whose timestamp is now."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17)
        if value <= self._last_snowflake:
            value = self._last_snowflake + 1
        self._last_snowflake = value
        return value

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> FakeUser:
        user = FakeUser(self.snowflake(), username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: FakeUser | str = "owner",
        channels: Sequence[str] = ("general",),
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        bot_permissions: int = Perm.BOT_DEFAULT,
        features: Sequence[str] = (),
    ) -> FakeGuild:
        """A guild with an @everyone role, the bot's managed role, the owner and the bot as members."""
        if isinstance(owner, str):
            owner = self.add_user(owner)
        guild = FakeGuild(self.snowflake(), name, owner.id, features=list(features), _fake=self)
        guild.roles.append(FakeRole(guild.id, "@everyone", everyone_permissions, position=0))
        bot_role = guild.add_role(self.bot_user.username, bot_permissions, managed=True)
        guild.add_member(owner)
        guild.add_member(self.bot_user, roles=[bot_role])
        for channel_name in channels:
            guild.add_text_channel(channel_name)
        self.guilds[guild.id] = guild
        return guild

    def _build_default_guild(self) -> None:
        self.owner = self.add_user("owner")
        guild = self.add_guild("QOTD Test Guild", owner=self.owner, channels=("general", "qotd"))
        self.guild = guild
        self.bot_role = guild.role(self.bot_user.username)
        self.admin_role = guild.add_role("Admin", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS)
        self.admin = self.add_user("ada", global_name="Ada")
        self.member = self.add_user("alice")
        self.member2 = self.add_user("bob")
        guild.add_member(self.admin, roles=[self.admin_role])
        guild.add_member(self.member)
        guild.add_member(self.member2)
        self.channel = guild.channel("general")
        self.qotd_channel = guild.channel("qotd")

    def guild_of(self, obj: Any) -> FakeGuild | None:
        if obj is None:
            return None
        if isinstance(obj, FakeGuild):
            return obj
        return self.guilds[_id_of(obj)]

    def channel_of(self, obj: Any) -> FakeChannel:
        if isinstance(obj, FakeChannel):
            return obj
        if isinstance(obj, Mapping) and "channel_id" in obj and "content" in obj:  # a message
            return self.channels[int(obj["channel_id"])]
        return self.channels[_id_of(obj)]

    def user_of(self, obj: Any) -> FakeUser:
        if isinstance(obj, FakeUser):
            return obj
        if isinstance(obj, FakeMember):
            return obj.user
        return self.users[_id_of(obj)]

    def dm_channel(self, user: Any) -> FakeChannel:
        """The bot's DM channel with `user` (created on first use, like POST /users/@me/channels)."""
        user = self.user_of(user)
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = FakeChannel(self.snowflake(), "", type=ChannelType.DM, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    def permissions_for(self, guild: FakeGuild, member: Any, channel: Any = None) -> int:
        """Discord's permission algorithm: base roles, ADMINISTRATOR/owner, then channel overwrites."""
        member = member if isinstance(member, FakeMember) else guild.member(member)
        if member.id == guild.owner_id:
            return Perm.ALL
        perms = guild.everyone.permissions
        for role_id in member.roles:
            with contextlib.suppress(KeyError):
                perms |= guild.role(role_id).permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        if channel is None:
            return perms
        channel = self.channel_of(channel)
        if channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        overwrites = {(o.type, o.id): o for o in channel.permission_overwrites}
        everyone = overwrites.get((0, guild.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            o = overwrites.get((0, role_id))
            if o:
                allow |= o.allow
                deny |= o.deny
        perms = (perms & ~deny) | allow
        own = overwrites.get((1, member.id))
        if own:
            perms = (perms & ~own.deny) | own.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        return perms

    def bot_permissions(self, channel: Any) -> int:
        channel = self.channel_of(channel)
        if channel.guild_id is None:
            return Perm.ALL
        return self.permissions_for(self.guilds[channel.guild_id], self.bot_user.id, channel)

    # -- fault injection and channel states ---------------------------------------------------------
    def fail_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        status: int = 429,
        retry_after: float = 0.05,
        times: int = 1,
        *,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
        global_: bool = False,
        commit: bool = False,
    ) -> Fault:
        """Answer the next `times` matching requests with `status`.

        `path_pattern` is relative to /api/v10: an exact path, a glob ("/channels/*/messages"; `*`
        also matches "/") or a compiled regex (full match). 429s carry Discord's body and headers
        (Retry-After, X-RateLimit-*, and `Via`, without which discord.py treats a 429 as a Cloudflare
        ban and raises instead of retrying). With ``commit=True`` the request takes effect first and
        only the response is replaced (the "it worked but the answer was lost" case).
        Note: discord.py retries 500/502/504 after ``1 + 2 * attempt`` seconds, so a 500 costs 1 s.
        """
        fault = Fault(
            method.upper(), path_pattern, status, retry_after, times, code, message, body, global_, commit
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()
        self.fault_plan = None

    def inject_faults(
        self,
        rate: float = 0.2,
        kinds: Sequence[str] = ("500", "429", "timeout_after_accept"),
        *,
        seed: int = 0,
        method: str | None = None,
        path_pattern: str | re.Pattern[str] = "*",
        hold: float = 1.0,
        retry_after: tuple[float, float] = (0.05, 0.2),
    ) -> FaultPlan:
        """From now on a seeded `rate` of the REST requests matching `method` / `path_pattern` fail.

        - "500": answered 500; the request had no effect (discord.py retries it after 1 + 2n s).
        - "429": answered 429 with ``retry_after`` drawn from `retry_after`; the request had no effect.
        - "timeout_after_accept": the request takes effect (a message is stored, visible to later
          reads), then its answer is held for `hold` seconds, longer than the client should wait.
        - "disconnect_after_accept": the request takes effect, then the connection closes unanswered.
        `fail_next` faults come first. `fault_counts` counts what was injected; `clear_faults()` ends it.
        """
        self.fault_plan = FaultPlan(
            rate, checked_kinds(kinds), random.Random(seed), method.upper() if method else None, path_pattern, hold, retry_after
        )
        return self.fault_plan

    def delete_channel(self, channel: Any) -> None:
        """Delete a channel (and its threads) server-side: later requests to it get 404 code 10003.

        No CHANNEL_DELETE is pushed; use ``await fake.dispatch("CHANNEL_DELETE", channel.to_json())``
        for a client that should notice.
        """
        channel = self.channel_of(channel)
        channel.deleted = True
        for other in self.channels.values():
            if other.parent_id == channel.id and other.is_thread:
                other.deleted = True

    def forbid(self, channel: Any) -> None:
        """From now on, writes to this channel (and its threads) get 403 code 50013 Missing Permissions."""
        self.channel_of(channel).forbidden = True

    def unforbid(self, channel: Any) -> None:
        self.channel_of(channel).forbidden = False

    # ----------------------------------------------------------------------------------------------
    # Finders
    # ----------------------------------------------------------------------------------------------
    def calls_to(self, method: str | None = None, path: str | re.Pattern[str] = "*") -> list[Call]:
        """Recorded REST calls matching method ("*"/None = any) and path (exact, glob or regex)."""
        return [c for c in self.calls if _method_matches(method, c.method) and _path_matches(path, c.path)]

    def last_call(self, method: str | None = None, path: str | re.Pattern[str] = "*") -> Call:
        found = self.calls_to(method, path)
        if not found:
            raise AssertionError(f"no call to {method} {path}; calls: {self.calls}")
        return found[-1]

    async def wait_for_call(
        self, method: str | None, path: str | re.Pattern[str], *, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until at least `count` matching calls have been answered; returns them."""

        def enough() -> bool:
            return len([c for c in self.calls_to(method, path) if c.status is not None]) >= count

        async with self._calls_changed:
            try:
                await asyncio.wait_for(self._calls_changed.wait_for(enough), timeout)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"waited {timeout}s for {count} call(s) to {method} {path}; got {self.calls_to(method, path)}"
                ) from None
        return self.calls_to(method, path)

    def channel_messages(self, channel: Any) -> list[dict[str, Any]]:
        """Non-ephemeral, undeleted messages in a channel or thread, oldest first."""
        cid = self.channel_of(channel).id
        return [
            m
            for m in self.messages.values()
            if int(m["channel_id"]) == cid and not m["flags"] & MessageFlag.EPHEMERAL
        ]

    def message(self, message_id: Any) -> dict[str, Any]:
        return self.messages[_id_of(message_id)]

    def threads(self, parent: Any = None) -> list[FakeChannel]:
        parent_id = None if parent is None else self.channel_of(parent).id
        return [
            c for c in self.channels.values() if c.is_thread and (parent_id is None or c.parent_id == parent_id)
        ]

    def interaction(self, interaction: Any) -> InteractionRecord:
        return self.interactions[_id_of(interaction)]

    async def wait_for_response(self, interaction: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the bot's first callback to an interaction; returns ``{"type": n, "data": {...}}``."""
        record = self.interaction(interaction)
        try:
            await asyncio.wait_for(record.responded.wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(
                f"no response to interaction {record.id} within {timeout}s "
                f"(rejected callbacks: {record.rejected}; unhandled routes: {self.unhandled})"
            ) from None
        assert record.response is not None
        return record.response

    async def run_interaction(self, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Dispatch an INTERACTION_CREATE built by a builder and wait for the first callback."""
        await self.dispatch("INTERACTION_CREATE", payload)
        return await self.wait_for_response(payload, timeout)

    def assert_no_unhandled(self) -> None:
        assert not self.unhandled, f"requests to routes FakeDiscord does not implement: {self.unhandled}"

    # ----------------------------------------------------------------------------------------------
    # Gateway: pushing events
    # ----------------------------------------------------------------------------------------------
    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._identified.wait(), timeout)

    def _live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connection is not None and not s.connection.ws.closed]

    async def dispatch(self, event: str, data: dict[str, Any], *, respect_intents: bool = True) -> int:
        """Send ``{"op": 0, "t": event, "d": data, "s": n}`` to every connected client (session).

        Guild-scoped events go only to the shard that owns the guild. With ``respect_intents``,
        MESSAGE_* events are dropped for sessions without GUILD_MESSAGES/DIRECT_MESSAGES and
        other users' message content is blanked for sessions without MESSAGE_CONTENT, as Discord
        does. Returns how many sessions got the event; raises if no client is connected.
        """
        if event == "INTERACTION_CREATE":
            record = self.interactions.get(int(data["id"])) or self._register_interaction(data)
            record.dispatched_at = time.monotonic()
        sessions = self._live_sessions()
        if not sessions:
            raise RuntimeError(f"cannot dispatch {event}: no client is connected to the fake gateway")
        guild_id = data.get("guild_id") or (data.get("id") if event == "GUILD_CREATE" else None)
        sent = 0
        for session in sessions:
            if not session.handles_guild(int(guild_id) if guild_id is not None else None):
                continue
            payload = self._filter_for_session(session, event, data) if respect_intents else data
            if payload is None:
                continue
            await self._send_dispatch(session, event, payload)
            sent += 1
        return sent

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every client (they close and RESUME)."""
        for session in self._live_sessions():
            await session.connection.send({"op": 7, "d": None, "s": None, "t": None})

    async def _send_dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "s": session.seq, "t": event, "d": data}
        self.gateway_sent.append(payload)
        await session.connection.send(payload)

    def _filter_for_session(self, session: GatewaySession, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
        if event in GUILD_EVENTS and not session.wants(Intent.GUILDS):
            return None
        if event not in MESSAGE_EVENTS:
            return data
        in_guild = data.get("guild_id") is not None
        if not session.wants(Intent.GUILD_MESSAGES if in_guild else Intent.DIRECT_MESSAGES):
            return None
        if event == "MESSAGE_DELETE" or session.wants(Intent.MESSAGE_CONTENT) or not in_guild:
            return data
        author_id = int((data.get("author") or {}).get("id", 0))
        mentioned = any(int(u["id"]) == self.bot_user.id for u in data.get("mentions", []))
        if author_id == self.bot_user.id or mentioned:
            return data
        blank = dict(data)
        blank.update(content="", embeds=[], attachments=[], components=[])
        blank.pop("poll", None)
        return blank

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        """Push a gateway event caused by a REST call (in the background, after the REST reply)."""
        if not self._live_sessions():
            return

        async def send() -> None:
            await asyncio.sleep(0)
            try:
                await self.dispatch(event, data)
            except RuntimeError:
                pass

        task = asyncio.get_running_loop().create_task(send())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ----------------------------------------------------------------------------------------------
    # Builders (payloads for `dispatch`; interactions are registered so the bot's callbacks work)
    # ----------------------------------------------------------------------------------------------
    def slash_command(
        self,
        guild: Any,
        channel: Any,
        user: Any,
        name: str = "qotd",
        subcommand: str | None = None,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        permissions: int | None = None,
        *,
        subcommand_group: str | None = None,
        guild_command: bool | None = None,
        focused: str | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND (type 2) INTERACTION_CREATE payload for ``/name [group] [sub] options``.

        * ``guild=None`` makes it a DM invocation (``user`` instead of ``member``).
        * ``options``: ``{"name": value}`` (types come from the synced command definition when the bot
          synced it, else inferred: bool 5, int 4, float 10, str 3, FakeUser/FakeMember 6,
          FakeChannel 7, FakeRole 8), or a list of raw option dicts.
        * ``permissions``: the invoking member's permissions (default: computed from roles/overwrites).
        * ``guild_command``: put ``data.guild_id`` (discord.py looks guild commands up by it). Default:
          True when the command was last synced to this guild, False otherwise.
        * ``focused``: name of an option being typed -> an AUTOCOMPLETE (type 4) interaction.
        """
        guild_obj = self.guild_of(guild)
        scope = guild_obj.id if guild_obj else None
        definition = self._find_command(scope, name)
        if guild_command is None:
            guild_command = definition is not None and definition.get("guild_id") is not None
        command_id = int(definition["id"]) if definition else self.snowflake()

        option_defs = definition.get("options", []) if definition else []
        resolved: dict[str, dict[str, Any]] = {}
        leaf = self._build_options(options, option_defs, subcommand_group, subcommand, resolved, guild_obj, channel, focused)

        data: dict[str, Any] = {"id": str(command_id), "name": name, "type": 1, "options": leaf}
        if resolved:
            data["resolved"] = resolved
        if guild_command and guild_obj:
            data["guild_id"] = str(guild_obj.id)
        itype = InteractionType.AUTOCOMPLETE if focused else InteractionType.APPLICATION_COMMAND
        return self._interaction_payload(
            itype, guild_obj, channel, user, data, permissions=permissions, app_permissions=app_permissions, locale=locale
        )

    def button_click(
        self,
        custom_id: str,
        message: Any,
        user: Any,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT (type 3) payload: a click on `custom_id` in a stored message
        (a message dict or id). For a select menu pass ``component_type=3`` and ``values``."""
        msg = self.message(message)
        channel = self.channels[int(msg["channel_id"])]
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return self._interaction_payload(
            InteractionType.MESSAGE_COMPONENT, guild, channel, user, data, message=msg, permissions=permissions, locale=locale
        )

    def modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        user: Any,
        *,
        guild: Any = None,
        channel: Any = None,
        message: Any = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """A MODAL_SUBMIT (type 5) payload with the field values by custom_id.

        discord.py only routes it if the bot opened a modal with this custom_id (a type 9 callback);
        the submitted components mirror that modal's layout (action rows or labels). Guild/channel
        default to those of the interaction that opened the modal.
        """
        modal = self.modals.get(custom_id)
        opener = self._modal_openers.get(custom_id)
        if channel is None and opener is not None:
            channel = opener.channel_id
        if guild is None and opener is not None and opener.guild_id:
            guild = opener.guild_id
        if channel is None:
            raise ValueError("modal_submit needs a channel (no modal with this custom_id was opened)")
        if message is None and opener is not None and "message" in opener.payload:
            message = opener.payload["message"]
        components = self._submitted_components(modal, values)
        data = {"custom_id": custom_id, "components": components}
        msg = self.message(message) if message is not None else None
        return self._interaction_payload(
            InteractionType.MODAL_SUBMIT, self.guild_of(guild), channel, user, data, message=msg, permissions=permissions, locale=locale
        )

    def message_create(
        self,
        channel_or_thread: Any,
        user: Any,
        content: str,
        *,
        components: Sequence[Mapping[str, Any]] = (),
        embeds: Sequence[Mapping[str, Any]] = (),
        reply_to: Any = None,
    ) -> dict[str, Any]:
        """Store a message by `user` (any user, the bot included: handy to seed a message "posted before
        a restart") and return its MESSAGE_CREATE payload for ``dispatch``."""
        channel = self.channel_of(channel_or_thread)
        author = self.user_of(user)
        body: dict[str, Any] = {"content": content, "components": list(components), "embeds": list(embeds)}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(_id_of(reply_to)), "channel_id": str(channel.id)}
        message = self._create_message(channel, author, body, validate=False)
        return self._gateway_message(message)

    def message_delete(self, message: Any) -> dict[str, Any]:
        """Remove a stored message as its author deleting it would, and return the MESSAGE_DELETE payload
        for ``dispatch`` (it carries only ids, as Discord's does)."""
        stored = self.messages.pop(int(_id_of(message)))
        self.deleted_messages[int(stored["id"])] = stored
        channel = self.channels[int(stored["channel_id"])]
        event = {"id": str(stored["id"]), "channel_id": str(channel.id)}
        if channel.guild_id:
            event["guild_id"] = str(channel.guild_id)
        return event

    def guild_create(self, guild: Any) -> dict[str, Any]:
        """A GUILD_CREATE payload for a guild (e.g. one added after the client connected)."""
        return self.guild_of(guild).to_json()

    # -- builder internals --------------------------------------------------------------------------
    @property
    def _modal_openers(self) -> dict[str, InteractionRecord]:
        openers: dict[str, InteractionRecord] = {}
        for record in self.interactions.values():
            for response in record.responses:
                if response["type"] == 9:
                    openers[response["data"].get("custom_id")] = record
        return openers

    def _find_command(self, guild_id: int | None, name: str) -> dict[str, Any] | None:
        for scope in ([guild_id] if guild_id else []) + [None]:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    def _build_options(
        self,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        defs: list[dict[str, Any]],
        group: str | None,
        sub: str | None,
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild | None,
        channel: Any,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        def child_defs(defs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
            for d in defs:
                if d["name"] == name:
                    return d.get("options", [])
            return []

        leaf_defs = defs
        if group:
            leaf_defs = child_defs(leaf_defs, group)
        if sub:
            leaf_defs = child_defs(leaf_defs, sub)

        if options is None:
            leaf: list[dict[str, Any]] = []
        elif isinstance(options, Mapping):
            types = {d["name"]: d["type"] for d in leaf_defs}
            leaf = [self._option(n, v, types.get(n), resolved, guild, channel) for n, v in options.items()]
        else:
            leaf = [dict(o) for o in options]
        if focused:
            for option in leaf:
                if option["name"] == focused:
                    option["focused"] = True
                    option["value"] = str(option.get("value", ""))

        if sub:
            leaf = [{"name": sub, "type": 1, "options": leaf}]
        if group:
            leaf = [{"name": group, "type": 2, "options": leaf}]
        return leaf

    def _option(
        self,
        name: str,
        value: Any,
        declared: int | None,
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild | None,
        channel: Any,
    ) -> dict[str, Any]:
        if isinstance(value, (FakeUser, FakeMember)):
            user = self.user_of(value)
            resolved.setdefault("users", {})[str(user.id)] = user.to_json()
            if guild and guild.has_member(user):
                member = guild.member(user)
                perms = self.permissions_for(guild, member, channel)
                resolved.setdefault("members", {})[str(user.id)] = member.to_json(permissions=perms, with_user=False)
            return {"name": name, "type": declared or 6, "value": str(user.id)}
        if isinstance(value, FakeChannel):
            perms = self.bot_permissions(value)
            resolved.setdefault("channels", {})[str(value.id)] = value.to_json(permissions=perms)
            return {"name": name, "type": declared or 7, "value": str(value.id)}
        if isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[str(value.id)] = value.to_json()
            return {"name": name, "type": declared or 8, "value": str(value.id)}
        if declared is None:
            if isinstance(value, bool):
                declared = 5
            elif isinstance(value, int):
                declared = 4
            elif isinstance(value, float):
                declared = 10
            else:
                declared = 3
        if declared == 3:
            value = str(value)
        return {"name": name, "type": declared, "value": value}

    def _submitted_components(
        self, modal: dict[str, Any] | None, values: Mapping[str, str | Sequence[str]]
    ) -> list[dict[str, Any]]:
        def answer(component: dict[str, Any]) -> dict[str, Any]:
            cid = component.get("custom_id")
            value = values.get(cid, "" if component.get("type") == 4 else [])
            out = {"type": component["type"], "custom_id": cid, "id": component.get("id", 0)}
            if isinstance(value, str):
                out["value"] = value
            else:
                out["values"] = list(value)
            return out

        if modal is None:
            return [
                {"type": 1, "components": [answer({"type": 4 if isinstance(v, str) else 3, "custom_id": k})]}
                for k, v in values.items()
            ]
        result = []
        for component in modal.get("components", []):
            if component["type"] == 1:
                result.append({"type": 1, "components": [answer(c) for c in component.get("components", [])]})
            elif component["type"] == 18:
                result.append({"type": 18, "id": component.get("id", 0), "component": answer(component["component"])})
            elif component.get("custom_id"):
                result.append(answer(component))
        return result

    def _interaction_payload(
        self,
        itype: int,
        guild: FakeGuild | None,
        channel: Any,
        user: Any,
        data: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        author = self.user_of(user)
        if guild is None and channel is not None:
            ch = self.channel_of(channel)
            guild = self.guilds.get(ch.guild_id) if ch.guild_id else None
        ch = self.channel_of(channel) if channel is not None else self.dm_channel(author)
        payload: dict[str, Any] = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": "fake-interaction-" + secrets.token_urlsafe(24),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(ch.id),
        }
        if guild is not None:
            member = guild.member(author)
            perms = self.permissions_for(guild, member, ch) if permissions is None else permissions
            bot_perms = self.permissions_for(guild, self.bot_user.id, ch) if app_permissions is None else app_permissions
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": list(guild.features)},
                guild_locale=guild.preferred_locale,
                member=member.to_json(permissions=perms),
                channel=ch.to_json(permissions=perms),
                app_permissions=str(bot_perms),
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=author.to_json(),
                channel=ch.to_json(permissions=Perm.EVERYONE_DEFAULT),
                app_permissions=str(app_permissions if app_permissions is not None else Perm.EVERYONE_DEFAULT),
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        self._register_interaction(payload)
        return payload

    def _register_interaction(self, payload: dict[str, Any]) -> InteractionRecord:
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=int(payload["type"]),
            payload=payload,
            channel_id=int(payload["channel_id"]) if payload.get("channel_id") else None,
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
        )
        self.interactions[record.id] = record
        return record

    # ----------------------------------------------------------------------------------------------
    # Messages
    # ----------------------------------------------------------------------------------------------
    def _validate_message(self, body: Mapping[str, Any], files: Sequence[Any], *, creating: bool = True) -> None:
        content = body.get("content")
        if content is not None and len(str(content)) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                text = embed.get(key) or ""
                total += len(text)
                if len(text) > limit:
                    raise _form_error(f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                raise _form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, f in enumerate(fields):
                if len(f.get("name", "")) > 256:
                    raise _form_error(f"embeds.{i}.fields.{j}.name", "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")
                if len(f.get("value", "")) > 1024:
                    raise _form_error(f"embeds.{i}.fields.{j}.value", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.")
                total += len(f.get("name", "")) + len(f.get("value", ""))
            total += len((embed.get("footer") or {}).get("text", "")) + len((embed.get("author") or {}).get("name", ""))
        if total > 6000:
            raise _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        components = body.get("components") or []
        if len(components) > 5 and not (int(body.get("flags") or 0) & (1 << 15)):
            raise _form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        mentions = body.get("allowed_mentions")
        if mentions:
            parse = mentions.get("parse") or []
            for kind in ("users", "roles"):
                if kind in parse and mentions.get(kind):
                    raise _form_error(
                        "allowed_mentions",
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                    )
        if creating and not (
            content or embeds or components or files or body.get("sticker_ids") or body.get("poll")
        ):
            raise ApiError(400, 50006, "Cannot send an empty message")

    def _resolve_mentions(
        self, content: str, allowed: Mapping[str, Any] | None, guild: FakeGuild | None, author: FakeUser, channel: FakeChannel
    ) -> dict[str, Any]:
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
        mentions = []
        for uid in dict.fromkeys(int(x) for x in re.findall(r"<@!?(\d+)>", content)):
            if ("users" in parse or uid in allowed_users) and uid in self.users:
                user_json = self.users[uid].to_json()
                if guild and guild.has_member(uid):
                    user_json["member"] = guild.member(uid).to_json(with_user=False)
                mentions.append(user_json)
        roles = []
        for rid in dict.fromkeys(int(x) for x in re.findall(r"<@&(\d+)>", content)):
            if ("roles" in parse or rid in allowed_roles) and guild:
                roles.append(str(rid))
        everyone = bool(re.search(r"@(everyone|here)", content)) and "everyone" in parse
        if everyone and guild and author.id == self.bot_user.id:
            everyone = bool(self.bot_permissions(channel) & Perm.MENTION_EVERYONE)
        return {"mentions": mentions, "mention_roles": roles, "mention_everyone": everyone}

    def _create_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: Mapping[str, Any],
        *,
        files: Sequence[dict[str, Any]] = (),
        validate: bool = True,
        webhook_id: int | None = None,
        interaction: InteractionRecord | None = None,
        message_type: int = 0,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        if validate:
            self._validate_message(body, files)
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        content = str(body.get("content") or "")
        flags = (int(body.get("flags") or 0) | extra_flags) & ~MessageFlag.HAS_THREAD
        message_id = self.snowflake()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": author.to_json(),
            "content": content,
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "attachments": [self._attachment(f) for f in files],
            "embeds": list(body.get("embeds") or []),
            "components": list(body.get("components") or []),
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": flags,
            "nonce": body.get("nonce"),
            "allowed_mentions": body.get("allowed_mentions"),  # fake-only: what the bot asked for
        }
        message.update(self._resolve_mentions(content, body.get("allowed_mentions"), guild, author, channel))
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self._interaction_user(interaction).to_json(),
                "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
            }
        reference = body.get("message_reference")
        if reference:
            ref_id = int(reference["message_id"])
            referenced = self.messages.get(ref_id)
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise _form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": str(ref_id),
                "channel_id": str(reference.get("channel_id") or channel.id),
                "guild_id": _sid(channel.guild_id),
            }
            message["referenced_message"] = copy.deepcopy(referenced)
        if channel.is_thread:
            channel.message_count += 1
            channel.total_message_sent += 1
            message["position"] = channel.total_message_sent
        self.messages[message_id] = message
        if not flags & MessageFlag.EPHEMERAL:
            channel.last_message_id = message_id
        return message

    def _interaction_user(self, record: InteractionRecord) -> FakeUser:
        raw = record.payload.get("member", {}).get("user") or record.payload.get("user")
        return self.users[int(raw["id"])]

    def _attachment(self, f: Mapping[str, Any]) -> dict[str, Any]:
        attachment_id = self.snowflake()
        url = f"{self.base_url}/attachments/{attachment_id}/{f['filename']}"
        return {
            "id": str(attachment_id),
            "filename": f["filename"],
            "size": f["size"],
            "url": url,
            "proxy_url": url,
            "content_type": f.get("content_type"),
        }

    def _gateway_message(self, message: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in message.items() if k != "allowed_mentions"}
        channel = self.channels[int(message["channel_id"])]
        if channel.guild_id:
            guild = self.guilds[channel.guild_id]
            data["guild_id"] = str(guild.id)
            author_id = int(message["author"]["id"])
            if guild.has_member(author_id) and "webhook_id" not in message:
                data["member"] = guild.member(author_id).to_json(with_user=False)
        return data

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as the REST API returns it (without the fake's bookkeeping keys)."""
        return {k: v for k, v in message.items() if k != "allowed_mentions"}

    def _apply_edit(self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[dict[str, Any]]) -> None:
        self._validate_message(body, files, creating=False)
        channel = self.channels[int(message["channel_id"])]
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "flags" in body and body["flags"] is not None:
            keep = message["flags"] & (MessageFlag.EPHEMERAL | MessageFlag.HAS_THREAD)
            message["flags"] = keep | (int(body["flags"]) & ~(MessageFlag.EPHEMERAL | MessageFlag.LOADING))
        else:
            message["flags"] &= ~MessageFlag.LOADING
        if "attachments" in body:
            keep_ids = {str(a.get("id")) for a in body["attachments"] or []}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in keep_ids]
        message["attachments"] += [self._attachment(f) for f in files]
        if "allowed_mentions" in body:
            message["allowed_mentions"] = body["allowed_mentions"]
        author = self.users[int(message["author"]["id"])]
        message.update(self._resolve_mentions(message["content"], message.get("allowed_mentions"), guild, author, channel))
        message["edited_timestamp"] = _iso()

    # ----------------------------------------------------------------------------------------------
    # HTTP plumbing
    # ----------------------------------------------------------------------------------------------
    def _register_routes(self) -> None:
        S = r"(?P<{}>\d+)"
        cid, mid, gid, app, uid = S.format("cid"), S.format("mid"), S.format("gid"), S.format("app"), S.format("uid")
        token = r"(?P<token>[^/]+)"
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/users/@me", self._users_me, True),
            ("GET", rf"/users/{uid}", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/gateway", self._gateway, False),
            ("GET", r"/gateway/bot", self._gateway_bot, True),
            ("GET", r"/oauth2/applications/@me", self._application_me, True),
            ("GET", r"/applications/@me", self._application_me, True),
            ("GET", rf"/applications/{app}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/commands", self._put_commands, True),
            ("GET", rf"/applications/{app}/guilds/{gid}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/guilds/{gid}/commands", self._put_commands, True),
            ("GET", rf"/guilds/{gid}", self._get_guild, True),
            ("GET", rf"/guilds/{gid}/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/{gid}/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/{gid}/members/{uid}", self._get_member, True),
            ("GET", rf"/channels/{cid}", self._get_channel, True),
            ("PATCH", rf"/channels/{cid}", self._edit_channel, True),
            ("DELETE", rf"/channels/{cid}", self._delete_channel_route, True),
            ("GET", rf"/channels/{cid}/messages", self._get_messages, True),
            ("POST", rf"/channels/{cid}/messages", self._post_message, True),
            ("GET", rf"/channels/{cid}/messages/{mid}", self._get_message, True),
            ("PATCH", rf"/channels/{cid}/messages/{mid}", self._edit_message, True),
            ("DELETE", rf"/channels/{cid}/messages/{mid}", self._delete_message, True),
            ("POST", rf"/channels/{cid}/messages/{mid}/threads", self._start_thread_from_message, True),
            ("POST", rf"/channels/{cid}/threads", self._start_thread, True),
            ("POST", rf"/channels/{cid}/typing", self._no_content, True),
            ("PUT", rf"/channels/{cid}/messages/{mid}/reactions/(?P<emoji>[^/]+)/@me", self._add_reaction, True),
            ("DELETE", rf"/channels/{cid}/messages/{mid}/reactions/(?P<emoji>[^/]+)/@me", self._no_content, True),
            ("PUT", rf"/channels/{cid}/(?:messages/)?pins/{mid}", self._pin, True),
            ("DELETE", rf"/channels/{cid}/(?:messages/)?pins/{mid}", self._unpin, True),
            ("PUT", rf"/channels/{cid}/thread-members/(?:@me|\d+)", self._no_content, True),
            ("DELETE", rf"/channels/{cid}/thread-members/(?:@me|\d+)", self._no_content, True),
            ("POST", rf"/interactions/(?P<iid>\d+)/{token}/callback", self._interaction_callback, False),
            ("POST", rf"/webhooks/{app}/{token}", self._webhook_execute, False),
            ("GET", rf"/webhooks/{app}/{token}/messages/(?P<wmid>@original|\d+)", self._webhook_get, False),
            ("PATCH", rf"/webhooks/{app}/{token}/messages/(?P<wmid>@original|\d+)", self._webhook_edit, False),
            ("DELETE", rf"/webhooks/{app}/{token}/messages/(?P<wmid>@original|\d+)", self._webhook_delete, False),
        ]
        self._routes = [(m, re.compile(p), h, auth) for m, p, h, auth in routes]

    @staticmethod
    def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        all_headers = {"Via": "1.1 google"}
        all_headers.update(headers or {})
        if status == 204 or body is None:
            return web.Response(status=204 if body is None and status < 300 else status, headers=all_headers)
        # Exactly "application/json": discord.py only parses JSON when the header matches exactly,
        # and aiohttp's json_response would add "; charset=utf-8".
        all_headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)

    async def _outside_api_handler(self, request: web.Request) -> web.Response:
        call = Call(request.method, request.path, dict(request.query), None, dict(request.headers))
        body = {"message": f"FakeDiscord: {request.method} {request.path} is outside {API_PREFIX}", "code": 0}
        return await self._finish(call, _Reply(404, body), unhandled=True)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.headers.get("Content-Type", "")
        files: list[dict[str, Any]] = []
        if ctype.startswith("multipart/"):
            body = None
            reader = await request.multipart()
            async for part in reader:
                data = await part.read(decode=False)
                if part.name == "payload_json":
                    body = json.loads(data.decode())
                elif part.filename is not None:
                    files.append(
                        {
                            "field": part.name,
                            "filename": part.filename,
                            "content_type": part.headers.get("Content-Type"),
                            "size": len(data),
                            "data": bytes(data),
                        }
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode(errors="replace"), files

    async def _rest_handler(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        path = path.rstrip("/") or "/"
        body, files = await self._read_body(request)
        call = Call(request.method, path, dict(request.query), body, dict(request.headers), files)
        self.calls.append(call)

        fault = next((f for f in self.faults if f.matches(request.method, path)), None)
        if fault is not None:
            fault.hits += 1
            call.fault = fault
            if fault.commit:
                with contextlib.suppress(Exception):
                    await self._route(request, path, body, files, call)
            return await self._finish(call, self._fault_reply(fault), record=False)
        fault = self.fault_plan.pick(request.method, path) if self.fault_plan is not None else None
        if fault is not None and fault.kind is not None:
            self.fault_counts[fault.kind] += 1
            call.fault = fault
            if not fault.commit:
                return await self._finish(call, self._fault_reply(fault), record=False)
            try:  # it takes effect ...
                reply = await self._route(request, path, body, files, call)
            except ApiError as exc:
                reply = _Reply(exc.status, exc.body())
            if fault.kind == "disconnect_after_accept":  # ... and the connection drops unanswered
                call.status, call.response = 0, reply.body
                if request.transport is not None:
                    request.transport.close()
                async with self._calls_changed:
                    self._calls_changed.notify_all()
                return web.Response(status=500)
            with contextlib.suppress(TimeoutError):  # ... and the answer comes too late
                await asyncio.wait_for(self._closing.wait(), self.fault_plan.hold if self.fault_plan else 0)
            return await self._finish(call, reply, record=False)

        try:
            reply = await self._route(request, path, body, files, call)
        except ApiError as exc:
            reply = _Reply(exc.status, exc.body())
        return await self._finish(call, reply, record=False)

    async def _route(self, request: web.Request, path: str, body: Any, files: list[dict[str, Any]], call: Call) -> _Reply:
        allowed_methods = []
        for method, pattern, handler, needs_auth in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if method != request.method:
                allowed_methods.append(method)
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return _Reply(401, {"message": "401: Unauthorized", "code": 0})
            params = {k: v for k, v in match.groupdict().items() if v is not None}
            if "cid" in params:
                self._check_channel(int(params["cid"]), request.method)
            req = _Request(request.method, path, params, dict(request.query), body, files, request.headers, call)
            result = handler(req)
            if asyncio.iscoroutine(result):
                result = await result
            return result if isinstance(result, _Reply) else _Reply(200, result)
        self.unhandled.append(call)
        hint = f" (the path exists for {sorted(set(allowed_methods))})" if allowed_methods else ""
        return _Reply(
            404,
            {
                "message": f"FakeDiscord has no route for {request.method} {API_PREFIX}{path}{hint}; "
                "add it to tests/fakes/fake_discord.py",
                "code": 0,
            },
        )

    def _fault_reply(self, fault: Fault) -> _Reply:
        if fault.status == 429:
            reset_after = f"{fault.retry_after:.3f}"
            scope = "global" if fault.global_ else "user"
            body = fault.body or {
                "message": fault.message or "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.global_,
                "code": fault.code or 0,
            }
            headers = {
                "Retry-After": str(max(1, round(fault.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
                "X-RateLimit-Reset-After": reset_after,
                "X-RateLimit-Bucket": "fake-" + secrets.token_hex(8),
                "X-RateLimit-Scope": scope,
            }
            if fault.global_:
                headers["X-RateLimit-Global"] = "true"
            return _Reply(429, body, headers)
        default_messages = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
            500: (0, "500: Internal Server Error"),
            502: (0, "502: Bad Gateway"),
            503: (0, "503: Service Unavailable"),
        }
        code, message = default_messages.get(fault.status, (0, f"{fault.status}: injected failure"))
        body = fault.body or {"message": fault.message or message, "code": fault.code if fault.code is not None else code}
        return _Reply(fault.status, body)

    async def _finish(self, call: Call, reply: _Reply, *, record: bool = True, unhandled: bool = False) -> web.Response:
        if record:
            self.calls.append(call)
        if unhandled:
            self.unhandled.append(call)
        call.status = reply.status if reply.body is not None or reply.status >= 300 else 204
        call.response = reply.body
        if call.status >= 400:
            log.info("FakeDiscord answered %s %s with %s %s", call.method, call.path, call.status, reply.body)
        async with self._calls_changed:
            self._calls_changed.notify_all()
        return self._json_response(reply.status, reply.body, reply.headers)

    def _check_channel(self, channel_id: int, method: str) -> None:
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        parent = self.channels.get(channel.parent_id) if channel.parent_id else None
        if method != "GET" and (channel.forbidden or (parent is not None and parent.forbidden)):
            raise ApiError(403, 50013, "Missing Permissions")

    def _require(self, channel: FakeChannel, needed: int) -> None:
        if not self.enforce_permissions or channel.guild_id is None:
            return
        perms = self.bot_permissions(channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    def _channel_message(self, channel_id: int, message_id: int) -> dict[str, Any]:
        message = self.messages.get(message_id)
        if message is None or int(message["channel_id"]) != channel_id or message["flags"] & MessageFlag.EPHEMERAL:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    # ----------------------------------------------------------------------------------------------
    # REST handlers
    # ----------------------------------------------------------------------------------------------
    def _users_me(self, req: _Request) -> Any:
        data = self.bot_user.to_json()
        data.update(verified=True, mfa_enabled=False, locale="en-US", email=None, flags=0)
        return data

    def _get_user(self, req: _Request) -> Any:
        user = self.users.get(int(req.params["uid"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user.to_json()

    def _create_dm(self, req: _Request) -> Any:
        user_id = int((req.json or {}).get("recipient_id", 0))
        if user_id not in self.users:
            raise _form_error("recipient_id", "USER_UNKNOWN", "Unknown User")
        return self.dm_channel(user_id).to_json()

    def _gateway(self, req: _Request) -> Any:
        return {"url": self.gateway_url}

    def _gateway_bot(self, req: _Request) -> Any:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
        }

    def _application_me(self, req: _Request) -> Any:
        return self.application

    def _get_commands(self, req: _Request) -> Any:
        scope = int(req.params["gid"]) if "gid" in req.params else None
        self._check_app(req)
        return self.commands.get(scope, [])

    def _check_app(self, req: _Request) -> None:
        if int(req.params["app"]) != self.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "gid" in req.params and int(req.params["gid"]) not in self.guilds:
            raise ApiError(404, 10004, "Unknown Guild")

    def _put_commands(self, req: _Request) -> Any:
        self._check_app(req)
        scope = int(req.params["gid"]) if "gid" in req.params else None
        if not isinstance(req.json, list):
            raise _form_error("_", "BASE_TYPE_ARRAY", "Must be an array.")
        stored = []
        for i, command in enumerate(req.json):
            name = command.get("name", "")
            if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
                raise _form_error(f"{i}.name", "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")
            ctype = command.get("type", 1)
            key = (scope, name, ctype)
            command_id = self.command_ids.setdefault(key, self.snowflake())
            entry = copy.deepcopy(command)
            entry.update(
                id=str(command_id),
                application_id=str(self.application_id),
                version=str(self.snowflake()),
                type=ctype,
                default_member_permissions=command.get("default_member_permissions"),
                description=command.get("description", ""),
            )
            if scope is not None:
                entry["guild_id"] = str(scope)
            stored.append(entry)
        if len({(c["name"], c["type"]) for c in stored}) != len(stored):
            raise ApiError(400, 50035, "Invalid Form Body: duplicate command names")
        self.commands[scope] = stored
        return stored

    def _guild(self, req: _Request) -> FakeGuild:
        guild = self.guilds.get(int(req.params["gid"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _get_guild(self, req: _Request) -> Any:
        data = self._guild(req).to_json()
        for key in ("members", "channels", "threads", "voice_states", "presences", "joined_at", "member_count"):
            data.pop(key, None)
        return data

    def _get_guild_channels(self, req: _Request) -> Any:
        return [c.to_json() for c in self._guild(req).channels if not c.is_thread and not c.deleted]

    def _get_guild_roles(self, req: _Request) -> Any:
        return [r.to_json() for r in self._guild(req).roles]

    def _get_member(self, req: _Request) -> Any:
        try:
            return self._guild(req).member(int(req.params["uid"])).to_json()
        except KeyError:
            raise ApiError(404, 10007, "Unknown Member") from None

    def _get_channel(self, req: _Request) -> Any:
        return self.channels[int(req.params["cid"])].to_json()

    def _edit_channel(self, req: _Request) -> Any:
        channel = self.channels[int(req.params["cid"])]
        body = req.json or {}
        if channel.is_thread:
            if "locked" in body and bool(body["locked"]) != channel.locked:
                self._require(channel, Perm.MANAGE_THREADS)
            if "archived" in body and channel.owner_id != self.bot_user.id:
                self._require(channel, Perm.MANAGE_THREADS)
            if channel.archived and channel.locked and body.get("archived", True) and set(body) - {"archived", "locked"}:
                raise ApiError(400, 50083, "Thread is archived")
            if "archived" in body and bool(body["archived"]) != channel.archived:
                channel.archived = bool(body["archived"])
                channel.archive_timestamp = _iso()
            for key in ("locked", "invitable"):
                if key in body and body[key] is not None:
                    setattr(channel, key, bool(body[key]))
            if body.get("auto_archive_duration"):
                channel.auto_archive_duration = int(body["auto_archive_duration"])
        else:
            self._require(channel, Perm.MANAGE_CHANNELS)
            if "topic" in body:
                channel.topic = body["topic"]
            if "position" in body and body["position"] is not None:
                channel.position = int(body["position"])
        if body.get("name"):
            if not 1 <= len(body["name"]) <= 100:
                raise _form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            channel.name = body["name"]
        if "rate_limit_per_user" in body and body["rate_limit_per_user"] is not None:
            channel.rate_limit_per_user = int(body["rate_limit_per_user"])
        data = channel.to_json()
        self._emit("THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE", data)
        return data

    def _delete_channel_route(self, req: _Request) -> Any:
        channel = self.channels[int(req.params["cid"])]
        self._require(channel, Perm.MANAGE_THREADS if channel.is_thread else Perm.MANAGE_CHANNELS)
        data = channel.to_json()
        self.delete_channel(channel)
        self._emit("THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE", data)
        return data

    def _get_messages(self, req: _Request) -> Any:
        messages = self.channel_messages(int(req.params["cid"]))
        limit = int(req.query.get("limit", 50))
        if "before" in req.query:
            messages = [m for m in messages if int(m["id"]) < int(req.query["before"])]
        if "after" in req.query:
            messages = [m for m in messages if int(m["id"]) > int(req.query["after"])]
            return [self._public(m) for m in reversed(messages[:limit])]
        return [self._public(m) for m in reversed(messages[-limit:])]

    def _post_message(self, req: _Request) -> Any:
        channel = self.channels[int(req.params["cid"])]
        body = req.json or {}
        if channel.type == ChannelType.CATEGORY:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        needed = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        self._require(channel, needed | (Perm.ATTACH_FILES if req.files else 0))
        if channel.is_thread and channel.archived:
            if channel.locked and not self.bot_permissions(channel) & Perm.MANAGE_THREADS:
                raise ApiError(400, 50083, "Thread is archived")
            channel.archived = False  # sending to an unlocked archived thread unarchives it
            self._emit("THREAD_UPDATE", channel.to_json())

        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (channel.id, self.bot_user.id, str(nonce))
            seen = self._nonces.get(key)
            if seen is not None and time.monotonic() - seen[1] <= self.nonce_window and seen[0] in self.messages:
                return self._public(self.messages[seen[0]])
        message = self._create_message(channel, self.bot_user, body, files=req.files)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(channel.id, self.bot_user.id, str(nonce))] = (int(message["id"]), time.monotonic())
        self._emit("MESSAGE_CREATE", self._gateway_message(message))
        return self._public(message)

    def _get_message(self, req: _Request) -> Any:
        return self._public(self._channel_message(int(req.params["cid"]), int(req.params["mid"])))

    def _edit_message(self, req: _Request) -> Any:
        message = self._channel_message(int(req.params["cid"]), int(req.params["mid"]))
        body = req.json or {}
        if int(message["author"]["id"]) != self.bot_user.id or "webhook_id" in message:
            if set(body) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_edit(message, body, req.files)
        self._emit("MESSAGE_UPDATE", self._gateway_message(message))
        return self._public(message)

    def _delete_message(self, req: _Request) -> _Reply:
        channel = self.channels[int(req.params["cid"])]
        message = self._channel_message(channel.id, int(req.params["mid"]))
        if int(message["author"]["id"]) != self.bot_user.id:
            self._require(channel, Perm.MANAGE_MESSAGES)
        self._remove_message(message)
        return _Reply(204)

    def _remove_message(self, message: dict[str, Any]) -> None:
        message_id = int(message["id"])
        self.deleted_messages[message_id] = self.messages.pop(message_id)
        channel = self.channels[int(message["channel_id"])]
        event = {"id": str(message_id), "channel_id": str(channel.id)}
        if channel.guild_id:
            event["guild_id"] = str(channel.guild_id)
        self._emit("MESSAGE_DELETE", event)

    def _new_thread(self, parent: FakeChannel, body: Mapping[str, Any], thread_id: int, thread_type: int) -> FakeChannel:
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise _form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        duration = int(body.get("auto_archive_duration") or 4320)
        if duration not in (60, 1440, 4320, 10080):
            raise _form_error("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
        thread = FakeChannel(
            thread_id,
            name,
            guild_id=parent.guild_id,
            type=thread_type,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=duration,
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            invitable=bool(body.get("invitable", True)),
        )
        self.channels[thread.id] = thread
        self.guilds[parent.guild_id].channels.append(thread)
        return thread

    def _start_thread_from_message(self, req: _Request) -> Any:
        parent = self.channels[int(req.params["cid"])]
        if parent.is_thread or parent.type not in (ChannelType.TEXT, ChannelType.NEWS) or parent.guild_id is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        message = self._channel_message(parent.id, int(req.params["mid"]))
        if message["id"] and int(message["id"]) in self.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        self._require(parent, Perm.CREATE_PUBLIC_THREADS)
        thread_type = ChannelType.NEWS_THREAD if parent.type == ChannelType.NEWS else ChannelType.PUBLIC_THREAD
        thread = self._new_thread(parent, req.json or {}, int(message["id"]), thread_type)
        data = thread.to_json()
        message["thread"] = data
        message["flags"] |= MessageFlag.HAS_THREAD
        self._emit("THREAD_CREATE", {**data, "newly_created": True})
        return data

    def _start_thread(self, req: _Request) -> Any:
        parent = self.channels[int(req.params["cid"])]
        if parent.is_thread or parent.type not in (ChannelType.TEXT, ChannelType.NEWS) or parent.guild_id is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        body = req.json or {}
        thread_type = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        self._require(parent, Perm.CREATE_PRIVATE_THREADS if thread_type == 12 else Perm.CREATE_PUBLIC_THREADS)
        thread = self._new_thread(parent, body, self.snowflake(), thread_type)
        data = thread.to_json()
        self._emit("THREAD_CREATE", {**data, "newly_created": True})
        return data

    def _no_content(self, req: _Request) -> _Reply:
        return _Reply(204)

    def _add_reaction(self, req: _Request) -> _Reply:
        channel_id, message_id = int(req.params["cid"]), int(req.params["mid"])
        self._channel_message(channel_id, message_id)
        self.reactions.append((channel_id, message_id, req.params["emoji"]))
        return _Reply(204)

    def _pin(self, req: _Request) -> _Reply:
        channel_id, message_id = int(req.params["cid"]), int(req.params["mid"])
        self._channel_message(channel_id, message_id)["pinned"] = True
        self.pins.add((channel_id, message_id))
        return _Reply(204)

    def _unpin(self, req: _Request) -> _Reply:
        channel_id, message_id = int(req.params["cid"]), int(req.params["mid"])
        self._channel_message(channel_id, message_id)["pinned"] = False
        self.pins.discard((channel_id, message_id))
        return _Reply(204)

    # -- interactions -------------------------------------------------------------------------------
    def _interaction_callback(self, req: _Request) -> Any:
        record = self.interactions.get(int(req.params["iid"]))
        if record is None or record.token != req.params["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        try:
            return self._accept_callback(record, req)
        except ApiError:
            record.rejected.append(req.call)
            raise

    def _accept_callback(self, record: InteractionRecord, req: _Request) -> Any:
        if record.responses:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.interaction_deadline is not None
            and record.dispatched_at is not None
            and time.monotonic() - record.dispatched_at > self.interaction_deadline
        ):
            raise ApiError(404, 10062, "Unknown interaction")
        body = req.json or {}
        rtype = int(body.get("type", 0))
        data = body.get("data") or {}
        if rtype not in ALLOWED_CALLBACKS.get(record.type, set()):
            raise _form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", f"Invalid response type {rtype} for interaction type {record.type}")
        channel = self.channels.get(record.channel_id) if record.channel_id else None
        component_message = record.payload.get("message")
        resource: dict[str, Any] = {"type": rtype}
        message = None
        if rtype == 4:
            self._validate_message(data, req.files)
            message = self._interaction_message(record, channel, data, req.files)
        elif rtype == 5:
            flags = MessageFlag.LOADING | (int(data.get("flags") or 0) & MessageFlag.EPHEMERAL)
            message = self._interaction_message(record, channel, {"content": "", "flags": flags}, (), validate=False)
        elif rtype in (6, 7):
            if component_message is None:
                raise _form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")
            stored = self.messages.get(int(component_message["id"]))
            if stored is None:
                raise ApiError(404, 10008, "Unknown Message")
            record.original_message_id = int(stored["id"])
            if rtype == 7:
                self._apply_edit(stored, data, req.files)
                self._emit_update(stored)
                message = stored
        elif rtype == 9:
            if not data.get("custom_id") or not data.get("title") or len(data["title"]) > 45:
                raise _form_error("data", "MODAL_INVALID", "A modal needs a custom_id and a title of at most 45 characters")
            if not 1 <= len(data.get("components") or []) <= 5:
                raise _form_error("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
            self.modals[data["custom_id"]] = copy.deepcopy(data)
        elif rtype == 8:
            if len(data.get("choices") or []) > 25:
                raise _form_error("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if message is not None:
            resource["message"] = self._public(message)
        record.responses.append({"type": rtype, "data": data})
        record.responded.set()
        if req.query.get("with_response") not in ("1", "true", "True"):
            return _Reply(204)
        return {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "activity_instance_id": None,
                "response_message_id": _sid(message["id"]) if message else None,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(message and message["flags"] & MessageFlag.EPHEMERAL),
            },
            "resource": resource,
        }

    def _interaction_message(
        self,
        record: InteractionRecord,
        channel: FakeChannel | None,
        data: Mapping[str, Any],
        files: Sequence[dict[str, Any]],
        *,
        validate: bool = True,
    ) -> dict[str, Any]:
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        message_type = 20 if record.type == InteractionType.APPLICATION_COMMAND else 0
        message = self._create_message(
            channel,
            self.bot_user,
            data,
            files=files,
            validate=validate,
            webhook_id=self.application_id,
            interaction=record,
            message_type=message_type,
        )
        if record.original_message_id is None:
            record.original_message_id = int(message["id"])
        if not message["flags"] & MessageFlag.EPHEMERAL:
            self._emit("MESSAGE_CREATE", self._gateway_message(message))
        return message

    def _emit_update(self, message: dict[str, Any]) -> None:
        if not message["flags"] & MessageFlag.EPHEMERAL:
            self._emit("MESSAGE_UPDATE", self._gateway_message(message))

    def _webhook_record(self, req: _Request) -> InteractionRecord:
        if int(req.params["app"]) != self.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        for record in self.interactions.values():
            if record.token == req.params["token"]:
                if not record.responses:
                    # Discord: follow-ups and @original need the initial response first.
                    raise ApiError(404, 10015, "Unknown Webhook")
                return record
        raise ApiError(404, 10015, "Unknown Webhook")

    def _webhook_message(self, record: InteractionRecord, wmid: str) -> dict[str, Any]:
        if wmid == "@original":
            if record.original_message_id is None:
                raise ApiError(404, 10008, "Unknown Message")
            message_id = record.original_message_id
        else:
            message_id = int(wmid)
            known = {record.original_message_id} | {int(m["id"]) for m in record.followups}
            if message_id not in known:
                raise ApiError(404, 10008, "Unknown Message")
        message = self.messages.get(message_id)
        if message is None:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def _webhook_execute(self, req: _Request) -> Any:
        record = self._webhook_record(req)
        body = req.json or {}
        self._validate_message(body, req.files)
        channel = self.channels.get(record.channel_id) if record.channel_id else None
        if "thread_id" in req.query:
            channel = self.channels.get(int(req.query["thread_id"]))
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        message = self._create_message(
            channel, self.bot_user, body, files=req.files, webhook_id=self.application_id, interaction=record
        )
        record.followups.append(message)
        if not message["flags"] & MessageFlag.EPHEMERAL:
            self._emit("MESSAGE_CREATE", self._gateway_message(message))
        if req.query.get("wait") in ("1", "true", "True"):
            return self._public(message)
        return _Reply(204)

    def _webhook_get(self, req: _Request) -> Any:
        record = self._webhook_record(req)
        return self._public(self._webhook_message(record, req.params["wmid"]))

    def _webhook_edit(self, req: _Request) -> Any:
        record = self._webhook_record(req)
        message = self._webhook_message(record, req.params["wmid"])
        body = req.json or {}
        if req.params["wmid"] == "@original":
            record.edits.append(body)
        self._apply_edit(message, body, req.files)
        self._emit_update(message)
        return self._public(message)

    def _webhook_delete(self, req: _Request) -> _Reply:
        record = self._webhook_record(req)
        message = self._webhook_message(record, req.params["wmid"])
        if message["flags"] & MessageFlag.EPHEMERAL:
            self.deleted_messages[int(message["id"])] = self.messages.pop(int(message["id"]))
        else:
            self._remove_message(message)
        return _Reply(204)

    # ----------------------------------------------------------------------------------------------
    # Gateway server
    # ----------------------------------------------------------------------------------------------
    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = _GatewayConnection(ws, request.query)
        self._connections.append(conn)
        try:
            if request.query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"FakeDiscord speaks encoding=json only")
                return ws
            # Transport compression (compress=zlib-stream/zstd-stream) is requested by discord.py but
            # optional for the server: discord.py only decompresses binary frames, and the fake sends
            # plain text frames.
            await conn.send(
                {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval, "_trace": ["fake-discord"]}, "s": None, "t": None}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode())
                else:
                    break
                await self._on_gateway_payload(conn, payload)
        finally:
            self._connections.remove(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
        return ws

    async def _on_gateway_payload(self, conn: _GatewayConnection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:
            conn.heartbeats += 1
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
            return
        self.gateway_received.append(payload)
        if op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 8:
            await self._request_members(conn, data or {})
        # op 3 (presence), op 4 (voice state) and others are recorded and otherwise ignored.

    async def _identify(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token and data.get("token") != f"Bot {self.token}":
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        shard = tuple(data["shard"]) if data.get("shard") else None
        session = GatewaySession(secrets.token_hex(16), int(data.get("intents", 0)), shard, data)
        session.connection = conn
        conn.session = session
        self.sessions[session.id] = session
        guilds = [g for g in self.guilds.values() if session.handles_guild(g.id)]
        ready: dict[str, Any] = {
            "v": API_VERSION,
            "user": {**self.bot_user.to_json(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application["flags"]},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await self._send_dispatch(session, "READY", ready)
        if session.wants(Intent.GUILDS):
            for guild in guilds:
                await self._send_dispatch(session, "GUILD_CREATE", guild.to_json())
        self._identified.set()

    async def _resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        # Events sent while disconnected are not replayed.
        session.connection = conn
        conn.session = session
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})

    async def _request_members(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if conn.session is None:
            return
        guild_ids = data.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.guilds.get(int(gid))
            if guild is None:
                continue
            members = guild.members
            if data.get("user_ids"):
                wanted = {int(u) for u in data["user_ids"]}
                members = [m for m in members if m.id in wanted]
            elif data.get("query"):
                members = [m for m in members if m.user.username.lower().startswith(str(data["query"]).lower())]
            if data.get("limit"):
                members = members[: int(data["limit"])]
            chunk = {
                "guild_id": str(guild.id),
                "members": [m.to_json() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            if data.get("presences"):
                chunk["presences"] = []
            await self._send_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)
