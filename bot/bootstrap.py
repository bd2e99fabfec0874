"""The composition root: the one place that wires settings, database, clock, bank and adapters.

Every entry point (CLI, console, platform adapters) and every test builds the
bot through `bootstrap()` and talks to the returned `Qotd` facade.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.command_handlers import handle_command
from bot import metrics
from bot.commands import Command, command_name, parse_command
from bot.config import Settings
from bot.context import Context
from bot.db.engine import create_engine, describe_failure, describe_url, is_unavailable, upgrade
from bot.due_work import TickReport, due_snapshot, next_due_at, run_due_work
from bot.errors import DatabaseUnavailable, QotdError
from bot.log_setup import log_context, new_request_id
from bot.ports import ChannelRef, ChatPort, Member, Reply
from bot.question_bank import Question, QuestionBank, load_bank
from bot.services.answering import AnswerSubmitted, submit_answer
from bot.services.withdrawing import AnswerWithdrawn, withdraw_answer

if TYPE_CHECKING:
    from bot.schedule import Schedule
    from bot.services.member_overview import MemberOverview

log = logging.getLogger(__name__)

# What a member reads when the database is down (error_reply adds "Sorry, " and the full stop).
ANSWER_NOT_SAVED = (
    "your answer could not be saved: the database is unavailable right now. Please send it again in a minute"
)
COMMAND_NOT_DONE = "the database is unavailable right now, so this could not be done. Please try again in a minute"
WITHDRAW_NOT_DONE = (
    "the database is unavailable right now: if the reply you deleted was your answer, it was not withdrawn and still counts"
)


@dataclass
class Qotd:
    ctx: Context

    async def handle_text(self, channel: ChannelRef, member: Member, text: str) -> Reply:
        """Parse and run a `/qotd ...` line. Problems come back as a friendly private reply."""
        try:
            command = parse_command(text)
        except QotdError as exc:
            return error_reply(exc)
        return await self.handle(channel, member, command)

    async def handle(self, channel: ChannelRef, member: Member, command: Command) -> Reply:
        started = time.perf_counter()
        with log_context(request_id=new_request_id(), platform=channel.platform):
            try:
                return await handle_command(self.ctx, channel, member, command)
            except QotdError as exc:
                return error_reply(exc)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                return error_reply(_unavailable(exc, f"running /qotd {command_name(command)}", COMMAND_NOT_DONE))
            finally:
                metrics.COMMANDS.labels(channel.platform, command_name(command)).observe(time.perf_counter() - started)

    async def answer(self, event: AnswerSubmitted) -> Reply:
        with log_context(request_id=new_request_id(), platform=event.channel.platform):
            try:
                reply = await submit_answer(self.ctx, event)
            except QotdError as exc:
                reply = error_reply(exc)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                reply = error_reply(_unavailable(exc, "saving an answer; the member was told it was not saved", ANSWER_NOT_SAVED))
        metrics.ANSWERS.labels(event.channel.platform, str(reply.data.get("outcome", "ok"))).inc()
        return reply

    async def withdraw(self, event: AnswerWithdrawn) -> Reply:
        """A member deleted the reply holding their answer (see bot/services/withdrawing.py)."""
        try:
            return await withdraw_answer(self.ctx, event)
        except QotdError as exc:
            return error_reply(exc)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            return error_reply(_unavailable(exc, "withdrawing an answer", WITHDRAW_NOT_DONE))

    async def tick(self) -> TickReport:
        """Do what is due. With the database down this raises DatabaseUnavailable; the scheduler retries."""
        with _outage_raises(None):
            snapshot = await due_snapshot(self.ctx)  # one statement; the tick queries only what it shows due
            due, now = snapshot.earliest(), self.ctx.clock.now()
            metrics.SCHEDULER_LAG.set(max(0.0, (now - due).total_seconds()) if due is not None else 0.0)
            report = await run_due_work(self.ctx, snapshot)
        metrics.TICKS.inc()
        metrics.POSTS.inc(report.posted)
        metrics.REVEALS.inc(report.revealed)
        metrics.DUE_WORK_FAILURES.inc(report.failed)
        return report

    async def next_due_at(self) -> datetime | None:
        with _outage_raises(None):
            return await next_due_at(self.ctx)

    async def member_overview(self, platform: str, workspace_id: str, member_id: str) -> MemberOverview:
        """A member's streaks, points, answer counts and recent answers across the workspace's channels."""
        from bot.services.member_overview import member_overview

        with _outage_raises("loading a member overview"):
            return await member_overview(self.ctx, platform, workspace_id, member_id)

    async def schedule(self, channel: ChannelRef) -> Schedule | None:
        """The channel's schedule as it stands (for forms that show the current settings), or None."""
        from bot.services.schedule_admin import load_schedule

        with _outage_raises("loading a schedule"):
            return await load_schedule(self.ctx, channel)

    async def channel_unavailable(self, channel: ChannelRef, reason: str) -> None:
        """An adapter learned the channel is gone or closed to the bot: stop its schedule, say why in status."""
        from bot.services.schedule_admin import disable

        with _outage_raises("disabling an unavailable channel's schedule"):
            await disable(self.ctx, channel, reason)

    async def workspace_removed(self, platform: str, workspace_id: str, reason: str) -> int:
        """The bot was removed from a whole workspace: stop all its schedules, say why in status."""
        from bot.services.schedule_admin import disable_workspace

        with _outage_raises("disabling a removed workspace's schedules"):
            return await disable_workspace(self.ctx, platform, workspace_id, reason)

    async def workspace_restored(self, platform: str, workspace_id: str, reasons: tuple[str, ...]) -> int:
        """The bot is back in a workspace (reinstalled): restart the schedules stopped for one of `reasons`."""
        from bot.services.schedule_admin import enable_workspace

        with _outage_raises("restarting a reinstalled workspace's schedules"):
            return await enable_workspace(self.ctx, platform, workspace_id, reasons)

    @property
    def bank(self) -> QuestionBank:
        """The built-in question bank (for adapters' autocomplete and form checks)."""
        return self.ctx.bank

    async def question(self, channel: ChannelRef, question_id: str) -> Question | None:
        """One question as the channel's workspace sees it: built in, or one of its approved suggestions."""
        from bot.question_source import find_question

        with _outage_raises("loading a question"):
            return await find_question(self.ctx, channel, question_id)

    async def suggestion(self, channel: ChannelRef, suggestion_id: int) -> dict | None:
        """One suggestion of the channel's workspace as plain data (for an edit form), or None."""
        from bot.services.suggestions import load_card

        with _outage_raises("loading a suggestion"):
            return await load_card(self.ctx, channel, suggestion_id)

    def connect(self, platform: str, port: ChatPort) -> None:
        self.ctx.ports[platform] = port

    async def close(self) -> None:
        await self.ctx.engine.dispose()


ERROR_CODES = {
    "InvalidInput": "invalid",
    "NotAllowed": "not_allowed",
    "NotFound": "not_found",
    "DatabaseUnavailable": "unavailable",
}


def error_reply(exc: QotdError) -> Reply:
    """A friendly private reply; `data["outcome"]` names the kind of problem for adapters."""
    message = exc.message if exc.message.endswith((".", "!", "?")) else f"{exc.message}."
    return Reply(
        f"Sorry, {message}", private=True, ok=False, data={"outcome": ERROR_CODES.get(type(exc).__name__, "error")}
    )


def _unavailable(exc: Exception, doing: str, message: str) -> DatabaseUnavailable:
    """A database outage (`is_unavailable(exc)`), logged once without SQL or secrets, as the member's error."""
    cause = describe_failure(exc)
    log.warning("the database is unavailable (%s) while %s", cause, doing)
    return DatabaseUnavailable(message, cause=cause)


@contextmanager
def _outage_raises(doing: str | None) -> Iterator[None]:
    """Raise a database outage as DatabaseUnavailable, so callers can tell members "try again shortly".

    With `doing`, the outage is logged here; without, the caller logs it (the scheduler logs
    every failed tick itself), and the message names the cause.
    """
    try:
        yield
    except QotdError:
        raise
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        cause = describe_failure(exc)
        if doing is None:
            raise DatabaseUnavailable(f"the database is unavailable ({cause})", cause=cause) from exc
        log.warning("the database is unavailable (%s) while %s", cause, doing)
        raise DatabaseUnavailable(cause=cause) from exc


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ports: dict[str, ChatPort] | None = None,
    rng: random.Random | None = None,
    bank: QuestionBank | None = None,
    migrate: bool = True,
) -> Qotd:
    """Build the bot. Loads (and validates) the bank, opens the database and upgrades its schema."""
    question_bank = bank if bank is not None else load_bank(settings.content_dir)
    engine = create_engine(settings.database_url)
    if migrate:
        try:
            await upgrade(engine)
        except Exception:
            await engine.dispose()
            raise
    log.info("database %s ready; %d questions in the bank", describe_url(settings.database_url), len(question_bank))
    ctx = Context(
        engine=engine,
        clock=clock or SystemClock(),
        bank=question_bank,
        settings=settings,
        ports=dict(ports or {}),
        rng=rng or random.Random(),
    )
    return Qotd(ctx)
