"""Running the Discord adapter: one client, in the same event loop as the scheduler tick.

`start_discord(app, settings)` logs in and returns once connected; adapters/serve_platforms.py
starts it next to any other adapter and then the one scheduler.

`run_discord` returns when the client stops: 0 after a normal close, 2 when
Discord refuses the configuration (bad token, privileged intent not enabled,
missing scope or access), 1 when Discord cannot be reached. Each failure is one
log line that says what to fix; the token is never logged.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from adapters.discord.client import QotdDiscordClient, StartupError
from adapters.running import CONFIG_ERROR, UNREACHABLE, StartFailed
from bot.bootstrap import Qotd
from bot.config import Settings

log = logging.getLogger(__name__)

SCOPES = ("bot", "applications.commands")


def required_permissions() -> discord.Permissions:
    """What the bot needs in a question channel: post, embed, thread, react, and archive/lock threads."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        read_message_history=True,
        add_reactions=True,
        create_public_threads=True,
        send_messages_in_threads=True,
        manage_threads=True,
    )


def invite_url(application_id: int | str) -> str:
    return discord.utils.oauth_url(application_id, permissions=required_permissions(), scopes=SCOPES)


def point_at(api_base: str | None) -> None:
    """Send REST calls to `api_base` (a rate-limit proxy, or a fake in tests) instead of discord.com."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")


def build_client(app: Qotd, settings: Settings, **options) -> QotdDiscordClient:
    """The client for `settings`: REST base, sharding, intents, test server, admin role, thread handling."""
    point_at(settings.discord_api_base)
    if settings.discord_shard_ids and not settings.discord_shard_count:
        raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
    if settings.discord_shard_count and settings.discord_shard_ids:
        bad = [i for i in settings.discord_shard_ids if not 0 <= i < settings.discord_shard_count]
        if bad:
            raise ValueError(f"DISCORD_SHARD_IDS {bad} are outside 0..{settings.discord_shard_count - 1}")
    sharding: dict = {}
    if settings.discord_shard_count:
        sharding["shard_count"] = settings.discord_shard_count
    if settings.discord_shard_ids:
        sharding["shard_ids"] = list(settings.discord_shard_ids)
    return QotdDiscordClient(
        app,
        message_content=settings.discord_message_content,
        test_guild_id=settings.discord_test_guild,
        admin_role_id=settings.discord_admin_role,
        thread_on_reveal=settings.discord_thread_on_reveal,
        **sharding,
        **options,
    )


async def run_discord(client: QotdDiscordClient, token: str) -> int:
    """Log in and serve until stopped; a refused configuration is one clear line and a non-zero code."""
    try:
        await client.start(token)
    except discord.LoginFailure:
        log.error("Discord rejected the bot token: check DISCORD_TOKEN (the bot token from the Developer Portal)")
        return CONFIG_ERROR
    except discord.PrivilegedIntentsRequired:
        log.error(
            "Discord refused the message content intent: enable it for the bot in the Developer Portal "
            "(Bot > Privileged Gateway Intents) or unset DISCORD_MESSAGE_CONTENT"
        )
        return CONFIG_ERROR
    except StartupError as exc:
        log.error("%s", exc)
        return CONFIG_ERROR
    except discord.Forbidden as exc:
        log.error("Discord refused access at start-up (%s %s); check the bot's scopes and permissions", exc.status, exc.text)
        return CONFIG_ERROR
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
        log.error("could not reach Discord at %s: %s", discord.http.Route.BASE, exc.__class__.__name__)
        return UNREACHABLE
    finally:
        if not client.is_closed():
            await client.close()
    return 0


class RunningDiscord:
    name = "discord"

    def __init__(self, client: QotdDiscordClient, serving: asyncio.Task[int]) -> None:
        self.client = client
        self.finished = serving

    def connected(self) -> bool:
        return self.client.is_ready() and not self.client.is_closed()

    async def stop(self) -> None:
        if not self.client.is_closed():
            await self.client.close()
        await asyncio.wait({self.finished})


async def start_discord(app: Qotd, settings: Settings, **client_options) -> RunningDiscord:
    """Log in and wait until connected (posting needs a logged-in client); a refusal raises StartFailed."""
    if not settings.discord_token:
        raise StartFailed(CONFIG_ERROR, "DISCORD_TOKEN is not set")
    try:
        client = build_client(app, settings, **client_options)
    except ValueError as exc:
        raise StartFailed(CONFIG_ERROR, str(exc)) from None
    serving = asyncio.create_task(run_discord(client, settings.discord_token), name="qotd-discord")
    connected = asyncio.create_task(client.connected_once.wait())
    await asyncio.wait({serving, connected}, return_when=asyncio.FIRST_COMPLETED)
    connected.cancel()
    if serving.done():
        code = serving.result()
        raise StartFailed(code or CONFIG_ERROR, "")  # run_discord has already logged what to fix
    return RunningDiscord(client, serving)
