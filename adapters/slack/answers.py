"""Answers on Slack: thread replies to a question post, and the Answer button's modal (private mode).

A thread reply's `event_id` is the message's `client_msg_id` (or channel+ts), so Slack's retried
deliveries are deduplicated by the core's database and a failed first delivery is not lost.
Edits arrive as `message_changed` and update the answer; deleting the reply that holds the answer
(`message_deleted`) withdraws it before the reveal.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import ANSWER_ACTION, ANSWER_BLOCK, ANSWER_INPUT, ANSWER_MODAL, answer_modal, reply_blocks
from adapters.slack.listener_support import SlackContext, body_team, channel_ref, log, run_core
from bot.ports import ChannelRef
from bot.services.answering import AnswerSubmitted
from bot.services.withdrawing import AnswerWithdrawn

ANSWER_SUBTYPES = (None, "thread_broadcast")
QUIET_OUTCOMES = ("not_found", "duplicate")  # not our thread / a retried or repeated delivery


def register_answers(bolt: AsyncApp, ctx: SlackContext) -> None:
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
        channel = channel_ref(body_team(body), channel_id)
        member = await ctx.members.member(client, user_id, body["user"].get("name"))
        event = AnswerSubmitted(channel, member, text, post_id=int(post_id), event_id=f"view:{view['id']}")
        reply = await run_core(ctx.qotd.answer(event), "answer modal")
        reply_text, blocks = reply_blocks(reply)
        await client.chat_postEphemeral(channel=channel_id, user=user_id, text=reply_text, blocks=blocks)

    @bolt.event("message")
    async def on_message(event, body, client, context):
        if event.get("subtype") == "message_deleted":
            await on_deleted(event, body, client, context.bot_user_id)
            return
        answer = thread_answer(event, body.get("team_id") or event.get("team"), context.bot_user_id)
        if answer is None:
            return
        message, channel, event_id = answer
        member = await ctx.members.member(client, message["user"])
        submitted = AnswerSubmitted(
            channel, member, message.get("text") or "", thread_id=message["thread_ts"], event_id=event_id, already_visible=True,
            message_id=message.get("ts"),
        )
        reply = await run_core(ctx.qotd.answer(submitted), "thread reply")
        outcome = reply.data.get("outcome")
        if outcome in QUIET_OUTCOMES:  # a thread that is not one of our questions, or already recorded
            log.debug("thread reply in %s not acknowledged: %s", channel.channel_id, outcome)
            return
        text, blocks = reply_blocks(reply)
        await client.chat_postEphemeral(
            channel=channel.channel_id, user=member.id, thread_ts=message["thread_ts"], text=text, blocks=blocks
        )


    async def on_deleted(event: dict, body: dict, client, bot_user_id: str | None) -> None:
        """A member deleted a reply in one of our threads: before the reveal that withdraws their answer."""
        previous = event.get("previous_message") or {}
        thread_ts = previous.get("thread_ts")
        if previous.get("bot_id") or not previous.get("user") or not thread_ts or thread_ts == previous.get("ts"):
            return
        if not in_our_thread(previous, bot_user_id):
            return
        channel = channel_ref(body.get("team_id") or event.get("team"), str(event.get("channel")))
        withdrawn = AnswerWithdrawn(
            channel,
            str(previous["user"]),
            thread_id=str(thread_ts),
            text=previous.get("text"),
            event_id=f"deleted:{channel.channel_id}:{previous.get('ts')}",
        )
        reply = await run_core(ctx.qotd.withdraw(withdrawn), "deleted reply")
        if reply.data.get("outcome") not in ("withdrawn", "kept", "unavailable"):  # unavailable: it still counts
            return
        text, blocks = reply_blocks(reply)
        await client.chat_postEphemeral(channel=channel.channel_id, user=withdrawn.member_id, thread_ts=thread_ts, text=text, blocks=blocks)


def in_our_thread(message: dict, bot_user_id: str | None) -> bool:
    """False when Slack says the thread's parent was posted by someone other than the app (`parent_user_id`).

    Questions are the app's own messages, so a reply under anyone else's message is never an answer
    and the core is not asked (no database work for a busy channel's chatter, and no "could not be
    saved" notice about it while the database is down). Unknown either way: it may be ours.
    """
    parent = message.get("parent_user_id")
    return not (parent and bot_user_id and parent != bot_user_id)


def thread_answer(event: dict, team_id: str | None, bot_user_id: str | None = None) -> tuple[dict, ChannelRef, str] | None:
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
    if not in_our_thread(message, bot_user_id):
        return None
    channel = channel_ref(team_id or message.get("team"), str(event.get("channel")))
    return message, channel, event_id
