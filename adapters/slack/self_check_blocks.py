"""Block Kit for self-checks: the "Check my answer" / "Tick key points" buttons and the checkbox form.

Kept apart from blocks.py (which places the buttons on reveals, practice answers and /qotd check
replies) so both it and self_check_actions.py can use it. A button's value names what is checked:
`post:<post id>` for a daily question, `quiz:<attempt id>` for a practice question.
"""

from __future__ import annotations

CHECK_ACTION = "qotd_check_open"
CHECK_MODAL = "qotd_check_modal"
CHECK_BLOCK = "qotd_check_points"
CHECK_INPUT = "points"
CHECK_BUTTON_BLOCK = "qotd_check"  # block id "qotd_check:<post|quiz>:<id>"
OPTION_TEXT = 75  # Slack's limit for a checkbox option's text
MAX_OPTIONS = 10  # and for the number of checkboxes
MARKER = "…"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(MARKER)] + MARKER


def check_value(kind: str, target: int) -> str:
    return f"{kind}:{target}"


def parse_check_value(value: str) -> tuple[str, int] | None:
    kind, _, number = value.partition(":")
    if kind not in ("post", "quiz") or not number.isdigit():
        return None
    return kind, int(number)


def _button(label: str, kind: str, target: int) -> dict:
    return {
        "type": "button",
        "action_id": CHECK_ACTION,
        "text": {"type": "plain_text", "text": label},
        "value": check_value(kind, target),
    }


def check_actions(kind: str, target: int, label: str = "Check my answer") -> dict:
    """An actions block with the one button that opens the checkbox form."""
    return {"type": "actions", "block_id": f"{CHECK_BUTTON_BLOCK}:{kind}:{target}", "elements": [_button(label, kind, target)]}


def tick_section(attempt: int, block_id: str) -> dict:
    """For a practice answer: a line with a "Tick key points" button beside it (outside the grade buttons)."""
    return {
        "type": "section",
        "block_id": block_id,
        "text": {"type": "mrkdwn", "text": "Which key points did your answer cover?"},
        "accessory": _button("Tick key points", "quiz", attempt),
    }


def check_modal(kind: str, target: int, channel_id: str, data: dict) -> dict:
    """The checkbox form, pre-ticked from the member's ticks or the automatic guess."""
    key_points = [str(p) for p in data.get("key_points") or []][:MAX_OPTIONS]
    selected = {int(n) for n in data.get("selected") or []}
    options = [
        {"text": {"type": "plain_text", "text": _fit(f"{n}. {point}", OPTION_TEXT)}, "value": str(n)}
        for n, point in enumerate(key_points, start=1)
    ]
    element: dict = {"type": "checkboxes", "action_id": CHECK_INPUT, "options": options}
    initial = [o for o in options if int(o["value"]) in selected]
    if initial:
        element["initial_options"] = initial
    if kind == "quiz":
        intro = "*Your practice question* — tick the key points your answer covered."
    else:
        intro = f"*Question #{data.get('seq', '?')}* — tick the key points your answer covered."
    if data.get("ticked"):
        note = "These are your ticks from before; change them and submit."
    elif selected and kind == "post":
        note = "Pre-ticked: our guess from your answer. Your own ticks replace it."
    else:
        note = "Tick none if it covered none of them."
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}]
    if any(len(f"{n}. {p}") > OPTION_TEXT for n, p in enumerate(key_points, start=1)):
        listing = "\n".join(f"{n}. {_escape(p)}" for n, p in enumerate(key_points, start=1))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _fit(listing, 3000)}})
    blocks += [
        {
            "type": "input",
            "block_id": CHECK_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Key points you covered"},
            "element": element,
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
    ]
    return {
        "type": "modal",
        "callback_id": CHECK_MODAL,
        "private_metadata": f"{check_value(kind, target)}:{channel_id}",
        "title": {"type": "plain_text", "text": "Check your answer"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def ticked_numbers(state_values: dict) -> tuple[int, ...] | None:
    """The ticked key points from a submitted form's state; None when the state is not ours."""
    element = (state_values.get(CHECK_BLOCK) or {}).get(CHECK_INPUT)
    if element is None:
        return None
    chosen = [str(o.get("value", "")) for o in element.get("selected_options") or []]
    if not all(v.isdigit() for v in chosen):
        return None
    return tuple(sorted({int(v) for v in chosen}))
