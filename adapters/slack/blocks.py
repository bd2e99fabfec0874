"""Neutral core messages rendered as Slack Block Kit, within Slack's limits.

Every piece of text that reaches Slack goes through `escape`, so member-written text (answers,
names) cannot form `<!channel>`, `<!here>`, `<@U…>` or links. Long text is split into several
section blocks of at most 3,000 characters; a message carries at most 50 blocks.
"""

from __future__ import annotations

import re
from datetime import datetime

from adapters.slack.self_check_blocks import check_actions, tick_section
from bot.ports import AnswerEcho, QuestionPost, Reply, RevealMessage
from bot.topics import DIFFICULTY_LABELS

SECTION_TEXT = 3000
MAX_BLOCKS = 50
FALLBACK_TEXT = 3000  # the notification text; Slack truncates long `text` anyway
ANSWER_ACTION = "qotd_answer"
ANSWER_MODAL = "qotd_answer_modal"
ANSWER_BLOCK = "qotd_answer_block"
ANSWER_INPUT = "qotd_answer_text"
ANSWER_MAX_CHARS = 4000
MARKER = "…"


def escape(text: str) -> str:
    """Slack's three control characters; with them escaped no mention or link can be formed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(MARKER)] + MARKER


def slack_date(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """Slack renders this in each reader's own time zone; the fallback is UTC."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def chunks(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Split at line breaks (or hard) into pieces of at most `limit` characters.

    Escaping grows text (`&` -> `&amp;`), so split the *escaped* text and never cut an entity.
    """
    out: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
            amp = rest.rfind("&", max(0, cut - 5), cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp
        out.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not out:
        out.append(rest)
    return out


def sections(mrkdwn: str) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": part or " "}} for part in chunks(mrkdwn)]


def context(mrkdwn: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(mrkdwn, SECTION_TEXT)}]}


def pages(blocks: list[dict], size: int = MAX_BLOCKS) -> list[list[dict]]:
    """Blocks for one or more messages, each within Slack's block limit."""
    return [blocks[i : i + size] for i in range(0, len(blocks), size)] or [[]]


def question_title(post: QuestionPost) -> str:
    label = "Question" if post.scheduled else "Bonus question"
    return f"{label} #{post.seq} · {post.topic_title}"


def question_blocks(post: QuestionPost) -> tuple[str, list[dict]]:
    how = (
        "Reply in this thread or use *Answer*."
        if post.mode == "thread"
        else "Answer privately with *Answer*; all answers are shown together at the reveal."
    )
    difficulty = f"{post.difficulty} — {DIFFICULTY_LABELS.get(post.difficulty, '?')}"
    blocks = [
        *sections(f"*{escape(question_title(post))}*\n{escape(post.text)}"),
        context(
            f"Topic: {escape(post.topic_title)} · Difficulty: {escape(difficulty)} · Kind: {escape(post.kind)}"
            f" · Reveal: {slack_date(post.reveal_at)}"
        ),
        context(how),
        {
            "type": "actions",
            "block_id": f"qotd_post_{post.post_id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": ANSWER_ACTION,
                    "text": {"type": "plain_text", "text": "Answer"},
                    "style": "primary",
                    "value": str(post.post_id),
                }
            ],
        },
    ]
    text = fit(f"{question_title(post)}: {post.text}", FALLBACK_TEXT)
    return escape(text), blocks[:MAX_BLOCKS]


# Message metadata (https://api.slack.com/metadata) on what the app posts for a question, so an
# attempt whose answer was lost can be found in the channel's history instead of being repeated.
QUESTION_EVENT = "qotd_question"
REVEAL_EVENT = "qotd_reveal"
ANNOUNCEMENT_EVENT = "qotd_announcement"


def question_metadata(post: QuestionPost) -> dict:
    return {"event_type": QUESTION_EVENT, "event_payload": {"post_id": post.post_id, "question_id": post.question_id}}


def reveal_metadata(post_id: int, page: int) -> dict:
    return {"event_type": REVEAL_EVENT, "event_payload": {"post_id": post_id, "page": page}}


def announcement_metadata(key: str) -> dict:
    return {"event_type": ANNOUNCEMENT_EVENT, "event_payload": {"key": key}}


def announced_key(message: dict) -> str | None:
    """The key of an announcement the app posted (the monthly champion), from its metadata, else None."""
    payload = _payload(message, ANNOUNCEMENT_EVENT)
    key = payload.get("key") if payload is not None else None
    return key if isinstance(key, str) else None


def _payload(message: dict, event_type: str) -> dict | None:
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and metadata.get("event_type") == event_type and isinstance(metadata.get("event_payload"), dict):
        return metadata["event_payload"]
    return None


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def posted_question(message: dict) -> int | None:
    """The post id of a question message the app posted (as read from conversations.history), else None.

    The metadata says it; without metadata (a message posted before it was added) the question's
    Answer block (`qotd_post_<id>`) on a bot message does.
    """
    payload = _payload(message, QUESTION_EVENT)
    if payload is not None:
        return _int(payload.get("post_id"))
    if message.get("bot_id"):
        for block in message.get("blocks") or []:
            match = re.fullmatch(r"qotd_post_(\d+)", str(block.get("block_id") or ""))
            if match:
                return int(match[1])
    return None


def revealed_page(message: dict, post_id: int) -> int | None:
    """Which page of post `post_id`'s reveal this thread message is, if it is one."""
    payload = _payload(message, REVEAL_EVENT)
    if payload is None or _int(payload.get("post_id")) != post_id:
        return None
    return _int(payload.get("page"))


def closed_blocks(reveal: RevealMessage) -> tuple[str, list[dict]]:
    """The original question once revealed: no button, a note that it is closed."""
    title = f"Question #{reveal.seq}"
    blocks = [
        *sections(f"*{escape(title)}*\n{escape(reveal.question)}"),
        context("*Closed* — the reference answer is in the thread. Late answers are still recorded."),
    ]
    return escape(f"{title} (closed)"), blocks[:MAX_BLOCKS]


def reveal_blocks(reveal: RevealMessage) -> tuple[str, list[dict]]:
    blocks = sections(f"*Reference answer · question #{reveal.seq}*\n{escape(reveal.answer)}")
    if reveal.credit:
        blocks.append(context(escape(reveal.credit)))
    if reveal.key_points:
        blocks += sections("*Key points*\n" + "\n".join(f"• {escape(p)}" for p in reveal.key_points))
    if reveal.follow_ups:
        blocks += sections("*To think about next*\n" + "\n".join(f"– {escape(f)}" for f in reveal.follow_ups))
    names = ", ".join(escape(n) for n in reveal.answered_on_time) or "Nobody answered this one on time."
    blocks += sections(f"*Answered on time ({len(reveal.answered_on_time)})*\n{names}")
    if reveal.key_points:  # members tick the key points their answer covered (self_check_actions.py)
        blocks.append(check_actions("post", reveal.post_id))
    if reveal.private_answers:
        blocks.append({"type": "divider"})
        blocks += sections("*Everyone's answers*")
        for name, text in reveal.private_answers:
            blocks += sections(f"*{escape(name or '?')}*\n{escape(text)}")
    return escape(f"Reference answer · question #{reveal.seq}"), blocks


def echo_blocks(echo: AnswerEcho) -> tuple[str, list[dict]]:
    late = " (late)" if echo.late else ""
    header = f"*{escape(echo.member_name)}*{late} answered:"
    return fit(f"{escape(echo.member_name)}{late} answered", FALLBACK_TEXT), sections(f"{header}\n{escape(echo.text)}")[:MAX_BLOCKS]


def reply_blocks(reply: Reply, viewer: str | None = None) -> tuple[str, list[dict]]:
    """A command's reply: its text (core-written, may hold member names) escaped.

    Replies the core marks as steps of a flow (a practice question, its answer, a grade, a
    leaderboard with more pages) get buttons, and the typed hint those buttons replace is left
    out; any other reply gets its hint appended. `viewer` is whoever asked (a leaderboard keeps
    their "← you" while anyone turns its pages).
    """
    actions = reply_actions(reply, viewer)
    text = escape(reply.text if actions else reply.with_hint)
    blocks = sections(text)
    if actions is None:
        return fit(text, FALLBACK_TEXT), blocks[:MAX_BLOCKS]
    tick = practice_tick(reply)
    return fit(text, FALLBACK_TEXT), [*blocks[: MAX_BLOCKS - 1 - len(tick)], *tick, actions]


# ---- buttons that carry their own state (they keep working after a restart) ------------------------
# Slack wants action ids unique within a block, so buttons of one kind share a prefix and add a
# suffix (`qotd_quiz_grade:good`); listeners match the prefix and read the state from `value`.

QUIZ_BLOCK = "qotd_quiz"  # block id "qotd_quiz:<question id>" where the question is known
QUIZ_SHOW_ACTION = "qotd_quiz_show"  # value: attempt id
QUIZ_GRADE_ACTION = "qotd_quiz_grade"  # "qotd_quiz_grade:<grade>"; value "<attempt>:<grade>"
QUIZ_NEXT_ACTION = "qotd_quiz_next"  # value: the attempt just graded
QUIZ_ANSWER_BLOCK = "qotd_quiz_answer"  # the reference answer's sections, "qotd_quiz_answer:<n>"
QUIZ_RESULT_BLOCK = "qotd_quiz_result"  # the grade confirmation's sections, "qotd_quiz_result:<n>"
LEADERBOARD_BLOCK = "qotd_lb_nav"  # block id "qotd_lb_nav:<member id of whoever asked>"
LEADERBOARD_PAGE_ACTION = "qotd_lb_page"  # "qotd_lb_page:prev" / ":next"; value "<period>:<metric>:<page>"
# (a season's board: period "season.<season id>")
GRADE_LABELS = {"again": "Again", "hard": "Hard", "good": "Good", "easy": "Easy"}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    element = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}, "value": value}
    if style:
        element["style"] = style
    return element


def actions_block(block_id: str, *elements: dict) -> dict:
    return {"type": "actions", "block_id": fit(block_id, 255), "elements": list(elements)}


def quiz_block_id(question_id: str | None) -> str:
    return f"{QUIZ_BLOCK}:{question_id}" if question_id else QUIZ_BLOCK


def quiz_show_actions(attempt: int, question_id: str | None = None) -> dict:
    return actions_block(quiz_block_id(question_id), button("Show answer", QUIZ_SHOW_ACTION, str(attempt), "primary"))


def quiz_grade_actions(attempt: int, question_id: str | None = None, *, chosen: str | None = None,
                       another: bool = False) -> dict:
    """Again / Hard / Good / Easy (the chosen one highlighted), and optionally "Another question"."""
    grades = [
        button(label, f"{QUIZ_GRADE_ACTION}:{grade}", f"{attempt}:{grade}",
               "primary" if grade == chosen else ("danger" if grade == "again" and chosen is None else None))
        for grade, label in GRADE_LABELS.items()
    ]
    more = [button("Another question", QUIZ_NEXT_ACTION, str(attempt))] if another else []
    return actions_block(quiz_block_id(question_id), *grades, *more)


def leaderboard_actions(data: dict, viewer: str | None = None) -> dict | None:
    """◀ / ▶ for a leaderboard with more than one page (only the directions that exist)."""
    try:
        page, pages = int(data.get("page", 1)), int(data.get("pages", 1))
        period, metric = str(data["period"]), str(data["metric"])
    except (KeyError, TypeError, ValueError):
        return None
    if pages <= 1:
        return None
    if data.get("season_id") is not None:  # a season's board keeps its season: "season.<id>"
        period = f"{period}.{int(data['season_id'])}"
    elements = []
    if page > 1:
        elements.append(button("◀ Previous", f"{LEADERBOARD_PAGE_ACTION}:prev", f"{period}:{metric}:{page - 1}"))
    if page < pages:
        elements.append(button("Next ▶", f"{LEADERBOARD_PAGE_ACTION}:next", f"{period}:{metric}:{page + 1}"))
    return actions_block(f"{LEADERBOARD_BLOCK}:{viewer}" if viewer else LEADERBOARD_BLOCK, *elements)


def reply_actions(reply: Reply, viewer: str | None = None) -> dict | None:
    """The buttons a core reply calls for, judged from its `data`; None for a plain reply."""
    data = reply.data or {}
    if not reply.ok:
        return None
    attempt = data.get("quiz_attempt")
    if isinstance(attempt, int):
        if "grade" in data:
            return quiz_grade_actions(attempt, chosen=str(data["grade"]), another=True)
        if "grades" in data:
            return quiz_grade_actions(attempt, data.get("question_id"))
        return quiz_show_actions(attempt, data.get("question_id"))
    if "pages" in data and "period" in data:
        return leaderboard_actions(data, viewer)
    if data.get("check") in ("post", "quiz") and data.get("key_points") and data.get("answered") is not False:
        target = data.get("post_id") if data["check"] == "post" else data.get("check_attempt")
        if isinstance(target, int):  # /qotd check: the checkbox form instead of typing numbers
            return check_actions(str(data["check"]), target, "Tick key points")
    if isinstance(data.get("forget_code"), str):  # /qotd forget-me: confirm with a button (member_data_actions.py)
        return forget_actions(data["forget_code"])
    return None


FORGET_ACTION = "qotd_forget_confirm"  # value: the member's confirmation code


def forget_actions(code: str) -> dict:
    """/qotd forget-me's "Delete my data" button, with Slack's own are-you-sure dialog on top."""
    element = button("Delete my data", FORGET_ACTION, code, "danger")
    element["confirm"] = {
        "title": {"type": "plain_text", "text": "Delete your data?"},
        "text": {"type": "mrkdwn", "text": "Everything qotd keeps about you in this workspace goes, for good."},
        "confirm": {"type": "plain_text", "text": "Delete"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    return actions_block("qotd_forget", element)


def practice_tick(reply: Reply) -> list[dict]:
    """Beside a practice answer's grade buttons: "Tick key points" (self-checks), in its own section."""
    data = reply.data or {}
    attempt = data.get("quiz_attempt")
    if reply.ok and isinstance(attempt, int) and "grades" in data:
        return [tick_section(attempt, f"{QUIZ_ANSWER_BLOCK}:tick")]
    return []


def channel_mention(channel_id: str) -> str:
    """`<#C…>` (Slack shows the channel's name) for a real channel id; anything else as plain text."""
    return f"<#{channel_id}>" if re.fullmatch(r"[CG][A-Z0-9]{2,}", channel_id) else escape(channel_id)


def tagged_sections(mrkdwn: str, block_id: str) -> list[dict]:
    """`sections` whose block ids name what they hold (`<block_id>:<n>`), so a later update can find them."""
    return [{**block, "block_id": f"{block_id}:{n}"} for n, block in enumerate(sections(mrkdwn))]


def answer_modal(post_id: int, channel_id: str, title: str = "Your answer") -> dict:
    return {
        "type": "modal",
        "callback_id": ANSWER_MODAL,
        "private_metadata": f"{post_id}:{channel_id}",
        "title": {"type": "plain_text", "text": fit(title, 24)},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": "Answer"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                    "max_length": ANSWER_MAX_CHARS,
                },
            }
        ],
    }
