"""Settings, read once from the environment. Secrets are kept out of repr and logs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.errors import InvalidInput
from bot.schedule_rules import parse_duration

REPO_ROOT = Path(__file__).resolve().parents[1]


class ConfigError(Exception):
    """A setting has a value the bot cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    content_dir: Path
    tick_seconds: float = 20.0
    missed_post_grace: timedelta = timedelta(hours=6)
    claim_timeout: timedelta = timedelta(minutes=2)
    max_answer_chars: int = 4000
    freeze_every: int = 5  # an on-time answer that brings a member's count to a multiple of this earns a streak freeze
    freeze_max: int = 2  # streak freezes a member can hold at once
    # Due posts and reveals worked on at once by one process (bot/due_work.py); each waits on its platform.
    post_concurrency: int = 32
    log_level: str = "INFO"
    log_format: str = "text"  # text for people, json for log pipelines (one object per line)
    ops_host: str = "0.0.0.0"
    ops_port: int | None = None  # /healthz and /metrics; off unless set
    discord_token: str | None = field(default=None, repr=False)
    # Where the console writes files (exports, charts): QOTD_DATA_DIR, next to the default SQLite file.
    data_dir: Path = Path("data")
    # Signs the forget-me confirmation codes; unset, one is derived from DATABASE_URL (same for every instance).
    secret: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_configured: bool = False  # SLACK_CLIENT_ID set: installs into many workspaces (no single bot token)
    discord_api_base: str | None = None
    discord_test_guild: int | None = None
    discord_admin_role: int | None = None
    discord_message_content: bool = False
    discord_thread_on_reveal: str = "archive"
    discord_shard_count: int | None = None
    discord_shard_ids: tuple[int, ...] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        data_dir = Path(env.get("QOTD_DATA_DIR") or "data").expanduser()
        default_url = f"sqlite+aiosqlite:///{data_dir / 'qotd.sqlite3'}"
        database_url = env.get("DATABASE_URL") or default_url
        if not database_url.startswith(("sqlite+aiosqlite:", "postgresql+asyncpg:")):
            database_url = _normalise_url(database_url)
        return cls(
            database_url=database_url,
            content_dir=Path(env.get("QOTD_CONTENT_DIR") or REPO_ROOT / "content"),
            tick_seconds=_positive_float(env, "QOTD_TICK_SECONDS", 20.0),
            missed_post_grace=_duration(env, "QOTD_MISSED_POST_GRACE", timedelta(hours=6)),
            claim_timeout=_duration(env, "QOTD_CLAIM_TIMEOUT", timedelta(minutes=2)),
            max_answer_chars=int(_positive_float(env, "QOTD_MAX_ANSWER_CHARS", 4000)),
            freeze_every=_whole_number(env, "QOTD_FREEZE_EVERY", 5, minimum=1),
            freeze_max=_whole_number(env, "QOTD_FREEZE_MAX", 2, minimum=0),
            post_concurrency=_whole_number(env, "QOTD_POST_CONCURRENCY", 32, minimum=1),
            log_level=(env.get("QOTD_LOG_LEVEL") or "INFO").upper(),
            log_format=_choice(env, "QOTD_LOG_FORMAT", ("text", "json"), "text"),
            ops_host=env.get("QOTD_OPS_HOST") or "0.0.0.0",
            ops_port=_port(env, "QOTD_OPS_PORT"),
            discord_token=env.get("DISCORD_TOKEN") or None,
            data_dir=data_dir,
            secret=env.get("QOTD_SECRET") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_configured=bool(env.get("SLACK_CLIENT_ID")),
            discord_api_base=env.get("DISCORD_API_BASE") or None,
            discord_test_guild=_snowflake(env, "DISCORD_TEST_GUILD"),
            discord_admin_role=_snowflake(env, "DISCORD_ADMIN_ROLE"),
            discord_message_content=_flag(env, "DISCORD_MESSAGE_CONTENT"),
            discord_thread_on_reveal=_choice(env, "DISCORD_THREAD_ON_REVEAL", ("archive", "lock", "keep"), "archive"),
            discord_shard_count=_snowflake(env, "DISCORD_SHARD_COUNT"),
            discord_shard_ids=_id_list(env, "DISCORD_SHARD_IDS"),
        )

    @property
    def platforms(self) -> list[str]:
        """The chat platforms configured; empty means the console."""
        found = []
        if self.discord_token:
            found.append("discord")
        if self.slack_bot_token or self.slack_app_configured:
            found.append("slack")
        return found


def _normalise_url(url: str) -> str:
    """Accept the plain forms people paste (postgres://, postgresql://, sqlite:///)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://"):]
    raise ConfigError(
        "DATABASE_URL must start with sqlite+aiosqlite:/// or postgresql+asyncpg:// "
        f"(got a URL starting with '{url.split(':', 1)[0]}:')"
    )


def _duration(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return parse_duration(raw, what=name)
    except InvalidInput as exc:
        raise ConfigError(exc.message) from None


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number (got '{raw}')") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than zero (got '{raw}')")
    return value


def _whole_number(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name} must be a whole number from {minimum} (got '{raw}')")
    return int(raw)


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a number (got '{raw}')")
    return int(raw)


def _id_list(env: Mapping[str, str], name: str) -> tuple[int, ...] | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(",")]
    if not all(p.isdigit() for p in parts):
        raise ConfigError(f"{name} must be a comma-separated list of numbers (got '{raw}')")
    return tuple(int(p) for p in parts)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false (got '{raw}')")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)} (got '{raw}')")
    return raw


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name} must be a port number from 1 to 65535 (got {raw!r})")
    return int(raw)
