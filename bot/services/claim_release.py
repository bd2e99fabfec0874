"""Letting go of this instance's unfinished claims when it stops, so others take them over at once.

A post, reveal or champion announcement is claimed with a token that starts with the claiming
instance's id (`Context.new_token`). An instance that stops with a claim still in hand (its work
was abandoned at the shutdown deadline, or failed and was waiting to be retried) would leave it to
go stale after the claim timeout. Instead it marks the claim stale right away: `claimed_at` moves
back past the claim timeout, and the next tick of any instance retakes it with the usual
compare-and-swap on the token. The token itself stays, so exactly one taker wins, and a taker
treats the claim as a retry (it looks on the platform for an earlier attempt before posting).

Run this only once the instance's own due work has stopped: a claim whose work is still running
must not be handed to someone else.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import update

from bot.context import Context
from bot.db.tables import champion_announcements, posts

log = logging.getLogger(__name__)

# How far past the claim timeout a released claim is set: enough for every instance to see it as stale
# on its next tick, little enough that the scheduler-lag metric (which counts from it) stays honest.
MARGIN = timedelta(seconds=1)


async def release_unfinished_claims(ctx: Context) -> int:
    """Mark every claim this instance still holds as stale; returns how many were let go."""
    prefix = f"{ctx.instance_id}-%"
    stale_since = ctx.clock.now() - ctx.settings.claim_timeout - MARGIN
    released = 0
    async with ctx.engine.begin() as conn:
        for table, statuses in ((posts, ("claimed", "revealing")), (champion_announcements, ("claimed",))):
            result = await conn.execute(
                update(table)
                .where(
                    table.c.status.in_(statuses),
                    table.c.claim_token.like(prefix),
                    table.c.claimed_at > stale_since,
                )
                .values(claimed_at=stale_since)
            )
            released += result.rowcount
    if released:
        log.warning("let go of %d unfinished claim(s) on the way out; other instances take them over now", released)
    return released
