"""FakeDiscord drives the real, unmodified discord.py client offline.

Each test logs a real discord.Client (with an app_commands.CommandTree, a persistent View and a
Modal) into the fake's REST API and gateway, then exercises one behaviour the Discord adapter will
depend on. Waiting is event-driven (the fake's response events, discord.py's own wait_for); the
only sleeps are discord.py's own retry back-offs.
"""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.fakes import FakeDiscord, Overwrite, Perm

ANSWER_BUTTON = "qotd:answer:v1"
ANSWER_MODAL = "qotd:answer-modal:v1"
ANSWER_FIELD = "qotd:answer-text"


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer = discord.ui.TextInput(
        label="Answer", custom_id=ANSWER_FIELD, style=discord.TextStyle.paragraph, max_length=1000
    )

    def __init__(self) -> None:
        super().__init__(custom_id=ANSWER_MODAL, timeout=None)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        interaction.client.events.append(("answer", interaction.user.id, self.answer.value))
        await interaction.response.send_message(f"Saved your answer: {self.answer.value}", ephemeral=True)


class AnswerView(discord.ui.View):
    """Persistent: no timeout, a stable custom_id, registered with add_view in setup_hook."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Answer", style=discord.ButtonStyle.primary, custom_id=ANSWER_BUTTON)
    async def answer(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        interaction.client.events.append(("click", interaction.user.id, interaction.message.id))
        await interaction.response.send_modal(AnswerModal())


class QotdTestClient(discord.Client):
    def __init__(self, guild_id: int, intents: discord.Intents | None = None) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.events: list[tuple] = []
        self.tree = app_commands.CommandTree(self)
        group = app_commands.Group(name="qotd", description="Question of the day")

        @group.command(name="ping", description="Check that the bot answers")
        @app_commands.describe(text="Echoed back")
        async def ping(interaction: discord.Interaction, text: str = "pong") -> None:
            await interaction.response.send_message(f"pong: {text}", ephemeral=True)

        @group.command(name="slow", description="Defer, then edit and follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="done")
            await interaction.followup.send("follow-up")

        self.tree.add_command(group, guild=discord.Object(guild_id))

    async def setup_hook(self) -> None:
        self.add_view(AnswerView())

    async def on_ready(self) -> None:
        self.events.append(("ready",))


@pytest.fixture
async def fake():
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def client(fake: FakeDiscord):
    bot = QotdTestClient(fake.guild.id)
    async with fake.connected(bot):
        yield bot


def question_components() -> list[dict]:
    return [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Answer", "custom_id": ANSWER_BUTTON}]}]


# --------------------------------------------------------------------------------------------------
# Login, READY, GUILD_CREATE
# --------------------------------------------------------------------------------------------------


async def test_login_ready_and_guild_cache(fake: FakeDiscord, client: QotdTestClient):
    assert ("ready",) in client.events
    assert client.user.id == fake.bot_user.id
    assert client.application_id == fake.application_id

    guild = client.get_guild(fake.guild.id)
    assert guild is not None and guild.name == fake.guild.name
    assert guild.owner_id == fake.owner.id
    assert {c.name for c in guild.text_channels} == {"general", "qotd"}
    assert guild.get_role(fake.admin_role.id).permissions.manage_guild
    assert not guild.default_role.permissions.manage_guild
    general = guild.get_channel(fake.channel.id)
    assert general.permissions_for(guild.me).send_messages
    assert guild.me.guild_permissions.create_public_threads

    assert len(fake.calls_to("GET", "/users/@me")) == 1
    assert fake.calls_to("GET", "/oauth2/applications/@me")
    assert fake.identify_payloads[0]["intents"] == client.intents.value
    fake.assert_no_unhandled()


async def test_members_intent_client_gets_a_chunked_guild(fake: FakeDiscord):
    bot = QotdTestClient(fake.guild.id, intents=discord.Intents.all())
    async with fake.connected(bot):
        guild = bot.get_guild(fake.guild.id)
        assert guild.chunked
        admin = guild.get_member(fake.admin.id)
        assert admin.guild_permissions.manage_guild
        assert not guild.get_member(fake.member.id).guild_permissions.manage_guild


async def test_wrong_token_is_a_login_failure(fake: FakeDiscord):
    bot = QotdTestClient(fake.guild.id)
    with fake.patched():
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
        await bot.close()


# --------------------------------------------------------------------------------------------------
# Application commands, components, modals
# --------------------------------------------------------------------------------------------------


async def test_tree_sync_bulk_overwrites_guild_commands(fake: FakeDiscord, client: QotdTestClient):
    synced = await client.tree.sync(guild=discord.Object(fake.guild.id))

    assert [c.name for c in synced] == ["qotd"]
    call = fake.last_call("PUT", f"/applications/{fake.application_id}/guilds/{fake.guild.id}/commands")
    (qotd,) = call.json
    assert qotd["name"] == "qotd"
    subcommands = {o["name"]: o for o in qotd["options"]}
    assert set(subcommands) == {"ping", "slow"}
    assert subcommands["ping"]["type"] == 1
    assert subcommands["ping"]["options"][0] == {
        **subcommands["ping"]["options"][0],
        "name": "text",
        "type": 3,
        "required": False,
    }
    assert fake.commands[fake.guild.id][0]["id"] == str(synced[0].id)


async def test_slash_command_reaches_callback_and_ephemeral_reply_is_recorded(fake: FakeDiscord, client: QotdTestClient):
    await client.tree.sync(guild=discord.Object(fake.guild.id))
    payload = fake.slash_command(
        fake.guild, fake.channel, fake.member, name="qotd", subcommand="ping", options={"text": "hi"}
    )
    assert payload["data"]["guild_id"] == str(fake.guild.id)

    response = await fake.run_interaction(payload, timeout=5)

    assert response["type"] == 4
    assert response["data"]["content"] == "pong: hi"
    assert response["data"]["flags"] == 64
    record = fake.interaction(payload)
    assert fake.message(record.original_message_id)["flags"] & 64
    assert fake.channel_messages(fake.channel) == []  # ephemeral: nobody else sees it
    callback = fake.last_call("POST", f"/interactions/{payload['id']}/*/callback")
    assert callback.query == {"with_response": "1"}


async def test_deferred_command_edits_original_and_follows_up(fake: FakeDiscord, client: QotdTestClient):
    await client.tree.sync(guild=discord.Object(fake.guild.id))
    payload = fake.slash_command(fake.guild, fake.channel, fake.admin, name="qotd", subcommand="slow")

    response = await fake.run_interaction(payload)
    assert response["type"] == 5
    await fake.wait_for_call("POST", f"/webhooks/{fake.application_id}/*")

    record = fake.interaction(payload)
    assert record.edits == [{**record.edits[0], "content": "done"}]
    assert [m["content"] for m in record.followups] == ["follow-up"]
    assert [m["content"] for m in fake.channel_messages(fake.channel)] == ["done", "follow-up"]


async def test_button_click_reaches_persistent_view(fake: FakeDiscord, client: QotdTestClient):
    # A question posted by an earlier run of the bot: only the persistent view can answer the click.
    question = fake.message_create(fake.qotd_channel, fake.bot_user, "Tabs or spaces?", components=question_components())
    payload = fake.button_click(ANSWER_BUTTON, question, fake.member)

    response = await fake.run_interaction(payload)

    assert ("click", fake.member.id, int(question["id"])) in client.events
    assert response["type"] == 9
    assert response["data"]["custom_id"] == ANSWER_MODAL
    (row,) = response["data"]["components"]
    assert row["components"][0]["custom_id"] == ANSWER_FIELD


async def test_modal_submit_delivers_field_values(fake: FakeDiscord, client: QotdTestClient):
    question = fake.message_create(fake.qotd_channel, fake.bot_user, "Tabs or spaces?", components=question_components())
    await fake.run_interaction(fake.button_click(ANSWER_BUTTON, question, fake.member))

    payload = fake.modal_submit(ANSWER_MODAL, {ANSWER_FIELD: "spaces, obviously"}, fake.member)
    response = await fake.run_interaction(payload)

    assert ("answer", fake.member.id, "spaces, obviously") in client.events
    assert response["type"] == 4
    assert response["data"]["content"] == "Saved your answer: spaces, obviously"
    assert response["data"]["flags"] == 64


async def test_late_interaction_response_gets_unknown_interaction(fake: FakeDiscord, client: QotdTestClient):
    await client.tree.sync(guild=discord.Object(fake.guild.id))
    fake.interaction_deadline = 0.0  # every callback is "too late"
    payload = fake.slash_command(fake.guild, fake.channel, fake.member, name="qotd", subcommand="ping")

    await fake.dispatch("INTERACTION_CREATE", payload)
    (call,) = await fake.wait_for_call("POST", f"/interactions/{payload['id']}/*/callback")

    assert call.status == 404 and call.response["code"] == 10062
    assert fake.interaction(payload).responses == []


# --------------------------------------------------------------------------------------------------
# Messages: mentions, rate limits, nonces, errors
# --------------------------------------------------------------------------------------------------


async def test_allowed_mentions_none_is_recorded(fake: FakeDiscord, client: QotdTestClient):
    channel = client.get_channel(fake.channel.id)
    text = f"@everyone {fake.member.mention} answered"

    quiet = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    loud = await channel.send(text)

    quiet_call, loud_call = fake.calls_to("POST", f"/channels/{fake.channel.id}/messages")
    assert quiet_call.json["allowed_mentions"] == {"parse": []}
    assert "allowed_mentions" not in loud_call.json
    assert fake.message(quiet.id)["mentions"] == [] and not fake.message(quiet.id)["mention_everyone"]
    assert [u["id"] for u in fake.message(loud.id)["mentions"]] == [str(fake.member.id)]


async def test_rate_limited_send_is_retried_and_stored_once(fake: FakeDiscord, client: QotdTestClient):
    path = f"/channels/{fake.channel.id}/messages"
    fault = fake.fail_next("POST", path, status=429, retry_after=0.05)

    sent = await client.get_channel(fake.channel.id).send("Question of the day")

    calls = fake.calls_to("POST", path)
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response["retry_after"] == 0.05
    assert fault.hits == 1
    assert [int(m["id"]) for m in fake.channel_messages(fake.channel)] == [sent.id]


async def test_nonce_with_enforce_nonce_posted_twice_yields_one_message(fake: FakeDiscord, client: QotdTestClient):
    channel = client.get_channel(fake.channel.id)
    nonce = "qotd-2026-11-23"

    first = await channel.send("Question of the day", nonce=nonce)
    second = await channel.send("Question of the day", nonce=nonce)

    assert first.id == second.id
    assert len(fake.calls_to("POST", f"/channels/{fake.channel.id}/messages")) == 2
    assert fake.calls_to("POST", f"/channels/{fake.channel.id}/messages")[0].json["enforce_nonce"] is True
    assert len(fake.channel_messages(fake.channel)) == 1


async def test_lost_response_retry_reuses_the_nonce_and_does_not_duplicate(fake: FakeDiscord, client: QotdTestClient):
    # The post succeeds but its answer is a 500; discord.py retries (after 1 s) with the same nonce.
    path = f"/channels/{fake.channel.id}/messages"
    fake.fail_next("POST", path, status=500, commit=True)

    sent = await client.get_channel(fake.channel.id).send("Question of the day")

    first, retry = fake.calls_to("POST", path)
    assert (first.status, retry.status) == (500, 200)
    assert first.json["nonce"] == retry.json["nonce"]
    assert [int(m["id"]) for m in fake.channel_messages(fake.channel)] == [sent.id]


async def test_message_to_deleted_channel_raises_not_found(fake: FakeDiscord, client: QotdTestClient):
    channel = client.get_channel(fake.channel.id)
    fake.delete_channel(fake.channel)

    with pytest.raises(discord.NotFound) as excinfo:
        await channel.send("anyone there?")

    assert excinfo.value.code == 10003


async def test_message_to_forbidden_channel_raises_forbidden(fake: FakeDiscord, client: QotdTestClient):
    channel = client.get_channel(fake.channel.id)
    fake.forbid(fake.channel)

    with pytest.raises(discord.Forbidden) as excinfo:
        await channel.send("let me in")

    assert excinfo.value.code == 50013


async def test_channel_overwrite_denying_the_bot_is_enforced(fake: FakeDiscord):
    locked = fake.guild.add_text_channel(
        "announcements", overwrites=[Overwrite(fake.guild.id, 0, deny=Perm.SEND_MESSAGES)]
    )
    bot = QotdTestClient(fake.guild.id)
    async with fake.connected(bot):
        channel = bot.get_channel(locked.id)
        assert not channel.permissions_for(channel.guild.me).send_messages
        with pytest.raises(discord.Forbidden) as excinfo:
            await channel.send("hello")
    assert excinfo.value.code == 50013


async def test_missing_route_is_a_visible_404(fake: FakeDiscord, client: QotdTestClient):
    with pytest.raises(discord.NotFound) as excinfo:
        await client.http.request(discord.http.Route("GET", "/voice/regions"))

    assert "FakeDiscord has no route for GET /api/v10/voice/regions" in str(excinfo.value)
    assert [c.path for c in fake.unhandled] == ["/voice/regions"]


# --------------------------------------------------------------------------------------------------
# Threads and gateway dispatches
# --------------------------------------------------------------------------------------------------


async def test_thread_from_message_post_archive_and_lock(fake: FakeDiscord, client: QotdTestClient):
    channel = client.get_channel(fake.qotd_channel.id)
    question = await channel.send("Question of the day")
    created = client.wait_for("thread_create", check=lambda t: t.id == question.id, timeout=5)

    thread = await question.create_thread(name="Answers", auto_archive_duration=1440)
    await created  # the fake echoed THREAD_CREATE over the gateway

    assert thread.id == question.id and thread.type is discord.ChannelType.public_thread
    await thread.send("First answer")
    await thread.edit(archived=True, locked=True)

    stored = fake.channels[thread.id]
    assert (stored.type, stored.parent_id, stored.archived, stored.locked) == (11, fake.qotd_channel.id, True, True)
    assert [m["content"] for m in fake.channel_messages(stored)] == ["First answer"]
    with pytest.raises(discord.HTTPException) as excinfo:
        await question.create_thread(name="Answers again")
    assert excinfo.value.code == 160004


async def test_message_create_dispatch_reaches_on_message(fake: FakeDiscord, client: QotdTestClient):
    received = client.wait_for("message", check=lambda m: m.author.id == fake.member.id, timeout=5)

    await fake.dispatch("MESSAGE_CREATE", fake.message_create(fake.channel, fake.member, "my answer"))
    message = await received

    assert message.content == "my answer"
    assert message.channel.id == fake.channel.id
    assert message.guild.id == fake.guild.id


async def test_message_content_is_blank_without_the_intent(fake: FakeDiscord):
    bot = QotdTestClient(fake.guild.id, intents=discord.Intents.default())  # no message_content
    async with fake.connected(bot):
        received = bot.wait_for("message", check=lambda m: m.author.id == fake.member.id, timeout=5)
        await fake.dispatch("MESSAGE_CREATE", fake.message_create(fake.channel, fake.member, "secret"))
        assert (await received).content == ""
