"""A fake Slack Socket Mode server for driving slack-bolt's `AsyncSocketModeHandler` offline.

`FakeSocketMode` is an aiohttp websocket endpoint on 127.0.0.1. Entered with a `FakeSlack`, it sets
`fake.socket_url`, so `apps.connections.open` hands out its `ws://` URL. Each websocket that
connects is greeted with `hello`; the test then pushes envelopes (`slash_commands`, `interactive`,
`events_api`, each with an `envelope_id`) and awaits the ack the app sends back for each one
(`{"envelope_id": ..., "payload": ...}`). Pings are answered with pongs (and recorded), the server
can ping the client, ask it to reconnect (`disconnect`), and sees the client's close.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.fake_slack import (
    FakeSlack,
    block_actions_payload,
    event_callback,
    slash_command_form,
    view_submission_payload,
)

APP_ID = "AQOTD"


@dataclass
class SocketConnection:
    """One websocket the app opened."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    pings: list[bytes] = field(default_factory=list)  # payloads of the pings the client sent
    received: list[dict] = field(default_factory=list)  # every text frame the client sent, decoded
    closed_by_client: asyncio.Event = field(default_factory=asyncio.Event)  # the app closed (or dropped) it
    close_code: int | None = None  # 1000 for a clean close
    closed_by_server: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)  # the handler has finished with this websocket
    pongs: asyncio.Queue = field(default_factory=asyncio.Queue)

    @property
    def open(self) -> bool:
        return not self.ws.closed and not self.done.is_set()


class FakeSocketMode:
    def __init__(self, slack: FakeSlack | None = None) -> None:
        self.slack = slack
        self.connections: list[SocketConnection] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.envelopes: dict[str, dict[str, Any]] = {}  # envelope_id -> what was sent
        self._changed = asyncio.Event()
        self._n = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> "FakeSocketMode":
        app = web.Application()
        app.router.add_get("/link/", self._websocket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.slack is not None:
            self.slack.socket_url = self.url
        return self

    async def __aexit__(self, *exc) -> None:
        if self.slack is not None:
            self.slack.socket_url = None
        for connection in self.connections:
            if not connection.ws.closed:
                connection.closed_by_server = True
                await connection.ws.close(code=1001, message=b"going away")
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        """Shaped like Slack's (wss://wss-primary.slack.com/link/?ticket=...&app_id=...); a new ticket each time."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"

    @property
    def current(self) -> SocketConnection:
        live = [c for c in self.connections if c.open]
        assert live, "the app has no open Socket Mode connection"
        return live[-1]

    # ---- waiting -----------------------------------------------------------------------------
    async def _until(self, ready, what: str, timeout: float):
        deadline = asyncio.get_running_loop().time() + timeout
        while not (result := ready()):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return result

    def _notify(self) -> None:
        self._changed.set()

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> SocketConnection:
        """Wait until `count` websockets have connected in all; returns the latest open one."""
        await self._until(lambda: len(self.connections) >= count and any(c.open for c in self.connections),
                          f"{count} Socket Mode connection(s)", timeout)
        return self.current

    async def ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The app's ack for one envelope: {"envelope_id": ..., and "payload": ... if it answered with one}."""
        return await self._until(lambda: self.acks.get(envelope_id), f"the ack of envelope {envelope_id}", timeout)

    # ---- pushing envelopes -------------------------------------------------------------------
    async def send(self, kind: str, payload: dict[str, Any], *, envelope_id: str | None = None,
                   accepts_response_payload: bool = False, connection: SocketConnection | None = None,
                   **extra: Any) -> str:
        """Push one envelope to the app (on the latest open connection); returns its envelope_id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, **extra}
        self.envelopes[envelope_id] = envelope
        self.acks.pop(envelope_id, None)  # a redelivery waits for its own ack
        await (connection or self.current).ws.send_str(json.dumps(envelope))
        return envelope_id

    def _slack(self) -> FakeSlack:
        assert self.slack is not None, "FakeSocketMode needs the FakeSlack to build payloads"
        return self.slack

    def _trigger(self) -> str:
        return f"trigger-socket-{next(self._n)}"

    async def slash(self, user_id: str, text: str, channel_id: str = "CQOTD", **kwargs: Any) -> str:
        form = slash_command_form(self._slack(), user_id, text, channel_id, trigger_id=self._trigger())
        return await self.send("slash_commands", form, accepts_response_payload=True, **kwargs)

    async def click(self, user_id: str, action_id: str, value: str, *, channel_id: str = "CQOTD",
                    message_ts: str = "1.0", **kwargs: Any) -> str:
        payload = block_actions_payload(self._slack(), user_id, action_id, value, channel_id=channel_id,
                                        message_ts=message_ts, trigger_id=self._trigger())
        return await self.send("interactive", payload, **kwargs)

    async def submit_view(self, user_id: str, view: dict, values: dict[str, dict[str, str]], *, view_id: str,
                          **kwargs: Any) -> str:
        payload = view_submission_payload(user_id, view, values, view_id=view_id, trigger_id=self._trigger())
        return await self.send("interactive", payload, accepts_response_payload=True, **kwargs)

    async def event(self, event: dict, *, event_id: str | None = None, retry_attempt: int = 0,
                    retry_reason: str = "", envelope_id: str | None = None, **kwargs: Any) -> str:
        """An Events API delivery; Slack redelivers with the same body and `retry_attempt` 1, 2, 3."""
        body = event_callback(event, event_id=event_id or f"EvS{next(self._n):08d}")
        return await self.send("events_api", body, envelope_id=envelope_id, retry_attempt=retry_attempt,
                               retry_reason=retry_reason, **kwargs)

    # ---- connection control ------------------------------------------------------------------
    async def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it recycles a connection (every few hours, or on deploys)."""
        await self.current.ws.send_str(json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}))

    async def ping(self, connection: SocketConnection | None = None, timeout: float = 5.0) -> bytes:
        """Ping the app from the server side; returns the pong's payload."""
        connection = connection or self.current
        data = f"server-ping:{next(self._n)}".encode()
        await connection.ws.ping(data)
        while True:
            pong = await asyncio.wait_for(connection.pongs.get(), timeout)
            if pong == data:
                return pong

    # ---- the websocket -----------------------------------------------------------------------
    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)  # pings and pongs are handled (and recorded) below
        await ws.prepare(request)
        connection = SocketConnection(ws, dict(request.query))
        self.connections.append(connection)
        try:
            await ws.send_str(json.dumps({
                "type": "hello", "num_connections": sum(1 for c in self.connections if c.open),
                "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": request.query.get("app_id", APP_ID)},
            }))
            self._notify()
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    connection.received.append(data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                elif message.type == WSMsgType.PING:
                    connection.pings.append(message.data)
                    await ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    connection.pongs.put_nowait(message.data)
                self._notify()
        finally:
            connection.close_code = ws.close_code
            if not connection.closed_by_server:
                connection.closed_by_client.set()
            connection.done.set()
            self._notify()
        return ws
