"""Practice-question buttons: Show answer, Again / Hard / Good / Easy, Another question.

A practice question is an ephemeral reply to `/qotd quiz`; its buttons carry their state (the
attempt id, the grade), so they keep working after a restart. Each click is acknowledged at once,
run through the core (which only lets members act on their own attempts) and answered through the
action's `response_url`: on success the clicked message is replaced, otherwise only the clicker is
told why and the message stays as it was.

Slack sends the clicked message's blocks with most clicks; the question is kept from them. When
they are missing, the question is taken from the bank by the id in the buttons' block id.
"""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from adapters.slack.blocks import (
    MAX_BLOCKS,
    QUIZ_ANSWER_BLOCK,
    QUIZ_BLOCK,
    QUIZ_GRADE_ACTION,
    QUIZ_NEXT_ACTION,
    QUIZ_RESULT_BLOCK,
    QUIZ_SHOW_ACTION,
    FALLBACK_TEXT,
    escape,
    fit,
    quiz_grade_actions,
    practice_tick,
    reply_blocks,
    sections,
    tagged_sections,
)
from adapters.slack.listener_support import SlackContext, body_team, channel_ref, log, run_core
from bot.commands import GRADES, Quiz
from bot.errors import DatabaseUnavailable
from bot.ports import ChannelRef, Reply

GRADE_VALUE = re.compile(rf"(\d+):({'|'.join(GRADES)})")


def register_quiz_actions(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.action(re.compile(rf"^{QUIZ_SHOW_ACTION}$"))
    async def on_show_answer(ack, body, action, respond, client):
        await ack()
        value = str(action.get("value") or "")
        if not value.isdigit():
            log.warning("ignoring a Show answer click with value %r", value)
            return
        attempt = int(value)
        member = await ctx.members.member(client, body["user"]["id"], _user_name(body))
        reply = await run_core(
            ctx.qotd.handle(action_channel(body), member, Quiz(show_answer=True, attempt=attempt)), "showing a quiz answer"
        )
        if not reply.ok:
            await tell_clicker(respond, reply)
            return
        question_id = block_question(action)
        kept = kept_blocks(body, (QUIZ_ANSWER_BLOCK, QUIZ_RESULT_BLOCK)) or await question_blocks_for(ctx, body, question_id)
        answer = tagged_sections(escape(reply.text), QUIZ_ANSWER_BLOCK)
        answer += practice_tick(reply)  # "Tick key points" (self_check_actions.py)
        blocks = assemble(kept, answer, quiz_grade_actions(attempt, question_id))
        await respond(text=fit(escape(reply.text), FALLBACK_TEXT), blocks=blocks, replace_original=True)

    @bolt.action(re.compile(rf"^{QUIZ_GRADE_ACTION}(:|$)"))
    async def on_grade(ack, body, action, respond, client):
        await ack()
        match = GRADE_VALUE.fullmatch(str(action.get("value") or ""))
        if match is None:
            log.warning("ignoring a grade click with value %r", action.get("value"))
            return
        attempt, grade = int(match[1]), match[2]
        member = await ctx.members.member(client, body["user"]["id"], _user_name(body))
        reply = await run_core(
            ctx.qotd.handle(action_channel(body), member, Quiz(grade=grade, attempt=attempt)), "recording a quiz grade"
        )
        if not reply.ok:
            await tell_clicker(respond, reply)
            return
        question_id = block_question(action)
        kept = kept_blocks(body, (QUIZ_RESULT_BLOCK,)) or await question_blocks_for(ctx, body, question_id)
        result = tagged_sections(escape(reply.text), QUIZ_RESULT_BLOCK)
        actions = quiz_grade_actions(attempt, question_id, chosen=grade, another=True)
        await respond(text=fit(escape(reply.text), FALLBACK_TEXT), blocks=assemble(kept, result, actions), replace_original=True)

    @bolt.action(re.compile(rf"^{QUIZ_NEXT_ACTION}$"))
    async def on_another(ack, body, respond, client):
        await ack()
        member = await ctx.members.member(client, body["user"]["id"], _user_name(body))
        reply = await run_core(ctx.qotd.handle(action_channel(body), member, Quiz()), "asking another quiz question")
        if not reply.ok:
            await tell_clicker(respond, reply)
            return
        text, blocks = reply_blocks(reply)
        await respond(text=text, blocks=blocks, replace_original=True)


def action_channel(body: dict) -> ChannelRef:
    """Where the clicked message is (practice attempts belong to the workspace, not the channel)."""
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    return channel_ref(body_team(body), channel_id)


def block_question(action: dict) -> str | None:
    """The question id a quiz actions block carries (`qotd_quiz:<question id>`), if any."""
    prefix, sep, question_id = str(action.get("block_id") or "").partition(":")
    return question_id if prefix == QUIZ_BLOCK and sep and question_id else None


def kept_blocks(body: dict, drop: tuple[str, ...]) -> list[dict]:
    """The clicked message's content, without its buttons and without the parts named in `drop`."""
    blocks = ((body.get("message") or {}).get("blocks")) or []
    return [
        block
        for block in blocks
        if isinstance(block, dict)
        and block.get("type") != "actions"
        and not str(block.get("block_id") or "").startswith(drop)
    ]


async def question_blocks_for(ctx: SlackContext, body: dict, question_id: str | None) -> list[dict]:
    """The practice question again, when Slack sent the clicked message without its blocks (an ephemeral one).

    Built-in or one of the workspace's approved suggestions; nothing if it cannot be loaded now.
    """
    if not question_id:
        return []
    try:
        question = await ctx.qotd.question(action_channel(body), question_id)
    except DatabaseUnavailable:
        return []
    return sections(f"*Practice question*\n{escape(question.question)}") if question else []


def assemble(kept: list[dict], new: list[dict], actions: dict) -> list[dict]:
    """Kept content, new content, then the buttons: within Slack's block limit, dropping old content first."""
    room = MAX_BLOCKS - 1
    new = new[:room]
    kept = kept[: max(room - len(new), 0)]
    return [*kept, *new, actions]


async def tell_clicker(respond, reply: Reply) -> None:
    """Only the member who clicked sees this; the clicked message is left as it was."""
    text, blocks = reply_blocks(Reply(reply.text, private=True, ok=reply.ok))
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def _user_name(body: dict) -> str | None:
    user = body.get("user") or {}
    return user.get("name") or user.get("username")
