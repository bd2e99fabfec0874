"""Weak-spot and team reports, through the core on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from bot.ports import ChannelRef, Member
from bot.report_chart import PNG_SIGNATURE, TeamChart, render_team_chart
from bot.services.answering import AnswerSubmitted
from bot.services.reports import TopicStats, render_member_report, MemberReport, suggested_quiz, team_numbers
from tests.conftest import ADMIN, ALICE, BOB, CHANNEL
from tests.test_lifecycle import setup

ELSEWHERE = ChannelRef("test", "team-2", "general")
SPEC = "time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h"
CAROL = Member("u-carol", "carol")


async def say(app, member, text, channel=CHANNEL):
    return await app.handle_text(channel, member, text)


async def practise(app, member, topic: str, grade: str, points: str | None = None, channel=CHANNEL) -> None:
    for text in (f"/qotd quiz {topic}", "/qotd quiz answer", f"/qotd quiz grade {grade}"):
        reply = await say(app, member, text, channel)
        assert reply.ok, reply.text
    if points:
        assert (await say(app, member, f"/qotd quiz check points={points}", channel)).ok


async def jump(app, clock, hours: float) -> None:
    clock.advance(timedelta(hours=hours))
    await app.tick()


async def a_week(app, clock, answering: dict[int, tuple[Member, ...]]) -> None:
    """A Monday-to-Sunday week from Monday 06:00 UTC: day n's question is answered on time by answering[n]."""
    for day in range(5):
        await jump(app, clock, 2)  # 09:00 Berlin: posted
        for member in answering.get(day, ()):
            reply = await app.answer(AnswerSubmitted(channel=CHANNEL, member=member, text=f"{member.name} on day {day}"))
            assert reply.data.get("outcome") == "on_time", reply.text
        await jump(app, clock, 8)  # revealed
        await jump(app, clock, 14)
    await jump(app, clock, 48)  # the weekend


async def test_a_members_report_ranks_weak_topics_and_suggests_a_quiz(app, clock):
    await practise(app, ALICE, "databases", "again", points="1")
    await practise(app, ALICE, "caching", "easy")
    await practise(app, ALICE, "security", "good")
    await practise(app, ALICE, "messaging", "hard")
    await practise(app, BOB, "caching", "again")  # bob's grades never count for alice
    await practise(app, ALICE, "databases", "again", channel=ELSEWHERE)  # nor another workspace

    reply = await say(app, ALICE, "/qotd report")
    assert reply.ok and reply.private and not reply.attachments, reply.text
    text = reply.text
    assert text.startswith("Your report (this workspace)")
    assert "practised 4, graded 4" in text and "key points covered: 1 of 3 (33%)" in text
    assert "• Databases — 1 practised, usually again, key points 1 of 3 (33%)" in text
    assert "• Caching — 1 practised, usually easy, key points not checked yet" in text
    weakest = next(line for line in text.splitlines() if line.startswith("Weakest topics: "))
    assert weakest.index("Databases") < weakest.index("Asynchronous processing") < weakest.index("Security")
    assert "Caching" not in weakest
    assert reply.data["weakest"] == ["databases", "messaging", "security"]
    assert text.endswith("\nSuggested quiz: /qotd quiz databases 1-2") and reply.data["suggested"] == "/qotd quiz databases 1-2"
    assert "Not tried yet: " in text and "apis-http" in text.split("Not tried yet: ")[1]
    assert (await say(app, ALICE, "/qotd quiz databases 1-2")).ok  # the suggestion is a command that works


async def test_daily_answers_and_key_point_checks_count_by_topic(app, clock):
    await setup(app, SPEC)
    await a_week(app, clock, {0: (ALICE, BOB), 1: (ALICE,), 2: (BOB,)})
    for number in (1, 2):
        checked = await say(app, ALICE, f"/qotd check points=1,2 question={number}")
        assert checked.ok, checked.text
    reply = await say(app, ALICE, "/qotd report")
    assert "Answered 2 questions (2 on time)" in reply.text, reply.text
    assert "key points covered: 4 of 6 (67%)" in reply.text
    assert "Weakest topics: " in reply.text


async def test_nothing_yet_is_a_friendly_report(app):
    reply = await say(app, ALICE, "/qotd report")
    assert reply.ok and "nothing to go on yet" in reply.text and reply.text.endswith("/qotd quiz")


async def test_answers_without_grades_or_checks_cannot_be_ranked_yet():
    report = MemberReport(topics={"databases": TopicStats("databases", answered=2, on_time=2)}, answered=2, on_time=2, practised=0, graded=0)
    text, _, data = render_member_report(report, tracked=True)
    assert "not enough to tell yet" in text and data["weakest"] == []
    assert text.endswith("Suggested quiz: /qotd quiz apis-http")  # a topic not tried yet
    text, _, _ = render_member_report(report, tracked=False)
    assert "key points: not tracked yet" in text and "key points not tracked yet" in text
    assert suggested_quiz(TopicStats("caching", practised=1, graded=1, grade_total=2 / 3)) == "/qotd quiz caching 2-3"
    strong = MemberReport(topics={"caching": TopicStats("caching", practised=1, graded=1, grade_total=1.0)}, answered=0,
                          on_time=0, practised=1, graded=1)
    text, _, data = render_member_report(strong, tracked=True)
    assert "none stand out" in text and data["weakest"] == [] and "Caching" not in text.split("By topic:")[1].split("\n\n")[1]


async def test_the_team_report_is_for_admins_with_a_chart(app, clock):
    await setup(app, SPEC)
    await a_week(app, clock, {0: (ALICE, BOB, CAROL), 1: (ALICE, BOB), 2: (ALICE,), 3: (), 4: (ALICE, BOB)})
    await a_week(app, clock, {0: (ALICE, BOB, CAROL), 1: (BOB,)})
    late = await app.answer(AnswerSubmitted(channel=CHANNEL, member=CAROL, text="late one"))  # Friday's, revealed
    assert late.ok and late.data["outcome"] == "late"

    refused = await say(app, ALICE, "/qotd report team")
    assert not refused.ok and "only admins" in refused.text and not refused.attachments
    reply = await say(app, ADMIN, "/qotd report team")
    assert reply.ok and not reply.private, reply.text
    (chart,) = reply.attachments
    assert chart.mime == "image/png" and chart.filename.endswith(".png") and chart.content.startswith(PNG_SIGNATURE)
    text = reply.text
    assert text.startswith("Team report — this channel, last 8 weeks")
    assert "10 questions, 12 on-time answers from 3 members" in text, text
    assert "week of 23 Nov: 5 · 8 · 3" in text and "week of 30 Nov: 5 · 4 · 3" in text
    assert "6 weeks without a question" in text
    assert "#1 " in text and "— 3 of 3 (100%)" in text and "— 0 of 3 (0%), +1 late" in text
    hardest = text.split("Hardest for the team (lowest on-time answer rate):")[1]
    assert hardest.count("\n  • #") == 3 and "answered by 0%" in hardest
    assert "alice" not in text and "bob" not in text  # it names nobody


async def test_the_team_report_counts_only_its_channel_and_recent_weeks(app, clock):
    await setup(app, SPEC)
    assert (await say(app, ADMIN, f"/qotd setup {SPEC}", ELSEWHERE)).ok
    empty = await say(app, ADMIN, "/qotd report team")
    assert empty.ok and "nothing to report yet" in empty.text and not empty.attachments
    await a_week(app, clock, {0: (ALICE,), 1: (ALICE, BOB)})
    numbers = await team_numbers(app.ctx, CHANNEL)
    assert [q.on_time for q in numbers.questions] == [1, 2, 0, 0, 0] and numbers.active_members == 2
    assert (await team_numbers(app.ctx, ELSEWHERE)).active_members == 0
    clock.advance(timedelta(weeks=9))
    assert (await team_numbers(app.ctx, CHANNEL)).questions == ()  # older than the report's 8 weeks


async def test_key_point_coverage_decides_the_hardest_questions(app, clock):
    await setup(app, SPEC)
    await a_week(app, clock, {0: (ALICE, BOB), 1: (ALICE, BOB)})
    for member, points in ((ALICE, "1,2,3"), (BOB, "1,2")):
        assert (await say(app, member, f"/qotd check points={points} question=1")).ok
    for member in (ALICE, BOB):
        assert (await say(app, member, "/qotd check points=none question=2")).ok
    numbers = await team_numbers(app.ctx, CHANNEL)
    basis, hardest = numbers.hardest()
    assert basis == "lowest key-point coverage"
    assert [q.seq for q in hardest][:2] == [2, 1] and hardest[0].coverage == 0
    text = (await say(app, ADMIN, "/qotd report team")).text
    assert "Hardest for the team (lowest key-point coverage):" in text and "key points 0% over 2 answers" in text


def test_the_chart_renders_without_a_display_even_with_no_questions():
    png = render_team_chart(TeamChart("Team report", ["16 Nov"], [0], [0], [], []))
    assert png.startswith(PNG_SIGNATURE) and len(png) > 1000
