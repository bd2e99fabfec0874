"""Distribution to many workspaces: the real Bolt install flow, per-workspace tokens, uninstalls.

The app is the product's own (`build_slack_app` in OAuth mode, served by `web_app` on 127.0.0.1)
over `bootstrap(...)`, with FakeSlack as the Web API (oauth.v2.access answers the codes the tests
register, auth.test knows each workspace's bot token). Installations and OAuth states live in the
bot's database; every test runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.error import BoltError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Bot, Installation
from sqlalchemy import func, select

from adapters.slack.app import build_slack_app
from adapters.slack.clients import WorkspaceNotInstalled
from adapters.slack.http_server import web_app
from adapters.slack.installations import (
    BOT_SCOPES,
    NOT_INSTALLED,
    REMOVED,
    InstalledWorkspaces,
    SqlInstallationStore,
    SqlOAuthStateStore,
)
from adapters.slack.settings import SlackSettings
from bot.bootstrap import Qotd, bootstrap
from bot.clock import FakeClock
from bot.db.engine import create_engine, upgrade
from bot.db.tables import answers, posts, schedules, slack_installations, slack_oauth_states
from bot.ports import ChannelRef, Member
from tests.conftest import START
from tests.fakes.fake_slack import BOT_USER_ID, FakeSlack, SlackSender
from tests.support import make_bank

SECRET = "test-signing-secret"
CLIENT_ID = "1234.5678"
CLIENT_SECRET = "client-secret"
REDIRECT = "https://qotd.example/slack/oauth_redirect"
T1, T2 = "T0000ONE", "T0000TWO"
TOKENS = {T1: "xoxb-one", T2: "xoxb-two"}
ADMINS = {T1: "UADMIN1", T2: "UADMIN2"}
CHANNEL = "CQOTD"  # the same channel id in both workspaces: only the workspace keeps them apart
SETUP = "setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"
COOKIE = "slack-app-oauth-state"


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith("SLACK_")]:
        monkeypatch.delenv(key)


@dataclass
class Distributed:
    fake: FakeSlack
    app: Qotd
    clock: FakeClock
    base: str  # http://127.0.0.1:PORT
    slack: SlackSender
    _n: int = 0

    # ---- Slack-signed requests from a given workspace ----------------------------------------
    async def slash(self, team: str, user: str, text: str, channel: str = CHANNEL) -> dict:
        """Run `/qotd text` in `team`; returns what the command posted to its response_url."""
        before = len(self.fake.calls_to("response_url"))
        self._n += 1
        form = {"token": "legacy", "team_id": team, "team_domain": team.lower(), "channel_id": channel,
                "channel_name": "qotd", "user_id": user, "user_name": user, "command": "/qotd", "text": text,
                "api_app_id": "AQOTD", "response_url": self.fake.response_url(), "trigger_id": f"trigger-{self._n}"}
        status, _ = await self.slack.send(urlencode(form), "application/x-www-form-urlencoded")
        assert status == 200
        return (await self.fake.wait_for("response_url", before + 1))[before].params

    async def event(self, team: str, event: dict) -> int:
        self._n += 1
        body = {"token": "legacy", "team_id": team, "api_app_id": "AQOTD", "event": event, "type": "event_callback",
                "event_id": f"Ev{self._n:08d}", "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}]}
        status, _ = await self.slack.send(json.dumps(body), "application/json")
        return status

    # ---- the browser side of an install ------------------------------------------------------
    async def get(self, path: str, *, cookie: str | None = None) -> aiohttp.ClientResponse:
        headers = {"Cookie": cookie} if cookie else {}
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            async with session.get(self.base + path, headers=headers, allow_redirects=False) as response:
                await response.read()
                return response

    async def start_install(self) -> tuple[str, str]:
        """GET /slack/install: (the state in the cookie, the page's HTML)."""
        page = await self.get("/slack/install")
        assert page.status == 200
        cookie = page.cookies[COOKIE]
        return cookie.value, (page._body or b"").decode()

    async def finish_install(self, state: str, code: str, *, cookie_state: str | None = None) -> tuple[int, str]:
        cookie = f"{COOKIE}={cookie_state if cookie_state is not None else state}"
        response = await self.get(f"/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}", cookie=cookie)
        return response.status, (response._body or b"").decode()

    async def install(self, team: str) -> None:
        code = f"code-{team}-{self._n}"
        self._n += 1
        self.fake.add_install_code(code, team, TOKENS[team], team_name=f"Team {team}")
        state, _ = await self.start_install()
        status, body = await self.finish_install(state, code)
        assert status == 200 and "Thank you!" in body, body

    async def rows(self, query):
        async with self.app.ctx.engine.connect() as conn:
            return (await conn.execute(query)).all()


def settings_for(fake: FakeSlack) -> SlackSettings:
    return SlackSettings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, signing_secret=SECRET, api_url=fake.api_url,
                         install_redirect_url=REDIRECT)


@pytest.fixture
async def dist(settings, clock):
    async with FakeSlack() as fake:
        for team, admin in ADMINS.items():
            fake.add_user(admin, f"Admin {team}", is_admin=True)
        fake.add_user("UALICE", "alice")  # a member of T1
        fake.add_user("UBOB", "bob")  # a member of T2
        app = await bootstrap(settings, clock=clock, rng=random.Random(7), bank=make_bank())
        slack_settings = settings_for(fake)
        assert slack_settings.mode == "oauth" and slack_settings.bot_token is None
        bolt = build_slack_app(app, slack_settings)
        runner = web.AppRunner(web_app(bolt))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        try:
            yield Distributed(fake, app, clock, base, SlackSender(fake, f"{base}/slack/events", SECRET))
        finally:
            await runner.cleanup()
            await app.close()


def bearer(team: str) -> str:
    return f"Bearer {TOKENS[team]}"


async def wait_until(condition, timeout: float = 5.0) -> None:
    """For effects with no Web API call to wait on (an event handler writing to the database)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def set_up(d: Distributed, team: str) -> None:
    reply = await d.slash(team, ADMINS[team], SETUP)
    assert reply["response_type"] == "in_channel" and "Scheduled" in reply["text"], reply


def thread_reply(team: str, user: str, text: str, thread_ts: str, msg_id: str) -> dict:
    ts = f"{float(thread_ts) + 5:.6f}"
    return {"type": "message", "channel": CHANNEL, "user": user, "text": text, "ts": ts, "thread_ts": thread_ts,
            "client_msg_id": msg_id, "team": team, "event_ts": ts, "channel_type": "channel"}


async def status_text(d: Distributed, team: str) -> str:
    reply = await d.app.handle_text(ChannelRef("slack", team, CHANNEL), Member(ADMINS[team], "Admin", is_admin=True),
                                    "/qotd status")
    return reply.text


# ---- the install flow -------------------------------------------------------------------------------


async def test_the_install_page_sets_the_state_cookie_and_links_to_slack_with_our_client_id_and_scopes(dist: Distributed):
    page = await dist.get("/slack/install")
    assert page.status == 200
    cookie = page.cookies[COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["path"] == "/"
    state = cookie.value
    html = (page._body or b"").decode()
    (link,) = re.findall(r'<a href="([^"]+)"', html)
    link = link.replace("&amp;", "&")
    assert link.startswith("https://slack.com/oauth/v2/authorize?")
    assert f"state={state}" in link and f"client_id={CLIENT_ID}" in link and f"redirect_uri={REDIRECT}" in link
    (scope,) = re.findall(r"[?&]scope=([^&]*)", link)
    assert scope.split(",") == list(BOT_SCOPES)
    assert {"commands", "chat:write", "channels:history", "groups:history", "users:read"} <= set(scope.split(","))
    assert "chat:write.public" not in scope
    assert re.search(r"[?&]user_scope=(&|$)", link)  # no user token is asked for
    ((stored, expires_at),) = await dist.rows(select(slack_oauth_states))
    assert stored == state and expires_at == START + timedelta(minutes=10)
    assert not dist.fake.calls  # nothing asked of Slack yet


async def test_the_redirect_with_a_valid_code_and_state_stores_the_installation(dist: Distributed):
    dist.fake.add_install_code("good-code", T1, TOKENS[T1], team_name="Team One")
    state, _ = await dist.start_install()
    status, body = await dist.finish_install(state, "good-code")
    assert status == 200 and "Thank you!" in body and f"slack://app?team={T1}&amp;id=AQOTD" in body
    (row,) = await dist.rows(select(slack_installations))
    assert (row.team_id, row.enterprise_id, row.team_name) == (T1, "", "Team One")
    assert (row.bot_token, row.bot_user_id, row.bot_id) == (TOKENS[T1], BOT_USER_ID, "BQOTD")
    assert row.installer_user_id == "UINSTALLER" and row.bot_scopes == "commands,chat:write" and row.app_id == "AQOTD"
    assert abs(row.installed_at.timestamp() - time.time()) < 60 and row.installed_at.tzinfo is not None
    exchange = dist.fake.last("oauth.v2.access")  # sent to SLACK_API_URL, with our credentials
    assert exchange.params["code"] == "good-code" and exchange.params["redirect_uri"] == REDIRECT
    credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert exchange.headers["Authorization"] == f"Basic {credentials}"
    assert dist.fake.last("auth.test").headers["Authorization"] == bearer(T1)
    assert await dist.rows(select(slack_oauth_states)) == []  # the state is used up


async def test_a_bad_reused_or_expired_state_is_refused_and_stores_nothing(dist: Distributed):
    for n in range(4):
        dist.fake.add_install_code(f"code-{n}", T1, TOKENS[T1])
    # A state this app never issued, even with a matching cookie.
    status, body = await dist.finish_install("forged-state", "code-0")
    assert status == 401 and "invalid_state" in body
    # A real state, but from another browser (no matching cookie).
    state, _ = await dist.start_install()
    status, body = await dist.finish_install(state, "code-0", cookie_state="someone-elses")
    assert status == 400 and "invalid_browser" in body
    assert not dist.fake.calls_to("oauth.v2.access")
    assert await dist.rows(select(slack_installations)) == []
    # Used once (successfully), then replayed.
    status, _ = await dist.finish_install(state, "code-1")
    assert status == 200
    async with dist.app.ctx.engine.begin() as conn:
        await conn.execute(slack_installations.delete())
    status, body = await dist.finish_install(state, "code-2")
    assert status == 401 and "invalid_state" in body
    # Expired: the install took longer than ten minutes.
    late, _ = await dist.start_install()
    dist.clock.advance(timedelta(minutes=10, seconds=1))
    status, body = await dist.finish_install(late, "code-3")
    assert status == 401 and "invalid_state" in body
    assert await dist.rows(select(slack_installations)) == []
    assert len(dist.fake.calls_to("oauth.v2.access")) == 1  # only the one good attempt reached Slack


async def test_a_code_slack_rejects_stores_nothing(dist: Distributed):
    state, _ = await dist.start_install()
    status, body = await dist.finish_install(state, "never-issued")
    assert status == 401 and "invalid_code" in body
    assert await dist.rows(select(slack_installations)) == []


# ---- many workspaces --------------------------------------------------------------------------------


async def test_two_workspaces_each_post_with_their_own_token_and_keep_their_data_apart(dist: Distributed):
    await dist.install(T1)
    await dist.install(T2)
    await set_up(dist, T1)
    await set_up(dist, T2)
    for team in (T1, T2):  # the admin check asked each workspace with its own token
        (info,) = [c for c in dist.fake.calls_to("users.info") if c.params["user"] == ADMINS[team]]
        assert info.headers["Authorization"] == bearer(team)
    assert len(await dist.rows(select(schedules))) == 2

    dist.clock.set(START + timedelta(hours=2))  # 09:00 Berlin
    assert (await dist.app.tick()).posted == 2
    questions = dist.fake.calls_to("chat.postMessage")
    assert sorted(c.headers["Authorization"] for c in questions) == sorted([bearer(T1), bearer(T2)])
    posted = {r.workspace_id: r.message_id for r in await dist.rows(select(posts.c.workspace_id, posts.c.message_id))}
    thread = {}
    for call in questions:
        team = next(t for t in TOKENS if call.headers["Authorization"] == bearer(t))
        assert call.params["channel"] == CHANNEL and posted[team] == call.response["ts"]
        thread[team] = call.response["ts"]

    assert await dist.event(T1, thread_reply(T1, "UALICE", "Indexes speed up reads.", thread[T1], "m-alice")) == 200
    assert await dist.event(T2, thread_reply(T2, "UBOB", "B-trees.", thread[T2], "m-bob")) == 200
    acks = await dist.fake.wait_for("chat.postEphemeral", 2)
    by_user = {c.params["user"]: c for c in acks}
    assert by_user["UALICE"].headers["Authorization"] == bearer(T1) and by_user["UALICE"].params["thread_ts"] == thread[T1]
    assert by_user["UBOB"].headers["Authorization"] == bearer(T2) and by_user["UBOB"].params["thread_ts"] == thread[T2]
    recorded = await dist.rows(select(answers.c.workspace_id, answers.c.member_id))
    assert sorted(recorded) == [(T1, "UALICE"), (T2, "UBOB")]

    dist.clock.advance(timedelta(hours=8, minutes=1))
    assert (await dist.app.tick()).revealed == 2
    assert sorted(c.headers["Authorization"] for c in dist.fake.calls_to("chat.update")) == sorted([bearer(T1), bearer(T2)])
    one = (await dist.slash(T1, "UALICE", "leaderboard all answers"))["text"]
    two = (await dist.slash(T2, "UBOB", "leaderboard all answers"))["text"]
    assert "alice" in one and "bob" not in one, one
    assert "bob" in two and "alice" not in two, two


@pytest.mark.parametrize("removal", ["app_uninstalled", "tokens_revoked"])
async def test_an_uninstall_deletes_that_installation_and_stops_only_that_workspace(dist: Distributed, removal):
    await dist.install(T1)
    await dist.install(T2)
    await set_up(dist, T1)
    await set_up(dist, T2)
    event = {"type": "app_uninstalled"} if removal == "app_uninstalled" else {
        "type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BOT_USER_ID]}}
    assert await dist.event(T1, event) == 200

    async def t1_gone() -> bool:
        rows = await dist.rows(select(slack_installations.c.team_id))
        stopped = await dist.rows(select(schedules.c.workspace_id).where(schedules.c.disabled_reason.is_not(None)))
        return [r.team_id for r in rows] == [T2] and [r.workspace_id for r in stopped] == [T1]

    await wait_until(t1_gone)
    one = await status_text(dist, T1)
    assert "disabled" in one and REMOVED in one, one
    assert "disabled" not in await status_text(dist, T2)

    dist.clock.set(START + timedelta(hours=2))
    assert (await dist.app.tick()).posted == 1
    (question,) = dist.fake.calls_to("chat.postMessage")
    assert question.headers["Authorization"] == bearer(T2)
    reply = await dist.slash(T2, ADMINS[T2], "status")  # T2 still answers commands
    assert "active" in reply["text"], reply
    reply = await dist.slash(T1, ADMINS[T1], "status")  # T1 is told why nothing happens
    assert reply["text"] == NOT_INSTALLED and reply.get("response_type", "ephemeral") == "ephemeral", reply


async def test_installing_again_restarts_the_schedules_the_removal_stopped_and_no_others(dist: Distributed):
    await dist.install(T1)
    await set_up(dist, T1)
    paused_channel = ChannelRef("slack", T1, "CPAUSED")
    admin = Member(ADMINS[T1], "Admin", is_admin=True)
    for text in (f"/qotd {SETUP}", "/qotd pause"):  # an admin paused this one themselves
        assert (await dist.app.handle_text(paused_channel, admin, text)).ok
    assert await dist.event(T1, {"type": "app_uninstalled"}) == 200

    async def stopped() -> bool:
        return [r.channel_id for r in await dist.rows(select(schedules.c.channel_id).where(schedules.c.disabled_reason == REMOVED))] == [CHANNEL]

    await wait_until(stopped)
    dist.clock.set(START + timedelta(days=2))  # away for two days: nothing is posted meanwhile
    assert (await dist.app.tick()).posted == 0

    await dist.install(T1)  # an admin installs the app again
    by_channel = {r.channel_id: r for r in await dist.rows(select(schedules))}
    back, paused = by_channel[CHANNEL], by_channel["CPAUSED"]
    assert (back.paused, back.disabled_reason) == (False, None)
    assert back.next_post_at > dist.clock.now()  # the next scheduled time from now: the days away are skipped
    assert (paused.paused, paused.next_post_at) == (True, None)
    assert "active" in await status_text(dist, T1)

    dist.clock.set(back.next_post_at + timedelta(seconds=30))
    assert (await dist.app.tick()).posted == 1
    (question,) = dist.fake.calls_to("chat.postMessage")
    assert question.params["channel"] == CHANNEL and question.headers["Authorization"] == bearer(T1)


async def test_a_revoked_member_token_leaves_the_installation_alone(dist: Distributed):
    await dist.install(T1)
    await set_up(dist, T1)
    assert await dist.event(T1, {"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"], "bot": []}}) == 200
    await asyncio.sleep(0.2)
    assert [r.team_id for r in await dist.rows(select(slack_installations.c.team_id))] == [T1]
    assert "active" in await status_text(dist, T1)


async def test_a_post_for_a_workspace_with_no_installation_disables_the_schedule(dist: Distributed):
    await dist.install(T1)
    await set_up(dist, T1)
    # The install disappeared without an uninstall event reaching us (deleted by hand, an event lost).
    async with dist.app.ctx.engine.begin() as conn:
        await conn.execute(slack_installations.delete())
    dist.clock.set(START + timedelta(hours=2))
    assert (await dist.app.tick()).posted == 0
    assert not dist.fake.calls_to("chat.postMessage")
    text = await status_text(dist, T1)
    assert "disabled" in text and "not installed in this workspace" in text, text
    (next_post,) = [r.next_post_at for r in await dist.rows(select(schedules))]
    assert next_post is None
    dist.clock.advance(timedelta(days=1))
    await dist.app.tick()
    assert not dist.fake.calls_to("chat.postMessage")  # stays stopped until an admin resumes it


async def test_a_command_from_a_workspace_that_never_installed_gets_an_explanation(dist: Distributed):
    reply = await dist.slash(T2, ADMINS[T2], SETUP)
    assert reply["text"] == NOT_INSTALLED and reply.get("response_type", "ephemeral") == "ephemeral", reply
    assert not dist.fake.calls_to("users.info")
    assert await dist.rows(select(schedules)) == []


# ---- the stores on their own ------------------------------------------------------------------------


@pytest.fixture
async def engine(db_url):
    engine = create_engine(db_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


def installation(team: str | None, token: str, *, enterprise: str | None = None, installer: str = "UINSTALLER",
                 org_wide: bool = False, installed_at: float | None = None) -> Installation:
    return Installation(app_id="AQOTD", enterprise_id=enterprise, team_id=team, team_name=f"Team {team}",
                        bot_token=token, bot_id="BQOTD", bot_user_id=BOT_USER_ID, bot_scopes="commands,chat:write",
                        user_id=installer, is_enterprise_install=org_wide, token_type="bot",
                        installed_at=installed_at or time.time())


async def test_the_installation_store_saves_finds_replaces_and_deletes(engine):
    store = SqlInstallationStore(engine)
    await store.async_save(installation(T1, "xoxb-old", installed_at=1_700_000_000.0))
    await store.async_save(installation(T1, "xoxb-new", installer="UOTHER"))  # installed again
    await store.async_save(installation(T2, "xoxb-two"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(slack_installations))).scalar() == 2

    found = await store.async_find_installation(enterprise_id=None, team_id=T1)
    assert found is not None and found.bot_token == "xoxb-new" and found.user_id == "UOTHER"
    assert found.bot_scopes == ["commands", "chat:write"] and found.team_name == f"Team {T1}" and found.enterprise_id is None
    assert await store.async_find_installation(enterprise_id=None, team_id=T1, user_id="USOMEONE") is None
    assert (await store.async_find_installation(enterprise_id=None, team_id=T1, user_id="UOTHER")).bot_token == "xoxb-new"
    bot = await store.async_find_bot(enterprise_id=None, team_id=T2)
    assert bot is not None and bot.bot_token == "xoxb-two" and bot.bot_user_id == BOT_USER_ID
    assert await store.async_find_bot(enterprise_id=None, team_id="T0NOBODY") is None

    await store.async_delete_installation(enterprise_id=None, team_id=T1, user_id="UOTHER")  # a member's token only
    assert await store.async_find_bot(enterprise_id=None, team_id=T1) is not None
    await store.async_delete_bot(enterprise_id=None, team_id=T1)
    assert await store.async_find_installation(enterprise_id=None, team_id=T1) is None
    await store.async_delete_all(enterprise_id=None, team_id=T2)
    assert await store.async_find_bot(enterprise_id=None, team_id=T2) is None


async def test_grid_workspaces_and_org_wide_installs_are_kept_apart(engine):
    store = SqlInstallationStore(engine)
    await store.async_save(installation("T0GRID", "xoxb-grid", enterprise="E0ORG"))
    await store.async_save(installation(None, "xoxb-org", enterprise="E0ORG", org_wide=True))
    assert (await store.find_workspace_bot("T0GRID")).bot_token == "xoxb-grid"  # the port knows only the team
    assert (await store.async_find_bot(enterprise_id="E0ORG", team_id="T0GRID")).bot_token == "xoxb-grid"
    org = await store.async_find_installation(enterprise_id="E0ORG", team_id=None, is_enterprise_install=True)
    assert org is not None and org.bot_token == "xoxb-org" and org.is_enterprise_install and org.team_id is None
    await store.async_delete_all(enterprise_id="E0ORG", team_id="T0GRID")
    assert await store.find_workspace_bot("T0GRID") is None
    assert await store.async_find_bot(enterprise_id="E0ORG", team_id=None, is_enterprise_install=True) is not None


async def test_an_installation_without_a_bot_token_is_refused(engine):
    store = SqlInstallationStore(engine)
    with pytest.raises(BoltError):
        await store.async_save(installation(T1, None))  # type: ignore[arg-type]
    assert await store.async_find_installation(enterprise_id=None, team_id=T1) is None


async def test_the_state_store_issues_states_that_work_once_before_they_expire(engine):
    now = [datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)]
    states = SqlOAuthStateStore(engine, expiration_seconds=600, now=lambda: now[0])
    first, second = await states.async_issue(), await states.async_issue()
    assert first != second and len(first) >= 40
    assert await states.async_consume(first) is True
    assert await states.async_consume(first) is False  # one-time
    assert await states.async_consume("not-a-state") is False
    assert await states.async_consume("") is False and await states.async_consume("x" * 500) is False
    now[0] += timedelta(seconds=601)
    assert await states.async_consume(second) is False  # expired
    racing = await states.async_issue()
    async with engine.connect() as conn:  # issuing swept the expired one
        assert (await conn.execute(select(slack_oauth_states.c.state))).scalars().all() == [racing]
    results = await asyncio.gather(*(states.async_consume(racing) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_installed_workspaces_give_each_team_its_own_client(engine):
    store = SqlInstallationStore(engine)
    workspaces = InstalledWorkspaces(store, "http://127.0.0.1:9/api/")
    with pytest.raises(WorkspaceNotInstalled):
        await workspaces.for_team(T1)
    await store.async_save(installation(T1, "xoxb-one"))
    await store.async_save(installation(T2, "xoxb-two"))
    one = await workspaces.for_team(T1)
    assert one.token == "xoxb-one" and one.base_url == "http://127.0.0.1:9/api/"
    assert any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in one.retry_handlers)
    assert await workspaces.for_team(T1) is one  # reused while the token is the same
    assert (await workspaces.for_team(T2)).token == "xoxb-two"
    await store.async_save(installation(T1, "xoxb-one-again"))
    assert (await workspaces.for_team(T1)).token == "xoxb-one-again"
    await store.async_delete_all(enterprise_id=None, team_id=T1)
    with pytest.raises(WorkspaceNotInstalled):
        await workspaces.for_team(T1)


async def test_installed_workspaces_rotate_an_expiring_token_and_keep_the_new_one(engine):
    store = SqlInstallationStore(engine)
    soon = int(time.time()) + 60
    rotating = installation(T1, "xoxe.xoxb-old")
    rotating.bot_refresh_token, rotating.bot_token_expires_at = "xoxe-1-refresh", soon
    await store.async_save(rotating)

    class Rotator:  # stands in for slack-sdk's AsyncTokenRotator (tested upstream)
        async def perform_bot_token_rotation(self, *, bot: Bot, minutes_before_expiration: int):
            assert bot.bot_refresh_token == "xoxe-1-refresh" and bot.bot_token_expires_at == soon
            if bot.bot_token_expires_at > time.time() + minutes_before_expiration * 60:
                return None
            return Bot(app_id=bot.app_id, team_id=bot.team_id, team_name=bot.team_name, bot_token="xoxe.xoxb-new",
                       bot_id=bot.bot_id, bot_user_id=bot.bot_user_id, bot_scopes=bot.bot_scopes,
                       bot_refresh_token="xoxe-1-refresh", bot_token_expires_at=soon + 43_200, installed_at=bot.installed_at)

    workspaces = InstalledWorkspaces(store, None, rotator=Rotator())  # type: ignore[arg-type]
    assert (await workspaces.for_team(T1)).token == "xoxe.xoxb-new"
    saved = await store.async_find_installation(enterprise_id=None, team_id=T1)
    assert saved.bot_token == "xoxe.xoxb-new" and saved.bot_token_expires_at == soon + 43_200
    assert saved.user_id == "UINSTALLER"  # the rest of the install is kept
