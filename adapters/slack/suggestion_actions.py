"""Suggestions on Slack: the /qotd suggest form, the moderation queue's buttons, edit and reject forms.

- A bare `/qotd suggest` opens a form (anyone may suggest); the text form goes to the core as typed.
- `/qotd admin suggestions` answers with the waiting suggestions, each with **Approve**, **Edit** and
  **Reject** buttons (value: the suggestion id, so they keep working after a restart).
- **Approve** decides at once; **Edit** opens the form filled with the suggestion's text; **Reject**
  asks for the reason. After each decision the queue message is replaced with the queue as it now
  stands, the outcome on top (through the click's `response_url`, which the forms carry along in
  their private metadata).

Form input is checked by the core's own rules (bot.suggestion_rules): problems are shown on the
fields (`response_action: "errors"`) and nothing changes.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import FALLBACK_TEXT, MAX_BLOCKS, actions_block, button, context, escape, fit, reply_blocks, sections
from adapters.slack.listener_support import SlackContext, body_team, channel_ref, log, run_core
from adapters.slack.members import who_may_administer
from adapters.slack.quiz_actions import action_channel, tell_clicker
from bot.commands import Admin, Suggest, build_command, parse_command
from bot.errors import QotdError
from bot.ports import ChannelRef, Member, Reply
from bot.suggestion_rules import check_reason, ANSWER_CHARS, KEY_POINT_CHARS, KEY_POINTS, QUESTION_CHARS, REASON_CHARS, SuggestionInvalid
from bot.topics import DIFFICULTY_LABELS, TOPICS

SUGGEST_MODAL = "qotd_suggest_modal"
EDIT_MODAL = "qotd_suggestion_edit_modal"
REJECT_MODAL = "qotd_suggestion_reject_modal"
APPROVE_ACTION = "qotd_sg_approve"
EDIT_ACTION = "qotd_sg_edit"
REJECT_ACTION = "qotd_sg_reject"
SUGGESTION_BLOCK = "qotd_sg"  # actions block id "qotd_sg:<id>"
BLOCK = {name: f"qotd_sg_{name}" for name in ("question", "answer", "points", "topic", "difficulty", "reason")}
INPUT = "value"
ERROR_TEXT = 300


def wants_suggest_form(text: str | None) -> bool:
    """True for `/qotd suggest` with nothing after it (as the core's parser reads it)."""
    try:
        return parse_command(text or "") == Suggest()
    except QotdError:
        return False


# ---- forms ----------------------------------------------------------------------------------------------


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": fit(text, 75)}, "value": value}


def _input(name: str, label: str, element: dict, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": BLOCK[name], "label": {"type": "plain_text", "text": label}, "element": element}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _text(max_length: int, initial: str | None = None, *, multiline: bool = True, placeholder: str | None = None) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": INPUT, "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return element


def suggestion_view(callback_id: str, title: str, metadata: str, card: dict[str, Any] | None = None) -> dict:
    """The suggestion form, empty or filled with a suggestion's current text."""
    card = card or {}
    topics = {slug: _option(title_, slug) for slug, title_ in TOPICS.items()}
    levels = {str(level): _option(f"{level} — {label}", str(level)) for level, label in DIFFICULTY_LABELS.items()}
    topic_select: dict = {"type": "static_select", "action_id": INPUT, "options": list(topics.values()),
                          "placeholder": {"type": "plain_text", "text": "Pick a topic"}}
    if card.get("topic") in topics:
        topic_select["initial_option"] = topics[card["topic"]]
    level_select: dict = {"type": "static_select", "action_id": INPUT, "options": list(levels.values()),
                          "placeholder": {"type": "plain_text", "text": "Pick a difficulty"}}
    if str(card.get("difficulty")) in levels:
        level_select["initial_option"] = levels[str(card["difficulty"])]
    points = "\n".join(card.get("key_points") or [])
    blocks = [
        _input("question", "Question", _text(QUESTION_CHARS[1], card.get("question")),
               "What would you ask a teammate? Markdown and code blocks welcome."),
        _input("answer", "Reference answer", _text(ANSWER_CHARS, card.get("answer")), "What a good answer covers, in 10 to 300 words."),
        _input("points", "Key points", _text(KEY_POINTS[1] * (KEY_POINT_CHARS + 1), points, placeholder="One key point per line"),
               f"{KEY_POINTS[0]} to {KEY_POINTS[1]} points to grade answers against, one per line."),
        _input("topic", "Topic", topic_select),
        _input("difficulty", "Difficulty", level_select),
    ]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": fit(title, 24)},
        "submit": {"type": "plain_text", "text": "Submit" if callback_id == SUGGEST_MODAL else "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def reject_view(suggestion_id: int, metadata: str) -> dict:
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": fit(f"Reject suggestion #{suggestion_id}", 24)},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input("reason", "Reason", _text(REASON_CHARS, placeholder="e.g. the bank already asks this one"),
                   "The member sees this, so be kind and specific."),
        ],
    }


def submitted_fields(values: dict) -> dict[str, str]:
    """The form's fields as `/qotd suggest` takes them (text inputs and single selects)."""
    fields: dict[str, str] = {}
    for name, block_id in BLOCK.items():
        state = (values.get(block_id) or {}).get(INPUT)
        if state is None:
            continue
        if state.get("type") == "static_select":
            chosen = (state.get("selected_option") or {}).get("value")
            if chosen:
                fields[name] = str(chosen)
        elif state.get("value") is not None:
            fields[name] = str(state["value"])
    return fields


def field_errors(exc: QotdError) -> dict[str, str]:
    """Problems by block id: each bad field's own message, anything else on the question."""
    problems = exc.problems if isinstance(exc, SuggestionInvalid) else {"question": exc.message}
    return {BLOCK.get(name, BLOCK["question"]): fit(_sentence(text), ERROR_TEXT) for name, text in problems.items()}


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


# ---- the queue ------------------------------------------------------------------------------------------


def card_blocks(card: dict[str, Any]) -> list[dict]:
    level = DIFFICULTY_LABELS.get(card["difficulty"], "?")
    edited = " · edited" if card.get("edited") else ""
    blocks = [
        *sections(
            f"*#{card['id']} from {escape(card['member_name'])}* · {escape(card['topic_title'])} · "
            f"difficulty {card['difficulty']} ({level}){edited}\n*Question*\n{escape(card['question'])}"
        ),
        *sections(f"*Reference answer*\n{escape(card['answer'])}"),
        *sections("*Key points*\n" + "\n".join(f"• {escape(p)}" for p in card["key_points"])),
    ]
    duplicate = card.get("duplicate")
    if duplicate:
        blocks.append(
            context(
                f"⚠ Looks like {escape(duplicate['id'])} (similarity {duplicate['score']:.2f}): "
                f"“{escape(fit(' '.join(duplicate['text'].split()), 200))}”"
            )
        )
    value = str(card["id"])
    blocks.append(
        actions_block(
            f"{SUGGESTION_BLOCK}:{card['id']}",
            button("Approve", APPROVE_ACTION, value, "primary"),
            button("Edit", EDIT_ACTION, value),
            button("Reject", REJECT_ACTION, value, "danger"),
        )
    )
    return blocks


def queue_blocks(reply: Reply, outcome: str | None = None) -> tuple[str, list[dict]]:
    """The waiting suggestions with their buttons, within Slack's block limit (the outcome of a decision on top)."""
    cards = reply.data.get("suggestions") or []
    header = reply.text.split("\n", 1)[0]
    blocks: list[dict] = []
    if outcome:
        blocks.append(context(escape(outcome)))
    blocks += sections(f"*{escape(header)}*")
    for card in cards:
        more = [{"type": "divider"}, *card_blocks(card)]
        if len(blocks) + len(more) > MAX_BLOCKS:
            blocks.append(context("More suggestions wait; they show up as these are handled."))
            break
        blocks += more
    text = fit(escape(f"{outcome}\n{header}" if outcome else header), FALLBACK_TEXT)
    return text, blocks[:MAX_BLOCKS]


def is_queue(reply: Reply) -> bool:
    return reply.ok and "suggestions" in reply.data


# ---- listeners ------------------------------------------------------------------------------------------


async def open_suggest_modal(ctx: SlackContext, client, respond, command: dict) -> None:
    view = suggestion_view(SUGGEST_MODAL, "Suggest a question", json.dumps({"channel": command.get("channel_id")}))
    try:
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for the suggestion form failed: %s", exc.response.get("error"))
        await respond(
            text="Sorry, the suggestion form could not be opened; please try again. You can also type it: /qotd help suggest",
            response_type="ephemeral",
        )


def register_suggestion_actions(bolt: AsyncApp, ctx: SlackContext) -> None:
    async def clicker(body: dict, client) -> Member:
        user = body.get("user") or {}
        return await ctx.members.member(client, user["id"], user.get("name") or user.get("username"))

    async def admin_click(body: dict, action: dict, respond, client, button: str) -> str | None:
        """The suggestion id a moderation button carries, or None after refusing a non-admin or a bad value."""
        member = await clicker(body, client)
        if not member.is_admin:
            await tell_clicker(respond, _refusal(ctx))
            return None
        value = str(action.get("value") or "")
        if not value.isdigit():
            log.warning("ignoring a %s click with value %r", button, value)
            return None
        return value

    @bolt.view(SUGGEST_MODAL)
    async def on_suggestion_submitted(ack, body, view, client):
        fields = {k: v for k, v in submitted_fields((view.get("state") or {}).get("values") or {}).items() if k != "reason"}
        try:
            command = build_command("suggest", [], fields)
        except QotdError as exc:
            await ack(response_action="errors", errors=field_errors(exc))
            return
        await ack()
        channel_id = str(_metadata(view).get("channel") or "")
        member = await clicker(body, client)
        reply = await run_core(ctx.qotd.handle(channel_ref(body_team(body), channel_id), member, command), "suggestion form")
        await _tell(client, channel_id, member.id, reply)

    @bolt.action(APPROVE_ACTION)
    async def on_approve(ack, body, action, respond, client):
        await ack()
        member = await clicker(body, client)
        reply = await _run_admin(ctx, action_channel(body), member, "approve", {"id": str(action.get("value") or "")})
        await _after_decision(ctx, respond, action_channel(body), member, reply)

    @bolt.action(REJECT_ACTION)
    async def on_reject(ack, body, action, respond, client):
        await ack()
        value = await admin_click(body, action, respond, client, "Reject")
        if value is None:
            return
        metadata = _click_metadata(body, int(value))
        await _open(client, body, respond, reject_view(int(value), metadata))

    @bolt.action(EDIT_ACTION)
    async def on_edit(ack, body, action, respond, client):
        await ack()
        value = await admin_click(body, action, respond, client, "Edit")
        if value is None:
            return
        card = await ctx.qotd.suggestion(action_channel(body), int(value))
        if card is None or card["status"] != "pending":
            state = f"was already {card['status']}" if card else "no longer exists"
            await tell_clicker(respond, Reply(f"Sorry, suggestion #{value} {state}; nothing to edit.", ok=False))
            return
        view = suggestion_view(EDIT_MODAL, f"Edit suggestion #{value}", _click_metadata(body, int(value)), card)
        await _open(client, body, respond, view)

    @bolt.view(REJECT_MODAL)
    async def on_reject_submitted(ack, body, view, client):
        metadata = _metadata(view)
        reason = submitted_fields((view.get("state") or {}).get("values") or {}).get("reason", "")
        try:
            check_reason(reason)  # the form's own wording for a blank reason, before the command's
            command = build_command("admin", ["reject"], {"id": str(metadata.get("id")), "reason": reason})
        except QotdError as exc:
            await ack(response_action="errors", errors={BLOCK["reason"]: fit(_sentence(exc.message), ERROR_TEXT)})
            return
        await ack()
        await _decided_in_form(ctx, body, client, metadata, command)

    @bolt.view(EDIT_MODAL)
    async def on_edit_submitted(ack, body, view, client):
        metadata = _metadata(view)
        fields = {k: v for k, v in submitted_fields((view.get("state") or {}).get("values") or {}).items() if k != "reason"}
        try:
            command = build_command("admin", ["edit"], {"id": str(metadata.get("id")), **fields})
        except QotdError as exc:
            await ack(response_action="errors", errors=field_errors(exc))
            return
        await ack()
        await _decided_in_form(ctx, body, client, metadata, command)


def _refusal(ctx: SlackContext) -> Reply:
    return Reply(f"Sorry, only admins review suggestions. {who_may_administer(ctx.settings.admin_group)}", ok=False)


def _metadata(view: dict) -> dict:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _click_metadata(body: dict, suggestion_id: int) -> str:
    """What a form opened from a queue button needs later: the suggestion, the channel and where the queue is."""
    channel = action_channel(body)
    return json.dumps({"id": suggestion_id, "channel": channel.channel_id, "response_url": body.get("response_url")})


async def _open(client, body: dict, respond, view: dict) -> None:
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for a suggestion form failed: %s", exc.response.get("error"))
        await tell_clicker(respond, Reply("Sorry, the form could not be opened; please try again.", ok=False))


async def _run_admin(ctx: SlackContext, channel: ChannelRef, member: Member, action: str, options: dict[str, str]) -> Reply:
    try:
        command = build_command("admin", [action], options)
    except QotdError as exc:
        return Reply(f"Sorry, {exc.message.rstrip('.')}.", ok=False)
    assert isinstance(command, Admin)
    return await run_core(ctx.qotd.handle(channel, member, command), f"/qotd admin {action}")


async def _refreshed_queue(ctx: SlackContext, channel: ChannelRef, member: Member, outcome: str) -> tuple[str, list[dict]]:
    queue = await run_core(ctx.qotd.handle(channel, member, Admin("suggestions")), "/qotd admin suggestions")
    if not queue.ok:
        return reply_blocks(Reply(outcome))
    return queue_blocks(queue, outcome)


async def _after_decision(ctx: SlackContext, respond, channel: ChannelRef, member: Member, reply: Reply) -> None:
    """Replace the queue message with the queue as it now stands, or tell only the clicker what went wrong."""
    if not reply.ok:
        await tell_clicker(respond, reply)
        return
    text, blocks = await _refreshed_queue(ctx, channel, member, reply.text.split("\n", 1)[0])
    await respond(text=text, blocks=blocks, replace_original=True, response_type="ephemeral")


async def _decided_in_form(ctx: SlackContext, body: dict, client, metadata: dict, command: Admin) -> None:
    channel_id = str(metadata.get("channel") or "")
    channel = channel_ref(body_team(body), channel_id)
    user = body.get("user") or {}
    member = await ctx.members.member(client, user["id"], user.get("name") or user.get("username"))
    reply = await run_core(ctx.qotd.handle(channel, member, command), f"/qotd admin {command.action}")
    url = metadata.get("response_url")
    if reply.ok and url:
        text, blocks = await _refreshed_queue(ctx, channel, member, reply.text.split("\n", 1)[0])
        try:
            response = await AsyncWebhookClient(str(url)).send(text=text, blocks=blocks, replace_original=True)
            if response.status_code == 200:
                return
            log.warning("updating the suggestion queue failed: HTTP %s", response.status_code)
        except Exception:
            log.exception("updating the suggestion queue failed")
    await _tell(client, channel_id, member.id, reply)


async def _tell(client, channel_id: str, user_id: str, reply: Reply) -> None:
    text, blocks = reply_blocks(reply)
    try:
        await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("telling %s in %s failed: %s", user_id, channel_id, exc.response.get("error"))

