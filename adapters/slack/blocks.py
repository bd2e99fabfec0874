"""Neutral core messages rendered as Slack Block Kit, within Slack's limits.

Every piece of text that reaches Slack goes through `escape`, so member-written text (answers,
names) cannot form `<!channel>`, `<!here>`, `<@U…>` or links. Long text is split into several
section blocks of at most 3,000 characters; a message carries at most 50 blocks.
"""

from __future__ import annotations

from datetime import datetime

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
    if reveal.key_points:
        blocks += sections("*Key points*\n" + "\n".join(f"• {escape(p)}" for p in reveal.key_points))
    if reveal.follow_ups:
        blocks += sections("*To think about next*\n" + "\n".join(f"– {escape(f)}" for f in reveal.follow_ups))
    names = ", ".join(escape(n) for n in reveal.answered_on_time) or "Nobody answered this one on time."
    blocks += sections(f"*Answered on time ({len(reveal.answered_on_time)})*\n{names}")
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


def reply_blocks(reply: Reply) -> tuple[str, list[dict]]:
    """A command's reply: its text (core-written, may hold member names) escaped, hint appended."""
    text = escape(reply.with_hint)
    return fit(text, FALLBACK_TEXT), sections(text)[:MAX_BLOCKS]


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
