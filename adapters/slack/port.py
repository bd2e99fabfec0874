"""The ChatPort on Slack: a Block Kit message per question, its thread (the message ts) for the rest.

Slack errors meaning "this channel is gone or closed to us" become `ChannelUnavailable`, so the
core disables the schedule and says why in /qotd status. 429s are retried by the client's
rate-limit retry handler, honouring Retry-After.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from adapters.slack.blocks import closed_blocks, echo_blocks, escape, fit, pages, question_blocks, reveal_blocks, sections
from adapters.slack.clients import WorkspaceClients, WorkspaceNotInstalled
from bot import metrics
from bot.ports import AnswerEcho, ChannelRef, ChannelUnavailable, PostedRef, QuestionPost, RevealMessage

log = logging.getLogger(__name__)

UNAVAILABLE = {
    "channel_not_found": "the channel no longer exists",
    "not_in_channel": "the app is not a member of this channel (invite it with /invite @qotd)",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
    "restricted_action": "the workspace does not allow the app to post here",
    "account_inactive": "the app was removed from the workspace",
    "token_revoked": "the app was removed from the workspace",
    "invalid_auth": "the app's token is no longer valid",
}


def slack_error(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "")
    except Exception:  # pragma: no cover - a response without a body
        return ""


def unavailable(exc: SlackApiError) -> ChannelUnavailable | None:
    metrics.PLATFORM_ERRORS.labels("slack", slack_error(exc) or "unknown").inc()
    reason = UNAVAILABLE.get(slack_error(exc))
    return ChannelUnavailable(reason) if reason else None


class SlackPort:
    def __init__(self, clients: WorkspaceClients) -> None:
        self.clients = clients

    async def _client(self, channel: ChannelRef):
        try:
            return await self.clients.for_team(channel.workspace_id)
        except WorkspaceNotInstalled:
            raise ChannelUnavailable("the app is not installed in this workspace any more") from None

    async def _post(self, channel: ChannelRef, **kwargs) -> dict:
        client = await self._client(channel)
        try:
            response = await client.chat_postMessage(channel=channel.channel_id, unfurl_links=False, unfurl_media=False, **kwargs)
        except SlackApiError as exc:
            problem = unavailable(exc)
            if problem is not None:
                raise problem from None
            raise
        return response.data  # type: ignore[return-value]

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        text, blocks = question_blocks(post)
        message = await self._post(channel, text=text, blocks=blocks)
        ts = str(message["ts"])
        return PostedRef(message_id=ts, thread_id=ts)  # on Slack a thread is its parent message's ts

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        text, blocks = echo_blocks(echo)
        try:
            await self._post(channel, thread_ts=where.thread_id or where.message_id, text=text, blocks=blocks)
        except (SlackApiError, ChannelUnavailable) as exc:
            log.warning("saved an answer to post %s but could not show it in the thread: %s", echo.post_id, exc)

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        text, blocks = reveal_blocks(reveal)
        thread = where.thread_id or where.message_id
        for page in pages(blocks):
            await self._post(channel, thread_ts=thread, text=text, blocks=page)
        closed_text, closed = closed_blocks(reveal)
        try:
            await (await self._client(channel)).chat_update(channel=channel.channel_id, ts=where.message_id, text=closed_text, blocks=closed)
        except SlackApiError as exc:
            log.warning("could not mark message %s as closed: %s", where.message_id, exc)

    async def send_private(self, channel: ChannelRef, member_id: str, text: str) -> None:
        escaped = escape(text)
        client = await self._client(channel)
        try:
            await client.chat_postEphemeral(
                channel=channel.channel_id, user=member_id, text=fit(escaped, 3000), blocks=sections(escaped)[:50]
            )
        except SlackApiError as exc:
            problem = unavailable(exc)
            if problem is not None:
                raise problem from None
            raise

    async def announce(self, channel: ChannelRef, text: str) -> None:
        """A short message in the channel itself (the monthly champion), escaped so names cannot notify anyone."""
        escaped = escape(text)
        await self._post(channel, text=fit(escaped, 3000), blocks=sections(escaped)[:50])
