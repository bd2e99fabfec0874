"""The Slack app in HTTP mode: slack-bolt's AsyncApp (request signatures checked by Bolt) on aiohttp.

Every command and interaction is acknowledged first (Slack allows 3 seconds); the core's work
runs after the ack, while Bolt has already answered Slack. Thread replies to our posts are
answers; their `event_id` is the message's `client_msg_id` (or channel+ts), so Slack's retried
deliveries are deduplicated by the core's database, and a failed first delivery is not lost.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import ANSWER_ACTION, ANSWER_BLOCK, ANSWER_INPUT, ANSWER_MODAL, answer_modal, reply_blocks
from adapters.slack.members import MemberDirectory
from adapters.slack.port import SlackPort
from bot.bootstrap import Qotd
from bot.ports import ChannelRef, Reply
from bot.services.answering import AnswerSubmitted

log = logging.getLogger(__name__)
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side; nothing was changed. Please try again in a minute."
ANSWER_SUBTYPES = (None, "thread_broadcast")
QUIET_OUTCOMES = ("not_found", "duplicate")  # not our thread / a retried or repeated delivery


class SlackConfigError(ValueError):
    """Missing or malformed Slack settings: one clear message, the caller exits non-zero."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    api_url: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    admin_cache_seconds: float = 300.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SlackSettings":
        env = os.environ if env is None else env
        token, secret = env.get("SLACK_BOT_TOKEN") or "", env.get("SLACK_SIGNING_SECRET") or ""
        if not token.startswith("xoxb-"):
            raise SlackConfigError("SLACK_BOT_TOKEN must be set to the app's bot token (xoxb-...)")
        if not secret:
            raise SlackConfigError("SLACK_SIGNING_SECRET must be set (Basic Information > Signing Secret)")
        api_url = env.get("SLACK_API_URL") or None
        if api_url and not api_url.endswith("/"):
            raise SlackConfigError(f"SLACK_API_URL must end with '/' (got {api_url!r})")
        try:
            port = int(env.get("SLACK_PORT") or 3000)
        except ValueError:
            raise SlackConfigError("SLACK_PORT must be a port number") from None
        return cls(token, secret, api_url, env.get("SLACK_HOST") or "0.0.0.0", port)


def web_client(settings: SlackSettings) -> AsyncWebClient:
    kwargs = {"base_url": settings.api_url} if settings.api_url else {}
    client = AsyncWebClient(token=settings.bot_token, **kwargs)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))  # honours Retry-After
    return client


def public(reply: Reply) -> bool:
    return reply.ok and not reply.private


async def run_core(work, what: str) -> Reply:
    try:
        return await work
    except Exception:
        log.exception("%s failed", what)
        return Reply(SOMETHING_WENT_WRONG, private=True, ok=False, data={"outcome": "error"})


def build_slack_app(qotd: Qotd, settings: SlackSettings) -> AsyncApp:
    """The Bolt app wired to the core; also connects a SlackPort so the core can post."""
    client = web_client(settings)
    bolt = AsyncApp(client=client, signing_secret=settings.signing_secret, logger=log)
    members = MemberDirectory(settings.admin_cache_seconds)
    qotd.connect(PLATFORM, SlackPort(client))

    @bolt.command("/qotd")
    async def on_command(ack, command, respond, client):
        await ack()
        channel = ChannelRef(PLATFORM, command["team_id"], command["channel_id"])
        member = await members.member(client, command["user_id"], command.get("user_name"))
        reply = await run_core(qotd.handle_text(channel, member, command.get("text") or ""), "/qotd")
        text, blocks = reply_blocks(reply)
        await respond(text=text, blocks=blocks, response_type="in_channel" if public(reply) else "ephemeral")

    @bolt.action(ANSWER_ACTION)
    async def on_answer_button(ack, body, client):
        await ack()
        channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        post_id = int(body["actions"][0]["value"])
        await client.views_open(trigger_id=body["trigger_id"], view=answer_modal(post_id, channel_id))

    @bolt.view(ANSWER_MODAL)
    async def on_answer_submitted(ack, body, view, client):
        text = ((view["state"]["values"].get(ANSWER_BLOCK) or {}).get(ANSWER_INPUT) or {}).get("value") or ""
        if not text.strip():
            await ack(response_action="errors", errors={ANSWER_BLOCK: "Your answer is empty."})
            return
        await ack()
        post_id, _, channel_id = view["private_metadata"].partition(":")
        user_id = body["user"]["id"]
        team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id")
        channel = ChannelRef(PLATFORM, team_id, channel_id)
        member = await members.member(client, user_id, body["user"].get("name"))
        event = AnswerSubmitted(channel, member, text, post_id=int(post_id), event_id=f"view:{view['id']}")
        reply = await run_core(qotd.answer(event), "answer modal")
        reply_text, blocks = reply_blocks(reply)
        await client.chat_postEphemeral(channel=channel_id, user=user_id, text=reply_text, blocks=blocks)

    @bolt.event("message")
    async def on_message(event, body, client):
        answer = thread_answer(event, body.get("team_id") or event.get("team"))
        if answer is None:
            return
        message, channel, event_id = answer
        member = await members.member(client, message["user"])
        submitted = AnswerSubmitted(
            channel, member, message.get("text") or "", thread_id=message["thread_ts"], event_id=event_id, already_visible=True
        )
        reply = await run_core(qotd.answer(submitted), "thread reply")
        outcome = reply.data.get("outcome")
        if outcome in QUIET_OUTCOMES:  # a thread that is not one of our questions, or already recorded
            log.debug("thread reply in %s not acknowledged: %s", channel.channel_id, outcome)
            return
        text, blocks = reply_blocks(reply)
        await client.chat_postEphemeral(
            channel=channel.channel_id, user=member.id, thread_ts=message["thread_ts"], text=text, blocks=blocks
        )

    return bolt


def thread_answer(event: dict, team_id: str | None) -> tuple[dict, ChannelRef, str] | None:
    """A message event that may be an answer: (the message, its channel, a retry-proof event id)."""
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        edited = (message.get("edited") or {}).get("ts") or event.get("event_ts") or event.get("ts")
        event_id = f"edit:{event.get('channel')}:{message.get('ts')}:{edited}"
    elif subtype in ANSWER_SUBTYPES:
        message = event
        event_id = f"msg:{message.get('client_msg_id') or str(event.get('channel')) + ':' + str(message.get('ts'))}"
    else:
        return None
    thread_ts = message.get("thread_ts")
    if message.get("bot_id") or not message.get("user") or not thread_ts or thread_ts == message.get("ts"):
        return None  # the bot's own messages, and messages outside a thread (or the parent itself)
    channel = ChannelRef(PLATFORM, str(team_id or message.get("team") or ""), str(event.get("channel")))
    return message, channel, event_id


def web_app(bolt: AsyncApp, path: str = EVENTS_PATH) -> web.Application:
    """The aiohttp application to serve: Slack's request URL plus a health check for load balancers."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    application = web.Application()
    application.router.add_post(path, events)
    application.router.add_get("/healthz", health)
    return application


async def serve_http(bolt: AsyncApp, settings: SlackSettings) -> web.AppRunner:
    """Start listening (in the caller's event loop, next to the scheduler); `await runner.cleanup()` stops."""
    runner = web.AppRunner(web_app(bolt))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("Slack HTTP endpoint listening on %s:%s%s", settings.host, settings.port, EVENTS_PATH)
    return runner
