"""`/qotd setup` with no arguments: a form for an admin to schedule (or change) a channel's question.

Only admins get the form; anyone else gets the core's own refusal instead, and the core checks
again when the form is submitted. The form starts from the channel's current schedule (or the
defaults) and offers pickers for the channel, post time, time zone (a list of common zones plus a
free-text field for any other IANA zone), days, reveal, topics, difficulty and answer mode.

On submit every field is read through the core's own parsers (`bot.commands.build_command`), so
the form accepts exactly what `/qotd setup key=value` accepts. Problems are shown on the fields
(`response_action: "errors"`) and nothing changes; otherwise the form closes, the core runs the
Setup for the picked channel, and its reply is posted there, as `/qotd setup time=…` would have
done. The channel picker asks Slack for a response URL for the picked channel (it works whether or
not the bot is a member); without one the bot posts with its token, or tells the admin directly.
"""

from __future__ import annotations

from datetime import datetime, timezone

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import channel_mention, context, escape, fit, reply_blocks
from adapters.slack.listener_support import SlackContext, body_team, channel_ref, log, public, run_core
from bot.commands import Setup, build_command, parse_command
from bot.errors import InvalidInput, QotdError
from bot.ports import Member, Reply
from bot.schedule import Schedule
from bot.schedule_rules import WEEKDAYS, format_duration, format_time, parse_reveal, parse_zone
from bot.services.schedule_admin import DEFAULTS
from bot.topics import DIFFICULTY_LABELS, TOPICS

SETUP_MODAL = "qotd_setup_modal"
CHANNEL_BLOCK, CHANNEL_ACTION = "qotd_setup_channel", "channel"
TIME_BLOCK, TIME_ACTION = "qotd_setup_time", "time"
ZONE_BLOCK, ZONE_ACTION = "qotd_setup_tz", "tz"
OTHER_ZONE_BLOCK, OTHER_ZONE_ACTION = "qotd_setup_tz_other", "tz_other"
DAYS_BLOCK, DAYS_ACTION = "qotd_setup_days", "days"
REVEAL_BLOCK, REVEAL_ACTION = "qotd_setup_reveal", "reveal"
TOPICS_BLOCK, TOPICS_ACTION = "qotd_setup_topics", "topics"
DIFFICULTY_BLOCK, DIFFICULTY_ACTION = "qotd_setup_difficulty", "difficulty"
MODE_BLOCK, MODE_ACTION = "qotd_setup_mode", "mode"

SELECT_OPTIONS = 100  # Slack's limit for one select's options (and for option groups)
OPTION_TEXT = 75
ERROR_TEXT = 300

# Common zones, one or two per offset people actually work in; any other IANA zone can be typed.
COMMON_ZONES = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Vancouver", "America/Denver",
    "America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York", "America/Toronto",
    "America/Bogota", "America/Lima", "America/Halifax", "America/Santiago", "America/St_Johns",
    "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "UTC", "Europe/London", "Europe/Dublin",
    "Europe/Lisbon", "Africa/Lagos", "Europe/Paris", "Europe/Berlin", "Europe/Amsterdam", "Europe/Madrid",
    "Europe/Rome", "Europe/Zurich", "Europe/Stockholm", "Europe/Warsaw", "Europe/Prague", "Africa/Johannesburg",
    "Africa/Cairo", "Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Europe/Bucharest", "Asia/Jerusalem",
    "Europe/Istanbul", "Europe/Moscow", "Africa/Nairobi", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Jakarta", "Asia/Singapore",
    "Asia/Kuala_Lumpur", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Manila", "Australia/Perth",
    "Asia/Seoul", "Asia/Tokyo", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
)
REVEALS = ("1h", "2h", "4h", "8h", "12h", "24h", "12:00", "13:00", "15:00", "17:00", "18:00")
DIFFICULTIES = ("1-3", "1", "2", "3", "1-2", "2-3")
MODES = {
    "thread": "Thread: answers are visible in the question's thread as they come",
    "private": "Private: answers are kept hidden and shown together at the reveal",
}
DAY_LABELS = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def wants_setup_form(text: str | None) -> bool:
    """True for `/qotd setup` with nothing after it (as the core's parser reads it)."""
    try:
        return parse_command(text or "") == Setup()
    except QotdError:
        return False


async def open_setup_modal(ctx: SlackContext, client, respond, command: dict, member: Member) -> None:
    """Open the form for an admin (the caller sends everyone else to the core, which refuses them)."""
    channel_id = str(command.get("channel_id") or "")
    try:
        existing = await ctx.qotd.schedule(channel_ref(command.get("team_id"), channel_id))
    except Exception:
        log.exception("reading the schedule of %s for the setup form failed", channel_id)
        existing = None
    view = setup_view(channel_id, existing, now=ctx.qotd.ctx.clock.now())
    try:
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("views.open for the setup form failed: %s", exc.response.get("error"))
        await respond(
            text="Sorry, the setup form could not be opened; please try again. "
            "You can also type the settings: /qotd help setup",
            response_type="ephemeral",
        )


# ---- the form ---------------------------------------------------------------------------------------


def option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": fit(text, OPTION_TEXT)}, "value": value}


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label}, "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def zone_label(name: str, now: datetime) -> str:
    offset = now.astimezone(parse_zone(name)).strftime("%z")
    return f"{name.replace('_', ' ')} (UTC{offset[:3]}:{offset[3:]})"


def zone_element(current: str, now: datetime) -> tuple[dict, bool]:
    """A select of common zones (the current one included); option groups by region past 100 zones.

    Returns the element and whether the current zone is one of its options.
    """
    names = list(COMMON_ZONES)
    listed = True
    if current not in names:
        try:
            parse_zone(current)
            names.append(current)
        except InvalidInput:
            listed = False
    utc_offset = lambda name: now.astimezone(parse_zone(name)).utcoffset()  # noqa: E731
    names.sort(key=lambda name: (utc_offset(name), name))
    options = {name: option(zone_label(name, now), name) for name in names}
    element: dict = {"type": "static_select", "action_id": ZONE_ACTION,
                     "placeholder": {"type": "plain_text", "text": "Pick a time zone"}}
    if len(names) <= SELECT_OPTIONS:
        element["options"] = list(options.values())
    else:
        regions: dict[str, list[dict]] = {}
        for name in names:
            regions.setdefault(name.split("/", 1)[0], []).append(options[name])
        element["option_groups"] = [
            {"label": {"type": "plain_text", "text": region}, "options": opts[:SELECT_OPTIONS]}
            for region, opts in list(regions.items())[:SELECT_OPTIONS]
        ]
    if listed:
        element["initial_option"] = options[current]
    return element, listed


def reveal_label(value: str) -> str:
    rule = parse_reveal(value)
    if rule.at is not None:
        return f"At {format_time(rule.at)} (the schedule's time zone)"
    assert rule.delay is not None
    hours, rest = divmod(int(rule.delay.total_seconds()), 3600)
    if rest:
        return f"{format_duration(rule.delay)} after posting"
    return f"{hours} hour after posting" if hours == 1 else f"{hours} hours after posting"


def difficulty_label(value: str) -> str:
    low, _, high = value.partition("-")
    if not high:
        return f"Only {low} — {DIFFICULTY_LABELS[int(low)]}"
    if (low, high) == ("1", "3"):
        return "All (1 warm-up to 3 senior)"
    return f"{low}-{high} — {DIFFICULTY_LABELS[int(low)]} to {DIFFICULTY_LABELS[int(high)]}"


def setup_view(channel_id: str, existing: Schedule | None, *, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    post_time = format_time(existing.rule.at) if existing else DEFAULTS["post_time"]
    zone = existing.timezone_name if existing else DEFAULTS["timezone"]
    days = {WEEKDAYS[d] for d in existing.rule.days} if existing else {"mon", "tue", "wed", "thu", "fri"}
    reveal = existing.reveal if existing else DEFAULTS["reveal"]
    mode = existing.mode if existing else DEFAULTS["mode"]
    topics = existing.topics if existing else frozenset()
    low, high = existing.difficulty if existing else (1, 3)

    channel_select: dict = {
        "type": "conversations_select",
        "action_id": CHANNEL_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick a channel"},
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "response_url_enabled": True,
    }
    if channel_id[:1] in ("C", "G"):
        channel_select["initial_conversation"] = channel_id

    zone_select, zone_listed = zone_element(zone, now)
    other_zone: dict = {"type": "plain_text_input", "action_id": OTHER_ZONE_ACTION, "max_length": 64,
                        "placeholder": {"type": "plain_text", "text": "e.g. America/Argentina/Cordoba"}}
    if not zone_listed:
        other_zone["initial_value"] = zone

    day_options = [option(label, day) for day, label in DAY_LABELS.items()]
    reveal_values = list(REVEALS)
    current_reveal = next((v for v in reveal_values if parse_reveal(v) == reveal), None)
    if current_reveal is None:
        current_reveal = str(reveal)
        reveal_values.append(current_reveal)
    reveal_options = {v: option(reveal_label(v), v) for v in reveal_values}

    topic_options = [option(title, slug) for slug, title in TOPICS.items()]
    topics_select: dict = {"type": "multi_static_select", "action_id": TOPICS_ACTION, "options": topic_options,
                           "placeholder": {"type": "plain_text", "text": "All topics"}}
    if topics:
        topics_select["initial_options"] = [o for o in topic_options if o["value"] in topics]

    difficulty_options = {v: option(difficulty_label(v), v) for v in DIFFICULTIES}
    current_difficulty = f"{low}-{high}" if low != high else str(low)
    mode_options = {m: option(label, m) for m, label in MODES.items()}

    intro = (
        "Change what you need and save; the schedule keeps its place in the rotation."
        if existing
        else "A question will be posted on the days and at the time you pick, and its answer revealed later."
    )
    blocks = [
        context(escape(intro)),
        _input(CHANNEL_BLOCK, "Channel", channel_select),
        _input(TIME_BLOCK, "Post time", {"type": "timepicker", "action_id": TIME_ACTION, "initial_time": post_time}),
        _input(ZONE_BLOCK, "Time zone", zone_select),
        _input(OTHER_ZONE_BLOCK, "Another time zone", other_zone, optional=True,
               hint="Any IANA zone name; it replaces the one picked above."),
        _input(DAYS_BLOCK, "Days", {"type": "checkboxes", "action_id": DAYS_ACTION, "options": day_options,
                                    "initial_options": [o for o in day_options if o["value"] in days]}),
        _input(REVEAL_BLOCK, "Reveal the answer", {"type": "static_select", "action_id": REVEAL_ACTION,
                                                   "options": list(reveal_options.values()),
                                                   "initial_option": reveal_options[current_reveal]}),
        _input(TOPICS_BLOCK, "Topics", topics_select, optional=True, hint="Leave empty for every topic."),
        _input(DIFFICULTY_BLOCK, "Difficulty", {"type": "static_select", "action_id": DIFFICULTY_ACTION,
                                                "options": list(difficulty_options.values()),
                                                "initial_option": difficulty_options[current_difficulty]}),
        _input(MODE_BLOCK, "Answers", {"type": "radio_buttons", "action_id": MODE_ACTION,
                                       "options": list(mode_options.values()),
                                       "initial_option": mode_options[mode]}),
    ]
    return {
        "type": "modal",
        "callback_id": SETUP_MODAL,
        "title": {"type": "plain_text", "text": "Question of the day"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


# ---- the submission -----------------------------------------------------------------------------------


def _state(values: dict, block: str, action: str) -> dict:
    return (values.get(block) or {}).get(action) or {}


def _selected(values: dict, block: str, action: str) -> str:
    return str((_state(values, block, action).get("selected_option") or {}).get("value") or "")


def _selected_many(values: dict, block: str, action: str) -> list[str]:
    return [str(o.get("value")) for o in _state(values, block, action).get("selected_options") or [] if o.get("value")]


def read_submission(values: dict) -> tuple[str, dict[str, str], dict[str, str]]:
    """(channel id, setup options as `/qotd setup` takes them, errors by block id)."""
    errors: dict[str, str] = {}
    channel_id = str(_state(values, CHANNEL_BLOCK, CHANNEL_ACTION).get("selected_conversation") or "")
    if not channel_id:
        errors[CHANNEL_BLOCK] = "Pick the channel for the questions."
    other_zone = str(_state(values, OTHER_ZONE_BLOCK, OTHER_ZONE_ACTION).get("value") or "").strip()
    days = _selected_many(values, DAYS_BLOCK, DAYS_ACTION)
    topics = _selected_many(values, TOPICS_BLOCK, TOPICS_ACTION)
    fields = {
        # option: (value, the block that shows its problem, what to say when it is missing)
        "time": (str(_state(values, TIME_BLOCK, TIME_ACTION).get("selected_time") or ""), TIME_BLOCK, "Pick a post time."),
        "tz": (other_zone or _selected(values, ZONE_BLOCK, ZONE_ACTION),
               OTHER_ZONE_BLOCK if other_zone else ZONE_BLOCK, "Pick a time zone."),
        "days": (",".join(d for d in WEEKDAYS if d in days) if set(days) <= set(WEEKDAYS) else ",".join(days),
                 DAYS_BLOCK, "Pick at least one day."),
        "reveal": (_selected(values, REVEAL_BLOCK, REVEAL_ACTION), REVEAL_BLOCK, "Pick when the answer is revealed."),
        "topics": (",".join(topics) or "all", TOPICS_BLOCK, ""),
        "difficulty": (_selected(values, DIFFICULTY_BLOCK, DIFFICULTY_ACTION) or "1-3", DIFFICULTY_BLOCK, ""),
        "mode": (_selected(values, MODE_BLOCK, MODE_ACTION) or DEFAULTS["mode"], MODE_BLOCK, ""),
    }
    options: dict[str, str] = {}
    for key, (value, block, missing) in fields.items():
        if not value:
            errors[block] = missing
            continue
        try:
            build_command("setup", [], {key: value})  # the core's parser for this one option
        except InvalidInput as exc:
            errors[block] = fit(_sentence(exc.message), ERROR_TEXT)
            continue
        options[key] = value
    return channel_id, options, errors


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def register_setup_modal(bolt: AsyncApp, ctx: SlackContext) -> None:
    @bolt.view(SETUP_MODAL)
    async def on_setup_submitted(ack, body, view, client):
        channel_id, options, errors = read_submission((view.get("state") or {}).get("values") or {})
        setup: Setup | None = None
        if not errors:
            setup = build_command("setup", [], options)  # every option parsed alone above, so this parses
            assert isinstance(setup, Setup)
            if not ctx.qotd.bank.eligible(setup.topics or frozenset(), setup.difficulty or (1, 3)):
                errors[TOPICS_BLOCK] = "No question in the bank matches these topics and difficulty; pick more of either."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        assert setup is not None
        user = body.get("user") or {}
        member = await ctx.members.member(client, user["id"], user.get("name") or user.get("username"))
        channel = channel_ref(body_team(body), channel_id)
        reply = await run_core(ctx.qotd.handle(channel, member, setup), "setup form")
        await deliver(client, body, channel_id, member.id, reply)


async def deliver(client, body: dict, channel_id: str, user_id: str, reply: Reply) -> None:
    """The core's answer in the picked channel (public) or to the admin only (a refusal)."""
    text, blocks = reply_blocks(reply, user_id)
    response_type = "in_channel" if public(reply) else "ephemeral"
    url = next(
        (r.get("response_url") for r in body.get("response_urls") or [] if r.get("channel_id") == channel_id), None
    )
    if url:
        try:
            response = await AsyncWebhookClient(url).send(text=text, blocks=blocks, response_type=response_type)
            if response.status_code == 200:
                return
            log.warning("posting the setup reply to its response URL failed: HTTP %s", response.status_code)
        except Exception:
            log.exception("posting the setup reply to its response URL failed")
    try:
        if public(reply):
            await client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
        else:
            await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
        return
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("posting the setup reply in %s failed: %s", channel_id, error)
    # Last resort: the admin's direct messages with the app.
    note = f"(This could not be posted in {channel_mention(channel_id)}: {escape(str(error))}. Invite the app there with /invite.)"
    try:
        await client.chat_postMessage(channel=user_id, text=f"{text}\n{note}", blocks=[*blocks[:48], context(note)])
    except SlackApiError as exc:
        log.warning("telling %s about the setup result failed: %s", user_id, exc.response.get("error"))
