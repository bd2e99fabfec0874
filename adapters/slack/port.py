"""The ChatPort on Slack: a Block Kit message per question, its thread (the message ts) for the rest.

Slack errors meaning "this channel is gone or closed to us" become `ChannelUnavailable`, so the
core disables the schedule and says why in /qotd status. 429s are retried by the client's
rate-limit retry handler, honouring Retry-After.

Exactly once, when Slack fails:
- A 429 means nothing was posted: the client waits Retry-After and sends again.
- A 5xx, a timeout or a dropped connection may come after Slack posted the message. Those are
  not retried blindly (the question and reveal messages go through a copy of the client without
  the SDK's connection-error and server-error retry handlers); the error propagates, the post's
  claim goes stale and the core retries it later with `QuestionPost.retry` set.
- Questions carry message metadata (`qotd_question`, the post id). A retry first reads the
  channel's latest messages (conversations.history with include_all_metadata) and uses the
  message an earlier attempt posted instead of posting again. The look-up happens only for
  retries, or when this process tried that post before.
- Reveal messages carry `qotd_reveal` metadata (post id, page); a resumed reveal reads the thread
  (conversations.replies) and posts only the pages that are not there yet. Marking the question
  closed (chat.update) is the same whether it runs once or twice.
- Announcements (the monthly champion) carry `qotd_announcement` metadata with their key; a
  retried one is looked for in the channel's latest messages the same way.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler, AsyncServerErrorRetryHandler

from adapters.slack.blocks import (
    announced_key,
    announcement_metadata,
    closed_blocks,
    echo_blocks,
    escape,
    fit,
    pages,
    posted_question,
    question_blocks,
    question_metadata,
    reveal_blocks,
    reveal_metadata,
    revealed_page,
    sections,
)
from adapters.slack.clients import NOT_INSTALLED_REASON, WorkspaceClients, WorkspaceNotInstalled
from bot import metrics
from bot.ports import Announcement, AnswerEcho, ChannelRef, ChannelUnavailable, PostedRef, QuestionPost, RevealMessage

log = logging.getLogger(__name__)
# How far back a retried post looks for an earlier attempt's message (it stops early at an older question).
LOOKBACK_MESSAGES = 200
THREAD_LOOKBACK = 1000  # thread messages read when a reveal is resumed
REMEMBERED_ATTEMPTS = 10_000
# A history that cannot be read for these reasons does not stop the post: posting says what is wrong.
UNREADABLE = {"missing_scope", "not_allowed_token_type", "thread_not_found"}

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


def without_blind_retries(client):
    """The same client (token, session, 429 handling) minus retries of requests that got no answer.

    A timeout, a dropped connection or a 5xx may come after Slack posted the message; sending the
    same message again would post it twice. Those errors propagate instead, and a retry looks first.
    """
    once = copy.copy(client)
    once.retry_handlers = [
        handler for handler in client.retry_handlers
        if not isinstance(handler, (AsyncConnectionErrorRetryHandler, AsyncServerErrorRetryHandler))
    ]
    return once


def unavailable(exc: SlackApiError) -> ChannelUnavailable | None:
    metrics.PLATFORM_ERRORS.labels("slack", slack_error(exc) or "unknown").inc()
    reason = UNAVAILABLE.get(slack_error(exc))
    return ChannelUnavailable(reason) if reason else None


class SlackPort:
    def __init__(self, clients: WorkspaceClients) -> None:
        self.clients = clients
        # ("post" | "reveal", post id) or ("announce", key) this process tried: trying again means looking first.
        self._attempted: OrderedDict[tuple[str, int | str], None] = OrderedDict()

    async def _client(self, channel: ChannelRef):
        try:
            return await self.clients.for_team(channel.workspace_id)
        except WorkspaceNotInstalled:
            raise ChannelUnavailable(NOT_INSTALLED_REASON) from None

    async def _post(self, channel: ChannelRef, *, once: bool = False, **kwargs) -> dict:
        client = await self._client(channel)
        if once:  # a question or reveal: never sent twice by the client itself
            client = without_blind_retries(client)
        try:
            response = await client.chat_postMessage(channel=channel.channel_id, unfurl_links=False, unfurl_media=False, **kwargs)
        except SlackApiError as exc:
            problem = unavailable(exc)
            if problem is not None:
                raise problem from None
            raise
        return response.data  # type: ignore[return-value]

    async def post_question(self, channel: ChannelRef, post: QuestionPost) -> PostedRef:
        key = ("post", post.post_id)
        ts = await self._earlier_question(channel, post) if post.retry or key in self._attempted else None
        if ts is None:
            text, blocks = question_blocks(post)
            self._remember(key)
            message = await self._post(channel, once=True, text=text, blocks=blocks, metadata=question_metadata(post))
            ts = str(message["ts"])
        self._attempted.pop(key, None)
        return PostedRef(message_id=ts, thread_id=ts)  # on Slack a thread is its parent message's ts

    def _remember(self, key: tuple[str, int | str]) -> None:
        self._attempted[key] = None
        while len(self._attempted) > REMEMBERED_ATTEMPTS:
            self._attempted.popitem(last=False)

    def _unreadable(self, exc: SlackApiError, what: str) -> bool:
        """A history that cannot be read for good (scope, channel gone): go ahead and post."""
        error = slack_error(exc)
        if error in UNREADABLE or error in UNAVAILABLE:
            log.warning("could not read %s (%s); posting without looking for an earlier attempt", what, error)
            return True
        return False

    async def _earlier_question(self, channel: ChannelRef, post: QuestionPost) -> str | None:
        """The ts of the question an earlier attempt posted, from the channel's latest messages.

        Stops at an older question of this channel (ours would be newer) or after LOOKBACK_MESSAGES.
        Errors other than a history that cannot be read at all propagate: nothing is posted blind.
        """

        def ours(message: dict) -> bool | None:
            found = posted_question(message)
            if found == post.post_id:
                return True
            return False if found is not None and found < post.post_id else None

        message = await self._find_in_history(channel, ours)
        if message is None:
            return None
        log.info("question #%s (post %s) was already posted as %s; not posting it again", post.seq, post.post_id, message.get("ts"))
        return str(message["ts"])

    async def _find_in_history(self, channel: ChannelRef, match) -> dict | None:
        """The first of the channel's latest messages (newest first) for which `match` is True.

        `match(message)` says True (found), False (stop looking: older than what is sought) or None
        (read on). Reads at most LOOKBACK_MESSAGES; a history that cannot be read at all is None.
        """
        client = await self._client(channel)
        cursor, seen = None, 0
        while seen < LOOKBACK_MESSAGES:
            try:
                response = await client.conversations_history(
                    channel=channel.channel_id, include_all_metadata=True, limit=LOOKBACK_MESSAGES - seen, cursor=cursor
                )
            except SlackApiError as exc:
                if self._unreadable(exc, f"the history of {channel.channel_id}"):
                    return None
                raise
            messages = response.get("messages") or []
            for message in messages:
                verdict = match(message)
                if verdict is not None:
                    return message if verdict else None
            seen += len(messages)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor or not messages:
                return None
        return None

    async def _revealed_pages(self, channel: ChannelRef, thread: str, post_id: int) -> set[int]:
        """The pages of this reveal an earlier attempt already posted in the thread."""
        client = await self._client(channel)
        shown: set[int] = set()
        cursor, seen = None, 0
        while seen < THREAD_LOOKBACK:
            try:
                response = await client.conversations_replies(
                    channel=channel.channel_id, ts=thread, include_all_metadata=True, limit=200, cursor=cursor
                )
            except SlackApiError as exc:
                if self._unreadable(exc, f"the thread {thread}"):
                    return shown
                raise
            messages = response.get("messages") or []
            shown |= {page for m in messages if (page := revealed_page(m, post_id)) is not None}
            seen += len(messages)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor or not messages:
                break
        return shown

    async def reply_in_thread(self, channel: ChannelRef, where: PostedRef, echo: AnswerEcho) -> None:
        text, blocks = echo_blocks(echo)
        try:
            await self._post(channel, thread_ts=where.thread_id or where.message_id, text=text, blocks=blocks)
        except (SlackApiError, ChannelUnavailable) as exc:
            log.warning("saved an answer to post %s but could not show it in the thread: %s", echo.post_id, exc)

    async def reveal(self, channel: ChannelRef, where: PostedRef, reveal: RevealMessage) -> None:
        text, blocks = reveal_blocks(reveal)
        thread = where.thread_id or where.message_id
        key = ("reveal", reveal.post_id)
        shown = await self._revealed_pages(channel, thread, reveal.post_id) if reveal.retry or key in self._attempted else set()
        self._remember(key)
        for index, page in enumerate(pages(blocks)):
            if index not in shown:
                await self._post(channel, once=True, thread_ts=thread, text=text, blocks=page,
                                 metadata=reveal_metadata(reveal.post_id, index))
        self._attempted.pop(key, None)
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

    async def announce(self, channel: ChannelRef, announcement: Announcement) -> None:
        """A short message in the channel itself (the monthly champion), escaped so names cannot notify anyone.

        It carries `qotd_announcement` metadata with its key; a retry looks for it in the channel's
        latest messages first, and the client never resends it blindly.
        """
        key = ("announce", announcement.key)
        if announcement.retry or key in self._attempted:
            earlier = await self._find_in_history(channel, lambda message: announced_key(message) == announcement.key or None)
            if earlier is not None:
                log.info("announcement %s was already posted in %s as %s; not posting it again",
                         announcement.key, channel.channel_id, earlier.get("ts"))
                self._attempted.pop(key, None)
                return
        escaped = escape(announcement.text)
        self._remember(key)
        await self._post(channel, once=True, text=fit(escaped, 3000), blocks=sections(escaped)[:50],
                         metadata=announcement_metadata(announcement.key))
        self._attempted.pop(key, None)
