"""HTTP mode: Slack's request URL (events, commands, interactivity) served by aiohttp.

Bolt checks every request's signature and timestamp (401 otherwise). With OAuth configured,
the same server also answers `/slack/install` and `/slack/oauth_redirect`.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from adapters.slack.settings import SlackSettings

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def web_app(bolt: AsyncApp, path: str = EVENTS_PATH) -> web.Application:
    """The aiohttp application to serve: Slack's request URL, the install pages, and a health check."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    application = web.Application()
    application.router.add_post(path, events)
    flow = bolt.oauth_flow
    if flow is not None:
        # Browser pages, not signed by Slack: they go to the OAuth flow itself, not through dispatch.
        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

        async def oauth_redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

        application.router.add_get(flow.install_path, install)
        application.router.add_get(flow.redirect_uri_path, oauth_redirect)
    application.router.add_get("/healthz", health)
    return application


async def serve_http(bolt: AsyncApp, settings: SlackSettings) -> web.AppRunner:
    """Start listening (in the caller's event loop, next to the scheduler); `await runner.cleanup()` stops."""
    runner = web.AppRunner(web_app(bolt))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("Slack HTTP endpoint listening on %s:%s%s", settings.host, settings.port, EVENTS_PATH)
    return runner
