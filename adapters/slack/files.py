"""A command reply that comes with files (a data export, a team report's chart), delivered on Slack.

Files go up the v2 way (`files_upload_v2`: files.getUploadURLExternal, the upload itself,
files.completeUploadExternal). A private reply's files (a member's own data, a workspace export)
go into a direct message with the member (conversations.open), and the command answers
ephemerally where it was typed; a public reply (the team report) is answered in the channel and
its chart shared into the channel. Needs the `files:write` and `im:write` scopes.
"""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.errors import SlackApiError

from adapters.slack.blocks import escape, reply_blocks
from adapters.slack.listener_support import SlackContext, log, public
from adapters.slack.port import slack_error
from bot.ports import Member, Reply

MISSING_SCOPE = ("missing_scope", "not_allowed_token_type", "no_permission")


async def upload(client, channel_id: str, reply: Reply, comment: str | None = None) -> None:
    await client.files_upload_v2(
        file_uploads=[{"content": a.content, "filename": a.filename, "title": a.filename} for a in reply.attachments],
        channel=channel_id,
        initial_comment=comment,
    )


def _could_not_send(exc: Exception) -> str:
    code = slack_error(exc) if isinstance(exc, SlackApiError) else ""
    if code in MISSING_SCOPE:
        return (
            "Sorry, I could not send the files: this app needs the files:write and im:write permissions. "
            "A workspace admin can update the app from qotd's current manifest and reinstall it."
        )
    if code in ("not_in_channel", "channel_not_found"):
        return "Sorry, I could not share the chart here: invite the app to this channel (/invite @qotd) and try again."
    return "Sorry, the files could not be sent just now; nothing was changed. Please try again in a minute."


async def respond_with_files(ctx: SlackContext, client, respond, channel_id: str, member: Member, reply: Reply) -> None:
    """Answer the command and deliver its files: privately in a DM, or publicly in the channel."""
    if public(reply):
        text, blocks = reply_blocks(reply, viewer=member.id)
        await respond(text=text, blocks=blocks, response_type="in_channel")
        try:
            await upload(client, channel_id, reply)
        except Exception as exc:  # the text is out; say only to the asker why the chart is not
            log.warning("could not share a reply's files in %s: %s", channel_id, exc)
            text, blocks = reply_blocks(Reply(_could_not_send(exc), ok=False))
            await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    try:
        opened = await client.conversations_open(users=member.id)
        direct = str(opened["channel"]["id"])
        await upload(client, direct, reply, comment=escape(reply.text))
    except Exception as exc:
        log.warning("could not send a reply's files to %s: %s", member.id, exc)
        reply = Reply(_could_not_send(exc), private=True, ok=False)
    else:
        reply = replace(reply, text=f"{reply.text}\n\nThe files are in your direct messages with qotd.")
    text, blocks = reply_blocks(reply, viewer=member.id)
    await respond(text=text, blocks=blocks, response_type="ephemeral")
