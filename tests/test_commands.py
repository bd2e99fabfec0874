"""The /qotd command text: what each subcommand parses to, and the exact errors members see."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.commands import (
    Help,
    Leaderboard,
    Quiz,
    Setup,
    Simple,
    Streak,
    build_command,
    command_name,
    is_admin_only,
    parse_command,
    parse_difficulty,
    parse_topics,
)
from bot.errors import InvalidInput
from bot.schedule_rules import RevealRule

TOPIC_LIST = (
    "Topics: apis-http, nodejs, python-runtimes, databases, caching, messaging, distributed-systems, "
    "security, operations, cs-fundamentals, system-design, engineering-practice"
)
DIFFICULTY_HELP = "must be 1, 2, 3 or a range like 1-2"


def error_of(text: str) -> str:
    with pytest.raises(InvalidInput) as err:
        parse_command(text)
    return err.value.message


# ---------------------------------------------------------------- setup


def test_setup_with_every_option():
    command = parse_command(
        "/qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h mode=Private "
        "topics=databases,caching difficulty=1-2"
    )
    assert command == Setup(
        time=time(9, 0),
        tz="Europe/Berlin",
        days=frozenset({0, 1, 2, 3, 4}),
        reveal=RevealRule(delay=timedelta(hours=8)),
        mode="private",
        topics=frozenset({"databases", "caching"}),
        difficulty=(1, 2),
    )


def test_setup_with_only_what_changes():
    assert parse_command("/qotd setup reveal=17:00") == Setup(reveal=RevealRule(at=time(17, 0)))
    assert parse_command("/qotd setup TIME=7:05") == Setup(time=time(7, 5))
    assert parse_command("/qotd setup topics=all") == Setup(topics=frozenset())
    assert parse_command("/qotd setup difficulty=all") == Setup(difficulty=(1, 3))
    assert parse_command("/qotd setup") == Setup()


def test_setup_accepts_quoted_values_and_strips_the_prefix():
    assert parse_command('qotd setup days="mon, wed, fri"') == Setup(days=frozenset({0, 2, 4}))
    assert parse_command("setup mode=thread") == Setup(mode="thread")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/qotd setup time=25:00", "time '25:00' is not a valid time of day; use 00:00 to 23:59"),
        ("/qotd setup tz=Mars/Olympus", "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin"),
        (
            "/qotd setup days=funday",
            "days 'funday': 'funday' is not a week day; use daily, mon-fri, or a list like mon,wed,fri",
        ),
        ("/qotd setup reveal=8d", "reveal '8d' is longer than 7 days; choose a shorter delay"),
        ("/qotd setup mode=public", "mode 'public' is not one of thread, private"),
        ("/qotd setup difficulty=0", f"difficulty '0' {DIFFICULTY_HELP}"),
        ("/qotd setup topics=databases,cachng", f"unknown topic 'cachng' (did you mean caching?). {TOPIC_LIST}"),
    ],
)
def test_setup_errors_name_the_bad_value(text, message):
    assert error_of(text) == message


def test_setup_with_a_positional_word_is_refused():
    assert error_of("/qotd setup time=09:00 now") == (
        "/qotd setup takes key=value options, not 'now'. Usage: /qotd setup time=HH:MM tz=ZONE days=SPEC "
        "reveal=8h|17:00 [mode=thread|private] [topics=a,b] [difficulty=1-2] [champion=on|off]"
    )


def test_unknown_option_key_names_it_and_lists_the_known_ones():
    assert error_of("/qotd setup colour=red") == (
        "/qotd setup does not take 'colour=' (it takes time, tz, days, reveal, mode, topics, difficulty, champion)"
    )
    assert error_of("/qotd leaderboard sort=points") == "/qotd leaderboard does not take 'sort=' (it takes period, metric, page, season)"
    assert error_of("/qotd post when=now") == "/qotd post does not take 'when=' (it takes no options)"


def test_duplicate_option_is_refused_case_insensitively():
    assert error_of("/qotd setup time=09:00 time=10:00") == "option 'time' is given twice"
    assert error_of("/qotd setup tz=UTC TZ=Europe/Berlin") == "option 'tz' is given twice"


def test_option_without_a_name():
    assert error_of("/qotd setup =09:00") == "'=09:00' has no option name before '='"


# ---------------------------------------------------------------- simple commands


@pytest.mark.parametrize("name", ["post", "reveal", "pause", "resume", "skip", "status"])
def test_simple_commands(name):
    command = parse_command(f"/qotd {name}")
    assert command == Simple(name)
    assert command_name(command) == name
    assert parse_command(f"/qotd {name.upper()}") == Simple(name)


def test_simple_commands_take_no_arguments():
    assert error_of("/qotd post now") == "/qotd post takes no arguments (got 'now')"
    assert error_of("/qotd skip tomorrow please") == "/qotd skip takes no arguments (got 'tomorrow')"


# ---------------------------------------------------------------- leaderboard


@pytest.mark.parametrize(
    ("text", "period", "metric"),
    [
        ("/qotd leaderboard", "all", "points"),
        ("/qotd leaderboard week", "week", "points"),
        ("/qotd leaderboard month", "month", "points"),
        ("/qotd leaderboard all", "all", "points"),
        ("/qotd leaderboard answers", "all", "answers"),
        ("/qotd leaderboard week answers", "week", "answers"),
        ("/qotd leaderboard streak month", "month", "streak"),
        ("/qotd leaderboard WEEK Points", "week", "points"),
        ("/qotd leaderboard period=week metric=streak", "week", "streak"),
        ("/qotd leaderboard metric=answers period=month", "month", "answers"),
        ("/qotd leaderboard metric=answers week", "week", "answers"),
        ("/qotd leaderboard streak period=all", "all", "streak"),
    ],
)
def test_leaderboard_positional_and_key_value_in_any_order(text, period, metric):
    assert parse_command(text) == Leaderboard(period=period, metric=metric)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/qotd leaderboard year", "'year' is not a leaderboard period (week, month, season, all) or metric (points, answers, streak)"),
        ("/qotd leaderboard week month", "'month' is not a leaderboard period (week, month, season, all) or metric (points, answers, streak)"),
        ("/qotd leaderboard period=week week", "'week' is not a leaderboard period (week, month, season, all) or metric (points, answers, streak)"),
        ("/qotd leaderboard period=year", "period 'year' is not one of week, month, season, all"),
        ("/qotd leaderboard metric=karma", "metric 'karma' is not one of points, answers, streak"),
    ],
)
def test_leaderboard_errors_name_the_bad_word(text, message):
    assert error_of(text) == message


# ---------------------------------------------------------------- streak


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("/qotd streak", None),
        ("/qotd streak @alice", "alice"),
        ("/qotd streak alice", "alice"),
        ("/qotd streak member=@bob", "bob"),
        ('/qotd streak "@Mary Ann"', "Mary Ann"),
    ],
)
def test_streak_for_self_or_a_member(text, member):
    assert parse_command(text) == Streak(member=member)


# ---------------------------------------------------------------- quiz


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/qotd quiz", Quiz()),
        ("/qotd quiz databases", Quiz(topic="databases")),
        ("/qotd quiz databases 2", Quiz(topic="databases", difficulty=(2, 2))),
        ("/qotd quiz 2 databases", Quiz(topic="databases", difficulty=(2, 2))),
        ("/qotd quiz Security 1-3", Quiz(topic="security", difficulty=(1, 3))),
        ("/qotd quiz 3", Quiz(difficulty=(3, 3))),
        ("/qotd quiz topic=caching difficulty=1-2", Quiz(topic="caching", difficulty=(1, 2))),
        ("/qotd quiz difficulty=2 caching", Quiz(topic="caching", difficulty=(2, 2))),
        ("/qotd quiz answer", Quiz(show_answer=True)),
        ("/qotd quiz ANSWER", Quiz(show_answer=True)),
    ],
)
def test_quiz_topic_difficulty_and_answer(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/qotd quiz databases 0", f"difficulty '0' {DIFFICULTY_HELP}"),
        ("/qotd quiz databases 4", f"difficulty '4' {DIFFICULTY_HELP}"),
        ("/qotd quiz 3-1", f"difficulty '3-1' {DIFFICULTY_HELP}"),
        ("/qotd quiz 2x", f"difficulty '2x' {DIFFICULTY_HELP}"),
        ("/qotd quiz databases 2 extra", "/qotd quiz takes a topic and a difficulty; 'extra' is extra"),
        ("/qotd quiz databases,caching", "/qotd quiz takes one topic or tag"),
    ],
)
def test_quiz_errors_name_the_bad_value(text, message):
    assert error_of(text) == message


def test_a_quiz_word_that_is_not_a_topic_is_a_tag():
    assert parse_command("/qotd quiz Redis 2") == Quiz(tag="redis", difficulty=(2, 2))
    assert parse_command("/qotd quiz topic=caching") == Quiz(topic="caching")


# ---------------------------------------------------------------- help and unknown commands


def test_help():
    assert parse_command("/qotd help") == Help()
    assert parse_command("/qotd help leaderboard") == Help("leaderboard")
    assert parse_command("/qotd help SETUP") == Help("setup")
    assert parse_command("/qotd") == Help()
    assert parse_command("") == Help()
    assert parse_command("   ") == Help()


def test_help_for_an_unknown_command_names_it():
    assert error_of("/qotd help dance") == "there is no command 'dance' to explain. Try /qotd help"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/qotd leaderbord", "unknown command 'leaderbord' (did you mean leaderboard?). Try /qotd help"),
        ("/qotd stat", "unknown command 'stat' (did you mean status or streak?). Try /qotd help"),
        ("/qotd Setp", "unknown command 'setp' (did you mean setup?). Try /qotd help"),
        ("/qotd dance", "unknown command 'dance'. Try /qotd help"),
    ],
)
def test_unknown_command_names_it_with_a_hint(text, message):
    assert error_of(text) == message


@pytest.mark.parametrize("text", ['/qotd streak "alice', "/qotd setup tz='Europe/Berlin"])
def test_unbalanced_quotes(text):
    assert error_of(text) == "could not read the command (No closing quotation); check your quotes"


# ---------------------------------------------------------------- build_command (adapters' entry point)


def test_build_command_from_platform_options():
    assert build_command("leaderboard", [], {"period": "week", "metric": "answers"}) == Leaderboard("week", "answers")
    assert build_command("quiz", [], {"topic": "nodejs", "difficulty": "1"}) == Quiz(topic="nodejs", difficulty=(1, 1))
    assert build_command("setup", [], {"tz": "Asia/Kathmandu"}) == Setup(tz="Asia/Kathmandu")
    with pytest.raises(InvalidInput) as err:
        build_command("", [], {})
    assert err.value.message == "unknown command ''. Try /qotd help"


# ---------------------------------------------------------------- topics and difficulty helpers


def test_parse_topics():
    assert parse_topics("databases, Caching") == frozenset({"databases", "caching"})
    assert parse_topics("all") == frozenset()
    assert parse_topics("") == frozenset()
    with pytest.raises(InvalidInput) as err:
        parse_topics("databases,,caching")
    assert err.value.message == f"unknown topic ''. {TOPIC_LIST}"


@pytest.mark.parametrize(("text", "expected"), [("1", (1, 1)), ("3", (3, 3)), ("1-2", (1, 2)), ("2-2", (2, 2)), ("any", (1, 3))])
def test_parse_difficulty(text, expected):
    assert parse_difficulty(text) == expected


@pytest.mark.parametrize("text", ["0", "4", "3-1", "1-4", "-1", "one", "", "1-"])
def test_parse_difficulty_rejects(text):
    with pytest.raises(InvalidInput) as err:
        parse_difficulty(text)
    assert err.value.message == f"difficulty '{text}' {DIFFICULTY_HELP}"


# ---------------------------------------------------------------- admin-only


@pytest.mark.parametrize(
    ("text", "admin"),
    [
        ("/qotd setup time=09:00", True),
        ("/qotd setup", True),
        ("/qotd post", True),
        ("/qotd reveal", True),
        ("/qotd pause", True),
        ("/qotd resume", True),
        ("/qotd skip", True),
        ("/qotd status", False),
        ("/qotd leaderboard week", False),
        ("/qotd streak @bob", False),
        ("/qotd quiz databases", False),
        ("/qotd quiz answer", False),
        ("/qotd help setup", False),
    ],
)
def test_is_admin_only(text, admin):
    assert is_admin_only(parse_command(text)) is admin
