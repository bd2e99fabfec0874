"""The operators' endpoint: `GET /healthz`, `/livez` and `/metrics` on QOTD_OPS_HOST:QOTD_OPS_PORT.

/healthz answers 200 when the database answers a query within two seconds and every adapter is
connected, 503 otherwise, with a small JSON body saying which part is unwell (load balancers and
Kubernetes readiness probes read the code, people read the body). /livez only says the process
answers (a liveness probe must not restart the bot because the database blinked). /metrics is
Prometheus' text format.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiohttp import web
from sqlalchemy import text

from adapters.running import RunningAdapter
from bot import metrics
from bot.bootstrap import Qotd

log = logging.getLogger(__name__)
DB_TIMEOUT = 2.0


async def database_ok(app: Qotd) -> bool:
    async def ping() -> None:
        async with app.ctx.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), DB_TIMEOUT)
    except Exception as exc:  # unreachable, timed out, refused: all mean "not healthy"
        log.warning("health check: the database did not answer: %s", exc.__class__.__name__)
        return False
    return True


def ops_app(app: Qotd, adapters: Sequence[RunningAdapter]) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        database = await database_ok(app)
        connected = {adapter.name: adapter.connected() for adapter in adapters}
        healthy = database and all(connected.values())
        body = {
            "status": "ok" if healthy else "unhealthy",
            "database": "ok" if database else "unreachable",
            "adapters": {name: "connected" if ok else "disconnected" for name, ok in connected.items()},
        }
        return web.json_response(body, status=200 if healthy else 503)

    async def livez(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def metrics_page(_: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    application = web.Application()
    application.router.add_get("/healthz", healthz)
    application.router.add_get("/livez", livez)
    application.router.add_get("/metrics", metrics_page)
    return application


async def serve_ops(app: Qotd, adapters: Sequence[RunningAdapter], host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(ops_app(app, adapters), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on http://%s:%s/healthz and /metrics", host, port)
    return runner
