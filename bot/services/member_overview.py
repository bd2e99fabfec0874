"""One member's standing across every channel of their workspace: for a personal page (Slack's App Home).

Streaks and points are kept per channel (each channel's schedule is its own series), so the
overview lists each channel the member has answered in, plus totals, their most recent answers
(with the question's topic and whether the answer was on time) and their practice-question counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.context import Context
from bot.db.tables import answers, member_stats, posts, quiz_attempts, reviews
from bot.ports import ChannelRef
from bot.question_source import WorkspaceQuestions, questions_for
from bot.topics import topic_title

RECENT_ANSWERS = 5
QUESTION_PREVIEW = 140


@dataclass(frozen=True)
class ChannelStanding:
    channel_id: str
    current_streak: int
    longest_streak: int
    on_time_answers: int
    late_answers: int
    points: int
    last_answered_at: datetime | None
    freezes: int = 0  # streak freezes held in this channel


@dataclass(frozen=True)
class RecentAnswer:
    channel_id: str
    post_id: int
    seq: int | None
    topic: str  # the topic's title, or "" when the question has left the bank
    question: str  # the start of the question, or "" when it has left the bank
    answered_at: datetime
    late: bool
    points: int
    revealed: bool
    scheduled: bool


@dataclass(frozen=True)
class MemberOverview:
    member_id: str
    channels: tuple[ChannelStanding, ...]
    recent: tuple[RecentAnswer, ...]
    practice_asked: int = 0
    practice_graded: int = 0
    reviews_due: int = 0  # practice questions due for review now (what /qotd quiz would serve first)

    @property
    def points(self) -> int:
        return sum(c.points for c in self.channels)

    @property
    def on_time_answers(self) -> int:
        return sum(c.on_time_answers for c in self.channels)

    @property
    def freezes(self) -> int:
        return sum(c.freezes for c in self.channels)

    @property
    def late_answers(self) -> int:
        return sum(c.late_answers for c in self.channels)

    @property
    def current_streak(self) -> int:
        """The best running streak in any channel."""
        return max((c.current_streak for c in self.channels), default=0)

    @property
    def longest_streak(self) -> int:
        return max((c.longest_streak for c in self.channels), default=0)

    @property
    def has_answered(self) -> bool:
        return bool(self.channels)


async def member_overview(
    ctx: Context, platform: str, workspace_id: str, member_id: str, recent: int = RECENT_ANSWERS
) -> MemberOverview:
    scope_stats = (
        member_stats.c.platform == platform,
        member_stats.c.workspace_id == workspace_id,
        member_stats.c.member_id == member_id,
    )
    scope_answers = (
        answers.c.platform == platform,
        answers.c.workspace_id == workspace_id,
        answers.c.member_id == member_id,
    )
    async with ctx.engine.connect() as conn:
        stat_rows = (
            await conn.execute(
                select(member_stats)
                .where(*scope_stats)
                .order_by(member_stats.c.points.desc(), member_stats.c.channel_id)
            )
        ).all()
        answer_rows = (
            await conn.execute(
                select(
                    answers.c.channel_id,
                    answers.c.post_id,
                    answers.c.answered_at,
                    answers.c.late,
                    answers.c.points,
                    posts.c.seq,
                    posts.c.question_id,
                    posts.c.status,
                    posts.c.kind,
                )
                .join(posts, posts.c.id == answers.c.post_id)
                .where(*scope_answers)
                .order_by(answers.c.answered_at.desc(), answers.c.id.desc())
                .limit(max(recent, 0))
            )
        ).all()
        # The workspace's questions, so recent answers to approved suggestions show their text too.
        source = await questions_for(ctx, ChannelRef(platform, workspace_id, ""), conn)
        due_ids = (
            await conn.execute(
                select(reviews.c.question_id).where(
                    reviews.c.platform == platform,
                    reviews.c.workspace_id == workspace_id,
                    reviews.c.member_id == member_id,
                    reviews.c.due_at <= ctx.clock.now(),
                )
            )
        ).scalars().all()
        asked, graded = (
            await conn.execute(
                select(func.count(), func.count(quiz_attempts.c.grade)).where(
                    quiz_attempts.c.platform == platform,
                    quiz_attempts.c.workspace_id == workspace_id,
                    quiz_attempts.c.member_id == member_id,
                )
            )
        ).one()
    channels = tuple(
        ChannelStanding(
            channel_id=row.channel_id,
            current_streak=row.current_streak,
            longest_streak=row.longest_streak,
            on_time_answers=row.on_time_answers,
            late_answers=row.late_answers,
            points=row.points,
            last_answered_at=row.last_answered_at,
            freezes=row.freezes,
        )
        for row in stat_rows
    )
    offered = {q.id for q in source.eligible()}  # not a topic the workspace turned off, not a removed question
    return MemberOverview(
        member_id=member_id,
        channels=channels,
        recent=tuple(_recent(source, row) for row in answer_rows),
        practice_asked=int(asked or 0),
        practice_graded=int(graded or 0),
        reviews_due=sum(1 for question_id in due_ids if question_id in offered),
    )


def _recent(questions: WorkspaceQuestions, row) -> RecentAnswer:
    question = questions.get(row.question_id) if row.question_id else None
    text = " ".join(question.question.split()) if question else ""
    if len(text) > QUESTION_PREVIEW:
        text = text[: QUESTION_PREVIEW - 1].rstrip() + "…"
    return RecentAnswer(
        channel_id=row.channel_id,
        post_id=row.post_id,
        seq=row.seq,
        topic=topic_title(question.topic) if question else "",
        question=text,
        answered_at=row.answered_at,
        late=bool(row.late),
        points=row.points or 0,
        revealed=row.status == "revealed",
        scheduled=row.kind == "scheduled",
    )
