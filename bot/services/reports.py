"""Weak-spot and team reports.

`/qotd report` is a member's own, across their workspace: what they answered by topic, how much of
the key points they covered (their self-checks), how their practice went (self-grades), the three
weakest topics and a practice quiz to try next. Only they see it.

`/qotd report team` is for admins, about the channel it is run in, over the last weeks:
participation by week, the on-time answer rate of each recent question, and the hardest
questions for the team; a short text plus a PNG chart for the channel. It names nobody.

Numbers are counted by SQL (grouped per question, per post); the question bank then says which
topic a question belongs to, since topics live in the bank, not the database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from bot.commands import Report
from bot.context import Context
from bot.db.scoping import in_channel
from bot.db.tables import answers, metadata, posts, quiz_attempts, schedules
from bot.errors import NotAllowed
from bot.ports import Attachment, ChannelRef, Member, Reply
from bot.question_source import questions_for
from bot.topics import TOPICS, topic_title

GRADE_SCORES = {"again": 0.0, "hard": 1 / 3, "good": 2 / 3, "easy": 1.0}
GRADE_WORDS = ((0.17, "again"), (0.5, "hard"), (0.83, "good"), (1.01, "easy"))
WEAKEST = 3
STRONG = 0.75  # a topic scoring this or more (graded good and better, most key points) is not called weak
TEAM_WEEKS = 8
RECENT_QUESTIONS = 10
HARDEST = 3
PREVIEW = 70
SHOWN_STATUSES = ("posted", "revealing", "revealed")


def key_points_tracked() -> bool:
    """Whether members' key-point self-checks exist in this schema (the switch for coverage numbers)."""
    return "key_point_checks" in metadata.tables


def _covered(checks_row) -> str | None:
    """A self-check's key points as stored: the member's own ticks, else the automatic guess."""
    return checks_row.ticked if checks_row.ticked is not None else checks_row.guessed


def _decode(text: str | None, limit: int) -> set[int]:
    if not text:
        return set()
    return {int(p) for p in text.split(",") if p.strip().isdigit() and 1 <= int(p) <= limit}


# ---- a member's report -------------------------------------------------------------------------------------


@dataclass
class TopicStats:
    topic: str
    answered: int = 0
    on_time: int = 0
    practised: int = 0
    graded: int = 0
    grade_total: float = 0.0
    points_covered: int = 0
    points_total: int = 0
    checks: int = 0

    @property
    def grade_score(self) -> float | None:
        return self.grade_total / self.graded if self.graded else None

    @property
    def coverage(self) -> float | None:
        return self.points_covered / self.points_total if self.points_total else None

    @property
    def score(self) -> float | None:
        """0 (weak) .. 1 (strong): the mean of the signals there are; None when there is none to judge by."""
        signals = [s for s in (self.grade_score, self.coverage) if s is not None]
        return sum(signals) / len(signals) if signals else None

    @property
    def activity(self) -> int:
        return self.answered + self.practised


@dataclass(frozen=True)
class MemberReport:
    topics: dict[str, TopicStats]
    answered: int
    on_time: int
    practised: int
    graded: int
    unknown_questions: int = 0  # answers or practice on questions no longer in the bank
    weakest: tuple[str, ...] = field(default_factory=tuple)

    @property
    def points_covered(self) -> int:
        return sum(t.points_covered for t in self.topics.values())

    @property
    def points_total(self) -> int:
        return sum(t.points_total for t in self.topics.values())


async def member_report(ctx: Context, channel: ChannelRef, member_id: str) -> MemberReport:
    scope = (channel.platform, channel.workspace_id, member_id)
    async with ctx.engine.connect() as conn:
        questions = await questions_for(ctx, channel, conn)
        answered = (
            await conn.execute(
                select(posts.c.question_id, func.count(), func.sum(case((answers.c.late.is_(False), 1), else_=0)))
                .join(posts, posts.c.id == answers.c.post_id)
                .where(answers.c.platform == scope[0], answers.c.workspace_id == scope[1], answers.c.member_id == scope[2])
                .group_by(posts.c.question_id)
            )
        ).all()
        practised = (
            await conn.execute(
                select(quiz_attempts.c.question_id, quiz_attempts.c.grade, func.count())
                .where(
                    quiz_attempts.c.platform == scope[0],
                    quiz_attempts.c.workspace_id == scope[1],
                    quiz_attempts.c.member_id == scope[2],
                )
                .group_by(quiz_attempts.c.question_id, quiz_attempts.c.grade)
            )
        ).all()
        checks = []
        if key_points_tracked():
            table = metadata.tables["key_point_checks"]
            checks = (
                await conn.execute(
                    select(table.c.question_id, table.c.ticked, table.c.guessed).where(
                        table.c.platform == scope[0], table.c.workspace_id == scope[1], table.c.member_id == scope[2]
                    )
                )
            ).all()

    topics: dict[str, TopicStats] = {}
    unknown = 0

    def stats_for(question_id: str | None) -> tuple[TopicStats | None, int]:
        question = questions.get(question_id) if question_id else None
        if question is None:
            return None, 0
        return topics.setdefault(question.topic, TopicStats(question.topic)), len(question.key_points)

    total_answered = total_on_time = total_practised = total_graded = 0
    for question_id, count, on_time in answered:
        total_answered += count
        total_on_time += int(on_time or 0)
        stats, _ = stats_for(question_id)
        if stats is None:
            unknown += count
            continue
        stats.answered += count
        stats.on_time += int(on_time or 0)
    for question_id, grade, count in practised:
        total_practised += count
        if grade in GRADE_SCORES:
            total_graded += count
        stats, _ = stats_for(question_id)
        if stats is None:
            unknown += count
            continue
        stats.practised += count
        if grade in GRADE_SCORES:
            stats.graded += count
            stats.grade_total += GRADE_SCORES[grade] * count
    for row in checks:
        stats, points = stats_for(row.question_id)
        if stats is None or not points:
            continue
        stats.checks += 1
        stats.points_total += points
        stats.points_covered += len(_decode(_covered(row), points))

    judged = [t for t in topics.values() if t.score is not None and t.score < STRONG]
    judged.sort(key=lambda t: (t.score, -t.activity, t.topic))
    return MemberReport(
        topics=topics,
        answered=total_answered,
        on_time=total_on_time,
        practised=total_practised,
        graded=total_graded,
        unknown_questions=unknown,
        weakest=tuple(t.topic for t in judged[:WEAKEST]),
    )


def _grade_word(score: float) -> str:
    return next(word for limit, word in GRADE_WORDS if score < limit)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def _topic_line(stats: TopicStats, tracked: bool) -> str:
    parts = []
    if stats.answered:
        late = stats.answered - stats.on_time
        parts.append(f"{stats.answered} answered" + (f" ({late} late)" if late else ""))
    if stats.practised:
        grade = f", usually {_grade_word(stats.grade_score)}" if stats.grade_score is not None else ", not graded yet"
        parts.append(f"{stats.practised} practised{grade}")
    if not tracked:
        parts.append("key points not tracked yet")
    elif stats.points_total:
        parts.append(f"key points {stats.points_covered} of {stats.points_total} ({_percent(stats.points_covered, stats.points_total)})")
    else:
        parts.append("key points not checked yet")
    return f"  • {topic_title(stats.topic)} — {', '.join(parts)}"


def _why_weak(stats: TopicStats) -> str:
    reasons = []
    if stats.coverage is not None:
        reasons.append(f"key points {_percent(stats.points_covered, stats.points_total)}")
    if stats.grade_score is not None:
        reasons.append(f"practice usually {_grade_word(stats.grade_score)}")
    return f"{topic_title(stats.topic)} ({', '.join(reasons)})"


def suggested_quiz(stats: TopicStats) -> str:
    level = "1-2" if (stats.score or 0) < 0.5 else "2-3"
    return f"/qotd quiz {stats.topic} {level}"


def render_member_report(report: MemberReport, tracked: bool) -> tuple[str, str, dict]:
    """(text, hint, data) for a member's report."""
    if not report.answered and not report.practised:
        return (
            "Your report: nothing to go on yet — you have not answered or practised anything in this workspace.\n"
            "Answer the next question, or try one now: /qotd quiz",
            "",
            {"outcome": "report", "weakest": [], "suggested": "/qotd quiz"},
        )
    covered = (
        f" · key points covered: {report.points_covered} of {report.points_total} ({_percent(report.points_covered, report.points_total)})"
        if tracked and report.points_total
        else (" · key points: not tracked yet" if not tracked else " · key points: none checked yet")
    )
    lines = [
        "Your report (this workspace)",
        f"Answered {report.answered} question{'s' if report.answered != 1 else ''} ({report.on_time} on time) in "
        f"{sum(1 for t in report.topics.values() if t.answered)} topic(s) · practised {report.practised}, graded {report.graded}"
        + covered,
        "",
        "By topic:",
    ]
    ordered = sorted(report.topics.values(), key=lambda t: (-t.activity, t.topic))
    lines += [_topic_line(t, tracked) for t in ordered]
    if report.unknown_questions:
        lines.append(f"  • (and {report.unknown_questions} on questions no longer in the bank)")
    lines.append("")
    hint = ""
    if report.weakest:
        weakest = [report.topics[t] for t in report.weakest]
        lines.append("Weakest topics: " + "; ".join(_why_weak(t) for t in weakest))
        hint = f"Suggested quiz: {suggested_quiz(weakest[0])}"
    elif any(t.score is not None for t in report.topics.values()):
        lines.append("Weakest topics: none stand out — everything you graded or checked went well.")
    else:
        lines.append(
            "Weakest topics: not enough to tell yet — grade your practice questions (/qotd quiz) or tick the key points "
            "you covered after a reveal (/qotd check), and this report ranks your topics."
        )
    untried = [t for t in TOPICS if t not in report.topics]
    if untried:
        lines.append("Not tried yet: " + ", ".join(untried))
    if not hint:
        hint = f"Suggested quiz: /qotd quiz {untried[0]}" if untried else "Suggested quiz: /qotd quiz"
    lines.append(hint)
    return "\n".join(lines), "", {"outcome": "report", "weakest": list(report.weakest), "suggested": hint.split(": ", 1)[1]}


async def report(ctx: Context, channel: ChannelRef, member: Member, command: Report) -> Reply:
    if command.team:
        if not member.is_admin:
            raise NotAllowed("only admins can see the team report; `/qotd report` shows your own")
        return await team_report(ctx, channel)
    result = await member_report(ctx, channel, member.id)
    text, hint, data = render_member_report(result, key_points_tracked())
    return Reply(text, private=True, data=data, hint=hint)


# ---- the team report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRate:
    post_id: int
    seq: int | None
    question_id: str | None
    topic: str
    text: str
    posted_at: datetime
    on_time: int
    late: int
    revealed: bool
    coverage: float | None  # mean share of key points covered by those who answered (their checks)
    checks: int


@dataclass(frozen=True)
class WeekRow:
    start: datetime  # local Monday 00:00
    questions: int
    answers: int
    members: int


@dataclass(frozen=True)
class TeamReport:
    zone: str
    weeks: tuple[WeekRow, ...]
    questions: tuple[QuestionRate, ...]  # oldest first
    active_members: int

    def rate(self, question: QuestionRate) -> float:
        return question.on_time / self.active_members if self.active_members else 0.0

    def hardest(self) -> tuple[str, list[QuestionRate]]:
        """(what "hard" is judged by, the hardest questions): key-point coverage where members checked, else answer rate."""
        closed = [q for q in self.questions if q.revealed]
        checked = [q for q in closed if q.coverage is not None]
        if checked:  # a question everyone covered fully is not hard, whatever else is
            hard = [q for q in checked if q.coverage < 1]
            return "lowest key-point coverage", sorted(hard, key=lambda q: (q.coverage, self.rate(q), q.post_id))[:HARDEST]
        hard = [q for q in closed if self.rate(q) < 1]
        return "lowest on-time answer rate", sorted(hard, key=lambda q: (self.rate(q), q.post_id))[:HARDEST]


def week_start(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=zone)


async def team_report(ctx: Context, channel: ChannelRef, weeks: int = TEAM_WEEKS) -> Reply:
    data = await team_numbers(ctx, channel, weeks)
    text = render_team_report(data)
    if not data.questions:
        return Reply(text, private=False, data={"outcome": "team_report", "questions": 0})
    from bot.report_chart import TeamChart, render_team_chart

    recent = data.questions[-RECENT_QUESTIONS:]
    chart = TeamChart(
        title=f"Team report — last {len(data.weeks)} weeks",
        weeks=[f"{w.start:%d %b}" for w in data.weeks],
        answers=[w.answers for w in data.weeks],
        members=[w.members for w in data.weeks],
        questions=[f"#{q.seq}" if q.seq is not None else "?" for q in recent],
        rates=[data.rate(q) for q in recent],
    )
    png = await asyncio.to_thread(render_team_chart, chart)
    now = ctx.clock.now()
    name = f"qotd-team-report-{now:%Y%m%d}.png"
    return Reply(
        text,
        private=False,
        data={"outcome": "team_report", "questions": len(data.questions)},
        attachments=(Attachment(name, png, "image/png"),),
    )


async def team_numbers(ctx: Context, channel: ChannelRef, weeks: int = TEAM_WEEKS) -> TeamReport:
    now = ctx.clock.now()
    async with ctx.engine.connect() as conn:
        zone_name = (await conn.execute(select(schedules.c.timezone).where(in_channel(schedules, channel)))).scalar() or "UTC"
        zone = ZoneInfo(zone_name)
        first_week = week_start(now, zone) - timedelta(weeks=weeks - 1)
        since = first_week.astimezone(ZoneInfo("UTC"))
        questions = await questions_for(ctx, channel, conn)
        post_rows = (
            await conn.execute(
                select(posts.c.id, posts.c.seq, posts.c.question_id, posts.c.posted_at, posts.c.status)
                .where(in_channel(posts, channel), posts.c.status.in_(SHOWN_STATUSES), posts.c.posted_at >= since)
                .order_by(posts.c.posted_at, posts.c.id)
            )
        ).all()
        window = select(posts.c.id).where(
            in_channel(posts, channel), posts.c.status.in_(SHOWN_STATUSES), posts.c.posted_at >= since
        )
        counts = {
            row.post_id: (int(row.on_time or 0), int(row.late or 0))
            for row in await conn.execute(
                select(
                    answers.c.post_id,
                    func.sum(case((answers.c.late.is_(False), 1), else_=0)).label("on_time"),
                    func.sum(case((answers.c.late.is_(True), 1), else_=0)).label("late"),
                )
                .where(in_channel(answers, channel), answers.c.post_id.in_(window))
                .group_by(answers.c.post_id)
            )
        }
        pairs = (
            await conn.execute(
                select(answers.c.post_id, answers.c.member_id)
                .where(in_channel(answers, channel), answers.c.late.is_(False), answers.c.post_id.in_(window))
                .distinct()
            )
        ).all()
        active = (
            await conn.execute(
                select(func.count(func.distinct(answers.c.member_id))).where(
                    in_channel(answers, channel), answers.c.late.is_(False), answers.c.post_id.in_(window)
                )
            )
        ).scalar_one()
        coverage_rows = []
        if key_points_tracked():
            checks = metadata.tables["key_point_checks"]
            coverage_rows = (
                await conn.execute(
                    select(checks.c.post_id, checks.c.question_id, checks.c.ticked, checks.c.guessed)
                    .join(answers, answers.c.id == checks.c.answer_id)
                    .where(in_channel(answers, channel), checks.c.post_id.in_(window))
                )
            ).all()

    covered: dict[int, list[float]] = {}
    for row in coverage_rows:
        question = questions.get(row.question_id)
        points = len(question.key_points) if question else 0
        if points:
            covered.setdefault(row.post_id, []).append(len(_decode(_covered(row), points)) / points)

    rates = []
    for row in post_rows:
        question = questions.get(row.question_id)
        on_time, late = counts.get(row.id, (0, 0))
        shares = covered.get(row.id)
        text = " ".join(question.question.split()) if question else ""
        rates.append(
            QuestionRate(
                post_id=row.id,
                seq=row.seq,
                question_id=row.question_id,
                topic=question.topic if question else "",
                text=text if len(text) <= PREVIEW else text[: PREVIEW - 1].rstrip() + "…",
                posted_at=row.posted_at,
                on_time=on_time,
                late=late,
                revealed=row.status == "revealed",
                coverage=sum(shares) / len(shares) if shares else None,
                checks=len(shares or ()),
            )
        )

    week_of = {row.id: week_start(row.posted_at, zone) for row in post_rows}
    week_rows = []
    for n in range(weeks):
        start = first_week + timedelta(weeks=n)
        # Midnight-to-midnight weeks in the channel's zone; recomputed per week so DST shifts do not drift.
        start = datetime.combine(start.date(), time(0, 0), tzinfo=zone)
        in_week = [q for q in rates if week_of[q.post_id] == start]
        members = {member for post_id, member in pairs if week_of.get(post_id) == start}
        week_rows.append(
            WeekRow(start=start, questions=len(in_week), answers=sum(q.on_time for q in in_week), members=len(members))
        )
    return TeamReport(zone=zone_name, weeks=tuple(week_rows), questions=tuple(rates), active_members=int(active or 0))


def render_team_report(report: TeamReport) -> str:
    weeks = len(report.weeks)
    if not report.questions:
        return (
            f"Team report — last {weeks} weeks\nNo questions were posted in this channel in the last {weeks} weeks, "
            "so there is nothing to report yet."
        )
    asked = len(report.questions)
    on_time = sum(q.on_time for q in report.questions)
    lines = [
        f"Team report — this channel, last {weeks} weeks",
        f"{asked} question{'s' if asked != 1 else ''}, {on_time} on-time answer{'s' if on_time != 1 else ''} from "
        f"{report.active_members} member{'s' if report.active_members != 1 else ''}"
        f" (answer rates below are out of these {report.active_members}).",
        "",
        "Participation by week (questions · on-time answers · members):",
    ]
    for week in report.weeks:
        if week.questions or week.answers:
            lines.append(f"  • week of {week.start:%d %b}: {week.questions} · {week.answers} · {week.members}")
    quiet = sum(1 for w in report.weeks if not w.questions)
    if quiet:
        lines.append(f"  • {quiet} week{'s' if quiet != 1 else ''} without a question")
    shown = min(asked, RECENT_QUESTIONS)
    lines += ["", f"Answer rate, last {shown} questions:" if shown > 1 else "Answer rate, the one question:"]
    for question in report.questions[-RECENT_QUESTIONS:]:
        topic = f" {topic_title(question.topic)}" if question.topic else ""
        late = f", +{question.late} late" if question.late else ""
        lines.append(
            f"  • #{question.seq}{topic} — {question.on_time} of {report.active_members} "
            f"({_percent(question.on_time, report.active_members)}){late}"
        )
    basis, hardest = report.hardest()
    if not hardest and any(q.revealed for q in report.questions):
        lines += ["", "Hardest for the team: none stand out — every revealed question went well."]
    if hardest:
        lines += ["", f"Hardest for the team ({basis}):"]
        for question in hardest:
            detail = (
                f"key points {round(100 * question.coverage)}% over {question.checks} answer{'s' if question.checks != 1 else ''}"
                if question.coverage is not None
                else f"answered by {_percent(question.on_time, report.active_members)}"
            )
            what = f" “{question.text}”" if question.text else ""
            lines.append(f"  • #{question.seq}{what} — {detail}")
    return "\n".join(lines)
