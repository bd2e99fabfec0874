"""A fake Slack for driving the real slack-bolt / slack-sdk code offline.

`FakeSlack` is an aiohttp Web API on 127.0.0.1 that records every call (method, headers,
parameters) and keeps just enough state: users with admin flags, channels that exist, the messages
posted to them (with their metadata, readable through `conversations.history` and
`conversations.replies`). Its catch-all also records the `response_url` POSTs Bolt's `respond()` makes.

`fake.inject_faults(rate=0.2, kinds=("500", "429", "timeout_after_accept"), seed=1)` makes a seeded
share of Web API calls fail the ways Slack does: a 500 (nothing happened), a 429 with Retry-After
(nothing happened), or the call takes effect and its answer is held longer than the client waits
("timeout_after_accept"), or the connection drops after it took effect ("disconnect_after_accept").
`SlackSender` sends Slack-signed requests (slash commands, block actions, view submissions,
event callbacks with optional retry headers) to the app under test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.seeded_faults import SeededFaults, checked_kinds

TEAM_ID = "T0QOTD"
BOT_USER_ID = "UBOTQOTD"
BOT_ID = "BQOTD"


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or "response_url"
    path: str
    headers: dict[str, str]
    params: dict[str, Any]
    response: dict[str, Any] | None = None
    at: float = field(default_factory=time.monotonic)
    fault: str | None = None  # the injected fault kind that answered this call, if any


@dataclass
class FaultPlan(SeededFaults):
    """Random, seeded failures for a share of the Web API calls (see `FakeSlack.inject_faults`)."""

    methods: frozenset[str] | None = None  # None: every Web API method
    hold: float = 1.0  # seconds a "timeout_after_accept" answer is held back
    retry_after: int = 0  # the 429's Retry-After, whole seconds as Slack sends it

    def pick(self, method: str) -> str | None:
        if self.methods is not None and method not in self.methods:
            return None
        return self.draw()


@dataclass
class FakeUser:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False


def _decode(value: Any) -> Any:
    """Form-encoded `blocks`/`view` arrive as JSON strings; make them comparable."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, FakeUser] = {}
        self.channels: set[str] = {"CQOTD", "CGENERAL"}
        self.errors: dict[tuple[str, str], str] = {}  # (method, channel) -> Slack error code
        self.rate_limited: dict[str, int] = {}  # method -> how many more calls get 429 (Retry-After: 0)
        self.user_groups: dict[str, list[str]] = {}  # user group id -> member ids (usergroups.users.list)
        self.tokens: dict[str, str] = {}  # bot token -> team id, for auth.test; unknown tokens are TEAM_ID's
        self.oauth_codes: dict[str, dict[str, Any]] = {}  # code -> oauth.v2.access response (see add_install_code)
        self.socket_url: str | None = None  # what apps.connections.open hands out (a fake Socket Mode server)
        # Files uploaded the v2 way: files.getUploadURLExternal, POST to /upload/<file id>, files.completeUploadExternal.
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> filename, length, data, channel_id, initial_comment
        # Messages as Slack stores them, per channel, oldest first (top-level messages and thread replies).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.faults: FaultPlan | None = None
        self.fault_counts: Counter[str] = Counter()  # injected fault kind -> how many calls it answered
        self._ts = itertools.count(1)
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_route("POST", "/response/{token}", self._response_url)
        app.router.add_route("POST", "/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc) -> None:
        self._closing.set()  # releases held answers
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/response/{uuid.uuid4().hex}"

    # ---- state -------------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, is_admin: bool = False, is_owner: bool = False) -> FakeUser:
        self.users[user_id] = FakeUser(user_id, name, is_admin, is_owner)
        return self.users[user_id]

    def add_install_code(self, code: str, team_id: str, bot_token: str, *, team_name: str = "Team",
                         bot_user_id: str = BOT_USER_ID) -> None:
        """What oauth.v2.access answers for `code`: a bot token for `team_id` (auth.test knows it too)."""
        self.tokens[bot_token] = team_id
        self.oauth_codes[code] = {
            "ok": True, "app_id": "AQOTD", "authed_user": {"id": "UINSTALLER"}, "scope": "commands,chat:write",
            "token_type": "bot", "access_token": bot_token, "bot_user_id": bot_user_id,
            "team": {"id": team_id, "name": team_name}, "enterprise": None, "is_enterprise_install": False,
        }

    def delete_channel(self, channel_id: str) -> None:
        self.channels.discard(channel_id)

    def fail(self, method: str, channel_id: str, error: str) -> None:
        self.errors[(method, channel_id)] = error

    def rate_limit(self, method: str, times: int = 1) -> None:
        self.rate_limited[method] = times

    def inject_faults(self, rate: float = 0.2, kinds: tuple[str, ...] = ("500", "429", "timeout_after_accept"), *,
                      seed: int = 0, methods: tuple[str, ...] | None = None, hold: float = 1.0,
                      retry_after: int = 0) -> FaultPlan:
        """From now on a seeded `rate` of Web API calls (of `methods`, default all) fail with one of `kinds`.

        - "500": answered 500 `internal_error`; the call had no effect.
        - "429": answered 429 `ratelimited` with `Retry-After: retry_after`; the call had no effect.
        - "timeout_after_accept": the call takes effect (a message is stored and shows up in
          `conversations.history`), then its answer is held for `hold` seconds, longer than the
          client's timeout should be, so the client never learns the result.
        - "disconnect_after_accept": the call takes effect, then the connection is closed unanswered.
        `fault_counts` counts what was injected; `stop_faults()` ends it.
        """
        self.faults = FaultPlan(rate, checked_kinds(kinds), random.Random(seed), frozenset(methods) if methods else None,
                                hold, retry_after)
        return self.faults

    def stop_faults(self) -> None:
        self.faults = None

    def post_as(self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None) -> dict[str, Any]:
        """A message someone else posted (it shows up in the channel's history)."""
        return self._store(channel_id, {"type": "message", "user": user_id, "text": text}, thread_ts)

    def channel_messages(self, channel_id: str, *, top_level: bool = True) -> list[dict[str, Any]]:
        """What is in the channel, oldest first: its top-level messages (or everything, replies included)."""
        found = self.messages.get(channel_id, [])
        return [m for m in found if not top_level or m.get("thread_ts") in (None, m["ts"])]

    def thread_messages(self, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies in a thread, oldest first (without the parent)."""
        return [m for m in self.messages.get(channel_id, []) if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]

    # ---- recorded calls ----------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def last(self, method: str) -> Call:
        found = self.calls_to(method)
        assert found, f"no {method} call; calls: {[c.method for c in self.calls]}"
        return found[-1]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait (event-driven) until `method` was called at least `count` times."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.calls_to(method)) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"{method} called {len(self.calls_to(method))} times, wanted {count}: {[c.method for c in self.calls]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return self.calls_to(method)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    # ---- handlers ----------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        body = await request.text()
        if body:
            if request.content_type == "application/json":
                params.update(json.loads(body))
            else:
                params.update(dict(parse_qsl(body, keep_blank_values=True)))
        return {k: _decode(v) for k, v in params.items()}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        fault = self.faults.pick(method) if self.faults is not None else None
        if fault is not None:
            return await self._faulty(request, method, params, fault)
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            limited = {"ok": False, "error": "ratelimited"}
            self._record(Call(method, request.path, dict(request.headers), params, limited))
            return web.json_response(limited, status=429, headers={"Retry-After": "0"})
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or str(params.get("token") or "")
        response = self._answer(method, params, token)
        self._record(Call(method, request.path, dict(request.headers), params, response))
        return web.json_response(response)

    async def _faulty(self, request: web.Request, method: str, params: dict[str, Any], fault: str) -> web.StreamResponse:
        assert self.faults is not None
        self.fault_counts[fault] += 1
        headers = dict(request.headers)
        if fault == "500":
            failed = {"ok": False, "error": "internal_error"}
            self._record(Call(method, request.path, headers, params, failed, fault=fault))
            return web.json_response(failed, status=500)
        if fault == "429":
            limited = {"ok": False, "error": "ratelimited"}
            self._record(Call(method, request.path, headers, params, limited, fault=fault))
            return web.json_response(limited, status=429, headers={"Retry-After": str(self.faults.retry_after)})
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or str(params.get("token") or "")
        response = self._answer(method, params, token)  # it takes effect ...
        self._record(Call(method, request.path, headers, params, response, fault=fault))
        if fault == "disconnect_after_accept":  # ... and the connection drops unanswered
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        try:  # ... and the answer comes too late
            await asyncio.wait_for(self._closing.wait(), self.faults.hold)
        except TimeoutError:
            pass
        return web.json_response(response)

    def shared_files(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Uploaded files that were completed into a channel (or any), in upload order."""
        return [f for f in self.uploads.values() if f.get("channel_id") and (channel_id is None or f["channel_id"] == channel_id)]

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        self._record(Call("upload", request.path, dict(request.headers), {"file_id": file_id, "size": len(data)}, {"ok": True}))
        if file_id not in self.uploads:
            return web.Response(status=404, text="unknown upload")
        if len(data) != self.uploads[file_id]["length"]:
            return web.Response(status=400, text=f"expected {self.uploads[file_id]['length']} bytes, got {len(data)}")
        self.uploads[file_id]["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        params = await self._params(request)
        self._record(Call("response_url", request.path, dict(request.headers), params, {"ok": True}))
        return web.Response(text="ok")

    def _answer(self, method: str, params: dict[str, Any], token: str = "") -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if (method, channel) in self.errors:
            return {"ok": False, "error": self.errors[(method, channel)]}
        if method == "auth.test":
            return {"ok": True, "url": "https://qotd.example/", "team": "Team", "user": "qotd",
                    "team_id": self.tokens.get(token, TEAM_ID), "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                    "is_enterprise_install": False}
        if method == "oauth.v2.access":
            return self.oauth_codes.pop(str(params.get("code")), {"ok": False, "error": "invalid_code"})
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "invalid_auth"}
        if method in ("views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {**(params.get("view") or {}), "id": f"V{next(self._ts):06d}"}}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.user_groups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.user_groups[group])}
        if method == "conversations.open":
            users = str(params.get("users") or "")
            if not users or "," in users:
                return {"ok": False, "error": "users_list_not_supplied" if not users else "not_supported"}
            if users not in self.users:
                return {"ok": False, "error": "user_not_found"}
            dm = f"D{users}"
            self.channels.add(dm)
            return {"ok": True, "channel": {"id": dm, "is_im": True, "user": users}}
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not str(params.get("length") or "").isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ts):08d}"
            self.uploads[file_id] = {"filename": params["filename"], "length": int(params["length"]), "data": None}
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") if isinstance(params.get("files"), list) else []
            target = str(params.get("channel_id") or "")
            if target and target not in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            done = []
            for item in files:
                upload = self.uploads.get(str(item.get("id")))
                if upload is None or upload["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
                upload.update(channel_id=target or None, title=item.get("title"), initial_comment=params.get("initial_comment"))
                done.append({"id": item["id"], "name": upload["filename"], "title": item.get("title")})
            return {"ok": True, "files": done}
        if method == "chat.delete":
            self.messages[channel] = [m for m in self.messages.get(channel, []) if m["ts"] != params.get("ts")]
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.history",
                      "conversations.replies") and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.postMessage":
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": "AQOTD",
                       "text": params.get("text"), "blocks": params.get("blocks") or []}
            if isinstance(params.get("metadata"), dict):
                message["metadata"] = params["metadata"]
            thread = str(params["thread_ts"]) if params.get("thread_ts") else None
            stored = self._store(channel, message, thread)
            return {"ok": True, "channel": channel, "ts": stored["ts"], "message": self._public(stored, True)}
        if method == "chat.update":
            for message in self.messages.get(channel, []):
                if message["ts"] == params.get("ts"):
                    message.update({k: params[k] for k in ("text", "blocks") if k in params})
                    if isinstance(params.get("metadata"), dict):
                        message["metadata"] = params["metadata"]
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text")}
        if method == "conversations.history":
            return self._history(channel, params)
        if method == "conversations.replies":
            return self._replies(channel, params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + next(self._ts)}.000200"}
        if method == "views.open":
            return {"ok": True, "view": {**(params.get("view") or {}), "id": f"V{next(self._ts):06d}"}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user.id, "team_id": TEAM_ID, "name": user.name, "is_admin": user.is_admin,
                                         "is_owner": user.is_owner, "profile": {"display_name": user.name, "real_name": user.name}}}
        return {"ok": False, "error": "unknown_method"}

    # ---- stored messages -----------------------------------------------------------------------
    def _store(self, channel: str, message: dict[str, Any], thread_ts: str | None) -> dict[str, Any]:
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        stored = {**message, "ts": ts}
        if thread_ts:
            stored["thread_ts"] = thread_ts
            for parent in self.messages.get(channel, []):
                if parent["ts"] == thread_ts:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
        self.messages.setdefault(channel, []).append(stored)
        return stored

    @staticmethod
    def _public(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
        """A message as the Web API shows it: metadata only when asked for (`include_all_metadata`)."""
        return {k: v for k, v in message.items() if with_metadata or k != "metadata"}

    @staticmethod
    def _page(found: list[dict[str, Any]], params: dict[str, Any], default_limit: int) -> tuple[list[dict[str, Any]], str]:
        """Slack's cursor paging: `limit` items from `cursor`; the next cursor, or "" at the end."""
        limit = max(1, min(int(params.get("limit") or default_limit), 999))
        start = int(str(params.get("cursor") or "0") or 0)
        page = found[start : start + limit]
        return page, (str(start + limit) if start + limit < len(found) else "")

    @staticmethod
    def _within(message: dict[str, Any], params: dict[str, Any]) -> bool:
        ts = float(message["ts"])
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
        oldest, latest = params.get("oldest"), params.get("latest")
        if oldest not in (None, "") and (ts < float(oldest) or (ts == float(oldest) and not inclusive)):
            return False
        return latest in (None, "") or ts < float(latest) or (ts == float(latest) and inclusive)

    def _history(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: top-level messages, newest first."""
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [m for m in reversed(self.channel_messages(channel)) if self._within(m, params)]
        page, cursor = self._page(found, params, 100)
        return {"ok": True, "messages": [self._public(m, with_metadata) for m in page], "has_more": bool(cursor),
                "response_metadata": {"next_cursor": cursor}}

    def _replies(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the parent, then its replies, oldest first."""
        thread = str(params.get("ts") or "")
        parent = [m for m in self.messages.get(channel, []) if m["ts"] == thread]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [m for m in parent + self.thread_messages(channel, thread) if self._within(m, params)]
        page, cursor = self._page(found, params, 1000)
        return {"ok": True, "messages": [self._public(m, with_metadata) for m in page], "has_more": bool(cursor),
                "response_metadata": {"next_cursor": cursor}}


# ---- payloads as Slack sends them (shared by SlackSender over HTTP and FakeSocketMode) --------------


def slash_command_form(fake: FakeSlack, user_id: str, text: str, channel_id: str = "CQOTD", *,
                       trigger_id: str = "trigger-1", command: str = "/qotd") -> dict[str, str]:
    """A slash command as Slack sends it: form fields over HTTP, the same fields as a dict in Socket Mode."""
    return {"token": "legacy", "team_id": TEAM_ID, "team_domain": "team", "channel_id": channel_id, "channel_name": "qotd",
            "user_id": user_id, "user_name": fake.users[user_id].name if user_id in fake.users else user_id,
            "command": command, "text": text, "api_app_id": "AQOTD", "response_url": fake.response_url(),
            "trigger_id": trigger_id}


def block_actions_payload(fake: FakeSlack, user_id: str, action_id: str, value: str, *, channel_id: str = "CQOTD",
                          message_ts: str = "1.0", trigger_id: str = "trigger-1") -> dict[str, Any]:
    """A button click (`block_actions`) on a message in `channel_id`."""
    return {"type": "block_actions", "team": {"id": TEAM_ID, "domain": "team"},
            "user": {"id": user_id, "username": user_id, "team_id": TEAM_ID}, "api_app_id": "AQOTD",
            "token": "legacy", "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
            "trigger_id": trigger_id, "channel": {"id": channel_id, "name": "qotd"},
            "message": {"ts": message_ts, "type": "message"}, "response_url": fake.response_url(),
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                         "action_ts": str(time.time())}]}


def view_submission_payload(user_id: str, view: dict, values: dict[str, dict[str, str]], *, view_id: str,
                            trigger_id: str = "trigger-1") -> dict[str, Any]:
    """A modal submitted with plain-text inputs: `values` is {block_id: {action_id: text}}."""
    state = {block: {action: {"type": "plain_text_input", "value": value} for action, value in actions.items()}
             for block, actions in values.items()}
    return {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "team"},
            "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": TEAM_ID},
            "api_app_id": "AQOTD", "token": "legacy", "trigger_id": trigger_id,
            "view": {**view, "id": view_id, "team_id": TEAM_ID, "state": {"values": state}, "hash": "h"}}


def event_callback(event: dict, *, event_id: str) -> dict[str, Any]:
    """The Events API wrapper around one event."""
    return {"token": "legacy", "team_id": TEAM_ID, "api_app_id": "AQOTD", "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}


class SlackSender:
    """Sends requests to the app the way Slack does: signed with the signing secret."""

    def __init__(self, fake: FakeSlack, url: str, signing_secret: str) -> None:
        self.fake = fake
        self.url = url
        self.secret = signing_secret
        self._n = itertools.count(1)

    async def send(self, body: str, content_type: str, *, secret: str | None = None, timestamp: int | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret or self.secret).generate_signature(timestamp=ts, body=body)
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
                       **(headers or {})}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, data=body.encode(), headers=all_headers) as response:
                return response.status, await response.text()

    async def slash(self, user_id: str, text: str, channel_id: str = "CQOTD", **kwargs) -> tuple[int, str]:
        form = slash_command_form(self.fake, user_id, text, channel_id, trigger_id=f"trigger-{next(self._n)}")
        return await self.send(urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    async def _interactive(self, payload: dict, **kwargs) -> tuple[int, str]:
        return await self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **kwargs)

    async def click(self, user_id: str, action_id: str, value: str, *, channel_id: str = "CQOTD", message_ts: str = "1.0",
                    **kwargs) -> tuple[int, str]:
        payload = block_actions_payload(self.fake, user_id, action_id, value, channel_id=channel_id,
                                        message_ts=message_ts, trigger_id=f"trigger-{next(self._n)}")
        return await self._interactive(payload, **kwargs)

    async def submit_view(self, user_id: str, view: dict, values: dict[str, dict[str, str]], *, view_id: str,
                          **kwargs) -> tuple[int, str]:
        payload = view_submission_payload(user_id, view, values, view_id=view_id, trigger_id=f"trigger-{next(self._n)}")
        return await self._interactive(payload, **kwargs)

    async def event(self, event: dict, *, event_id: str | None = None, retry_num: int | None = None,
                    **kwargs) -> tuple[int, str]:
        body = event_callback(event, event_id=event_id or f"Ev{next(self._n):08d}")
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else None
        return await self.send(json.dumps(body), "application/json", headers=headers, **kwargs)
