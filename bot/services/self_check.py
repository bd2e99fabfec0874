"""Self-checks: after the reveal a member ticks which key points their answer covered.

Two things can be checked:

* a daily question: only by members who answered it, only once it is revealed. Each ticked key
  point on an on-time answer is worth KEY_POINT_BONUS points. The bonus is kept on the check row
  and added to the answer's own `points` (and the member's stored total), so ticking again only
  moves the difference and the history recompute (`member_history`) sums the same numbers.
  Late answers can be checked too, but earn nothing, like the answers themselves.
* a practice question (`/qotd quiz`): only by the member who asked for it, after Show answer.
  Practice earns no points; the check is for the member's own record.

Until a member ticks, a daily answer carries an automatic guess (bot/key_point_guess.py) worked
out from the answer text as it stood at the reveal; the guess is offered as the starting
selection and counts towards the team's coverage until the member's own tick replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.commands import Check
from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.statements import insert_ignoring_conflict, upsert
from bot.db.tables import answer_edits, answers, key_point_checks, member_stats, posts, quiz_attempts
from bot.errors import InvalidInput, NotFound
from bot.key_point_guess import guess_covered
from bot.ports import ChannelRef, Member, Reply
from bot.question_source import find_question
from bot.scoring import KEY_POINT_BONUS


def encode(points: Sequence[int]) -> str:
    return ",".join(str(p) for p in sorted(set(points)))


def decode(text: str | None, limit: int | None = None) -> tuple[int, ...]:
    if not text:
        return ()
    numbers = sorted({int(part) for part in text.split(",") if part.strip().isdigit()})
    return tuple(n for n in numbers if n >= 1 and (limit is None or n <= limit))


def _points(n: int) -> str:
    return "point" if abs(n) == 1 else "points"


def listing(points: Sequence[int]) -> str:
    """1 -> "1"; 1, 3 -> "1 and 3"; 1, 2, 4 -> "1, 2 and 4"."""
    names = [str(p) for p in points]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class Coverage:
    """How many of the members who answered covered each key point (own ticks, else the guess)."""

    answered: int
    ticked: int
    per_point: tuple[int, ...]

    def lines(self, key_points: Sequence[str]) -> list[str]:
        if not self.answered:
            return ["Team coverage: nobody answered this one."]
        guessed = self.answered - self.ticked
        how = f"{self.ticked} ticked their own" + (f", {guessed} guessed from their answers" if guessed else "")
        lines = [f"Team coverage — {self.answered} answered ({how}):"]
        for number, (point, count) in enumerate(zip(key_points, self.per_point), start=1):
            lines.append(f"  {number}. {count} of {self.answered} — {point}")
        return lines


async def handle(ctx: Context, channel: ChannelRef, member: Member, command: Check) -> Reply:
    if command.quiz:
        if command.points is None:
            return await show_practice(ctx, channel, member, command.attempt)
        return await record_practice(ctx, channel, member, command.points, command.attempt)
    if command.points is None:
        return await show_daily(ctx, channel, member, command)
    return await record_daily(ctx, channel, member, command)


# ---- daily questions --------------------------------------------------------------------------------


async def _target_post(conn, channel: ChannelRef, command: Check):
    query = select(posts).where(in_channel(posts, channel))
    if command.post_id is not None:
        post = (await conn.execute(query.where(posts.c.id == command.post_id))).first()
        if post is None:
            raise NotFound("that question is not one of this channel's")
    elif command.question is not None:
        post = (await conn.execute(query.where(posts.c.seq == command.question).order_by(posts.c.id.desc()).limit(1))).first()
        if post is None:
            raise NotFound(f"there is no question #{command.question} in this channel")
    else:
        post = (
            await conn.execute(
                query.where(posts.c.status == "revealed").order_by(posts.c.revealed_at.desc(), posts.c.id.desc()).limit(1)
            )
        ).first()
        if post is None:
            raise NotFound("no question has been revealed in this channel yet; you can check your answer after the reveal")
    if post.status != "revealed":
        raise InvalidInput(
            f"question #{post.seq} is not revealed yet; check your answer against its key points after the reveal"
        )
    return post


async def _key_points(ctx: Context, conn, channel: ChannelRef, post) -> tuple[str, ...]:
    question = await find_question(ctx, channel, post.question_id, conn)
    if question is None or not question.key_points:
        raise NotFound(f"question #{post.seq} is no longer in the bank, so its key points cannot be shown")
    return question.key_points


async def _text_at_reveal(conn, answer) -> str:
    """The answer as it stood at the reveal: the last edit made before it, else the first answer."""
    edited = (
        await conn.execute(
            select(answer_edits.c.text)
            .where(answer_edits.c.answer_id == answer.id, answer_edits.c.late.is_(False))
            .order_by(answer_edits.c.id.desc())
            .limit(1)
        )
    ).scalar()
    return answer.text if answer.late or edited is None else edited


async def _ensure_guesses(ctx: Context, conn, post, key_points: tuple[str, ...]) -> None:
    """Store the automatic guess for every answer to `post` that has no check row yet."""
    missing = (
        await conn.execute(
            select(answers)
            .outerjoin(key_point_checks, key_point_checks.c.answer_id == answers.c.id)
            .where(answers.c.post_id == post.id, key_point_checks.c.id.is_(None))
        )
    ).all()
    now = ctx.clock.now()
    for answer in missing:
        guess = guess_covered(key_points, await _text_at_reveal(conn, answer))
        await insert_ignoring_conflict(
            conn,
            key_point_checks,
            {
                "platform": post.platform,
                "workspace_id": post.workspace_id,
                "member_id": answer.member_id,
                "answer_id": answer.id,
                "post_id": post.id,
                "question_id": post.question_id,
                "guessed": encode(guess),
                "checked_at": now,
            },
            conflict=["answer_id"],
        )


async def _coverage(conn, post, count: int) -> Coverage:
    rows = (
        await conn.execute(
            select(key_point_checks.c.guessed, key_point_checks.c.ticked)
            .join(answers, answers.c.id == key_point_checks.c.answer_id)
            .where(key_point_checks.c.post_id == post.id)
        )
    ).all()
    per_point = [0] * count
    for row in rows:
        for number in decode(row.ticked if row.ticked is not None else row.guessed, count):
            per_point[number - 1] += 1
    return Coverage(answered=len(rows), ticked=sum(1 for r in rows if r.ticked is not None), per_point=tuple(per_point))


async def _answer_and_check(conn, post, member: Member, *, lock: bool = False):
    query = select(answers).where(answers.c.post_id == post.id, answers.c.member_id == member.id)
    answer = (await conn.execute(query.with_for_update() if lock else query)).first()
    if answer is None:
        return None, None
    check = (await conn.execute(select(key_point_checks).where(key_point_checks.c.answer_id == answer.id))).first()
    return answer, check


def _numbered(key_points: Sequence[str], selected: Sequence[int]) -> list[str]:
    return [f"  {n}. [{'x' if n in selected else ' '}] {p}" for n, p in enumerate(key_points, start=1)]


def _daily_data(post, key_points, selected, ticked: bool, answered: bool) -> dict:
    return {
        "check": "post",
        "post_id": post.id,
        "seq": post.seq,
        "key_points": list(key_points),
        "selected": list(selected),
        "ticked": ticked,
        "answered": answered,
    }


async def show_daily(ctx: Context, channel: ChannelRef, member: Member, command: Check) -> Reply:
    async with ctx.engine.begin() as conn:
        post = await _target_post(conn, channel, command)
        key_points = await _key_points(ctx, conn, channel, post)
        await _ensure_guesses(ctx, conn, post, key_points)
        answer, check = await _answer_and_check(conn, post, member)
        coverage = await _coverage(conn, post, len(key_points))
    count = len(key_points)
    lines = [f"Question #{post.seq} — key points:"]
    if answer is None:
        lines += [f"  {n}. {p}" for n, p in enumerate(key_points, start=1)]
        lines.append("You did not answer this one, so there is nothing of yours to tick.")
        selected: tuple[int, ...] = ()
        ticked = False
        hint = ""
    else:
        ticked = check.ticked is not None
        selected = decode(check.ticked if ticked else check.guessed, count)
        lines += _numbered(key_points, selected)
        if ticked:
            bonus = f" (+{check.bonus_points} {_points(check.bonus_points)})" if check.bonus_points else ""
            lines.append(f"You ticked: {listing(selected) or 'none'}{bonus}. Tick again any time to change it.")
        else:
            guess = listing(selected) or "none"
            earn = "" if answer.late else f" Each key point you tick earns {KEY_POINT_BONUS} point."
            lines.append(f"Our guess from your answer: {guess}. Tick the ones you really covered; your tick wins.{earn}")
        suggestion = encode(selected) or "none"
        hint = f"Tick yours: /qotd check points={suggestion} question={post.seq}"
    lines += ["", *coverage.lines(key_points)]
    return Reply("\n".join(lines), data=_daily_data(post, key_points, selected, ticked, answer is not None), hint=hint)


async def record_daily(ctx: Context, channel: ChannelRef, member: Member, command: Check) -> Reply:
    points = tuple(command.points or ())
    async with ctx.engine.begin() as conn:
        post = await _target_post(conn, channel, command)
        key_points = await _key_points(ctx, conn, channel, post)
        _check_range(points, key_points, f"question #{post.seq}")
        await _ensure_guesses(ctx, conn, post, key_points)
        answer, check = await _answer_and_check(conn, post, member, lock=True)
        if answer is None:
            raise NotFound(f"you did not answer question #{post.seq}, so there is nothing of yours to check")
        bonus = 0 if answer.late else KEY_POINT_BONUS * len(points)
        previous = check.bonus_points if check is not None else 0
        await upsert(
            conn,
            key_point_checks,
            {
                "platform": post.platform,
                "workspace_id": post.workspace_id,
                "member_id": member.id,
                "answer_id": answer.id,
                "post_id": post.id,
                "question_id": post.question_id,
                "guessed": check.guessed if check is not None else None,
                "ticked": encode(points),
                "bonus_points": bonus,
                "checked_at": ctx.clock.now(),
            },
            ["answer_id"],
            {"ticked": encode(points), "bonus_points": bonus, "checked_at": ctx.clock.now()},
        )
        delta = bonus - previous
        if delta:
            await conn.execute(update(answers).where(answers.c.id == answer.id).values(points=answers.c.points + delta))
            await conn.execute(
                update(member_stats)
                .where(in_channel(member_stats, channel), member_stats.c.member_id == member.id)
                .values(points=member_stats.c.points + delta)
            )
        coverage = await _coverage(conn, post, len(key_points))
    covered = f"key points {listing(points)}" if len(points) > 1 else (f"key point {points[0]}" if points else "none of the key points")
    if answer.late:
        earned = " Late answers earn no points, but your tick counts for the team's coverage."
    elif delta:
        earned = f" {delta:+d} {_points(delta)} (your ticks now earn {bonus} {_points(bonus)} on this question)."
    else:
        earned = f" Your ticks earn {bonus} {_points(bonus)} on this question." if bonus else ""
    text = f"Saved: on question #{post.seq} you covered {covered} of {len(key_points)}.{earned}"
    lines = [text, "", *_numbered(key_points, points), "", *coverage.lines(key_points)]
    data = {**_daily_data(post, key_points, points, True, True), "bonus": bonus, "delta": delta}
    return Reply("\n".join(lines), data=data)


def _check_range(points: Sequence[int], key_points: Sequence[str], what: str) -> None:
    count = len(key_points)
    wrong = [p for p in points if not 1 <= p <= count]
    if wrong:
        raise InvalidInput(
            f"{what} has {count} key points, so {wrong[0]} is not one of them (use numbers from 1 to {count}, "
            "or points=none)"
        )


# ---- practice questions -----------------------------------------------------------------------------


async def _attempt(conn, channel: ChannelRef, member: Member, attempt_id: int | None):
    query = select(quiz_attempts).where(
        quiz_attempts.c.platform == channel.platform,
        quiz_attempts.c.workspace_id == channel.workspace_id,
        quiz_attempts.c.member_id == member.id,
    )
    if attempt_id is not None:
        query = query.where(quiz_attempts.c.id == attempt_id)
    attempt = (await conn.execute(query.order_by(quiz_attempts.c.id.desc()).limit(1))).first()
    if attempt is None and attempt_id is not None:
        raise NotFound("that practice question is not one of yours; ask for your own with /qotd quiz")
    if attempt is None:
        raise NotFound("you have no practice question yet; ask for one with /qotd quiz")
    if attempt.answer_shown_at is None:
        raise InvalidInput("look at the answer first (/qotd quiz answer), then tick the key points you covered")
    return attempt


async def _practice_points(ctx: Context, conn, channel: ChannelRef, attempt) -> tuple[str, ...]:
    question = await find_question(ctx, channel, attempt.question_id, conn)
    if question is None or not question.key_points:
        raise NotFound("that practice question is no longer in the bank; ask for another with /qotd quiz")
    return question.key_points


def _practice_data(attempt, key_points, selected, ticked: bool) -> dict:
    return {
        "check": "quiz",
        "check_attempt": attempt.id,
        "key_points": list(key_points),
        "selected": list(selected),
        "ticked": ticked,
    }


async def show_practice(ctx: Context, channel: ChannelRef, member: Member, attempt_id: int | None = None) -> Reply:
    async with ctx.engine.connect() as conn:
        attempt = await _attempt(conn, channel, member, attempt_id)
        check = (
            await conn.execute(select(key_point_checks).where(key_point_checks.c.quiz_attempt_id == attempt.id))
        ).first()
        key_points = await _practice_points(ctx, conn, channel, attempt)
    selected = decode(check.ticked, len(key_points)) if check is not None else ()
    lines = ["Your practice question — key points:", *_numbered(key_points, selected)]
    if check is not None:
        lines.append(f"You ticked: {listing(selected) or 'none'}. Tick again any time to change it.")
    else:
        lines.append("Tick the ones your answer covered.")
    return Reply(
        "\n".join(lines),
        data=_practice_data(attempt, key_points, selected, check is not None),
        hint="Tick yours: /qotd quiz check points=1,3 (or points=none)",
    )


async def record_practice(
    ctx: Context, channel: ChannelRef, member: Member, points: Sequence[int], attempt_id: int | None = None
) -> Reply:
    points = tuple(points)
    async with ctx.engine.begin() as conn:
        attempt = await _attempt(conn, channel, member, attempt_id)
        key_points = await _practice_points(ctx, conn, channel, attempt)
        _check_range(points, key_points, "this practice question")
        now = ctx.clock.now()
        await upsert(
            conn,
            key_point_checks,
            {
                "platform": channel.platform,
                "workspace_id": channel.workspace_id,
                "member_id": member.id,
                "quiz_attempt_id": attempt.id,
                "question_id": attempt.question_id,
                "ticked": encode(points),
                "checked_at": now,
            },
            ["quiz_attempt_id"],
            {"ticked": encode(points), "checked_at": now},
        )
    share = f"{len(points)} of {len(key_points)} key points" + (f" ({listing(points)})" if points else "")
    text = f"Saved: you covered {share} on your practice question. Practice earns no points; it shows where you stand."
    return Reply(
        "\n".join([text, "", *_numbered(key_points, points)]),
        data=_practice_data(attempt, key_points, points, True),
        hint="Another one? /qotd quiz",
    )
