"""Running the Discord adapter: one client, in the same event loop as the scheduler tick.

`serve(settings)` does it all for a Discord-only process (`qotd run` with DISCORD_TOKEN set):
bootstrap the core, log in, start the one scheduler once connected, stop cleanly on SIGTERM or
Ctrl-C. A process that also runs Slack composes the same pieces in one loop:

    app = await bootstrap(settings)
    client = build_client(app, settings)                  # connects its port to `app`
    serving = asyncio.create_task(run_discord(client, settings.discord_token))
    await client.connected_once.wait()                    # (or serving ended: a refused start)
    ticker = start_ticking(app, settings.tick_seconds)   # one scheduler for every adapter

`run_discord` returns when the client stops: 0 after a normal close, 2 when
Discord refuses the configuration (bad token, privileged intent not enabled,
missing scope or access), 1 when Discord cannot be reached. Each failure is one
log line that says what to fix; the token is never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import aiohttp
import discord

from adapters.discord.client import QotdDiscordClient, StartupError
from bot.bootstrap import Qotd, bootstrap
from bot.clock import Clock
from bot.config import Settings
from bot.scheduler import start_ticking

log = logging.getLogger(__name__)

CONFIG_ERROR = 2
UNREACHABLE = 1
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


async def serve(settings: Settings, *, clock: Clock | None = None, **client_options) -> int:
    """Run the bot on Discord until stopped; returns the process exit code (see `run_discord`)."""
    if not settings.discord_token:
        log.error("DISCORD_TOKEN is not set")
        return CONFIG_ERROR
    app = await bootstrap(settings, clock=clock)
    ticker = None
    undo_signals = None
    try:
        client = build_client(app, settings, **client_options)
        serving = asyncio.create_task(run_discord(client, settings.discord_token), name="qotd-discord")
        undo_signals = _close_on_signals(client)
        connected = asyncio.create_task(client.connected_once.wait())
        await asyncio.wait({serving, connected}, return_when=asyncio.FIRST_COMPLETED)
        connected.cancel()
        if not serving.done():
            # Posting needs a logged-in client, so the scheduler starts once Discord is connected.
            ticker = start_ticking(app, settings.tick_seconds)
        return await serving
    finally:
        if undo_signals is not None:
            undo_signals()
        if ticker is not None:
            await ticker.stop()
        await app.close()


def _close_on_signals(client: QotdDiscordClient):
    """SIGTERM/SIGINT close the client (so `run_discord` returns 0); returns the undo function."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
            installed.append(sig)

    def undo() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return undo
