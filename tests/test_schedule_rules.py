"""Time rules: parsing what people type, and the exact UTC instants posts and reveals happen at.

Every expected instant below was worked out by hand from the zone's rules
(offsets and transition times) and double-checked against zoneinfo in a
scratch script; they are hard-coded so a change in behaviour shows up here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput
from bot.schedule_rules import (
    PostingRule,
    RevealRule,
    format_days,
    local_instant,
    parse_days,
    parse_duration,
    parse_post_time,
    parse_reveal,
    parse_zone,
)

UTC = timezone.utc
DAILY = frozenset(range(7))


def utc(text: str) -> datetime:
    """'2026-03-29T01:30' -> an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(instants: list[datetime]) -> list[str]:
    return [i.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for i in instants]


def rule(at: str, zone: str, days: frozenset[int] = DAILY) -> PostingRule:
    return PostingRule(at=parse_post_time(at), zone=ZoneInfo(zone), days=days)


# ---------------------------------------------------------------- parsing: times


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9, 0)), ("9:05", time(9, 5)), ("00:00", time(0, 0)), ("23:59", time(23, 59)), (" 17:30 ", time(17, 30))],
)
def test_parse_post_time_accepts_24_hour_times(text, expected):
    assert parse_post_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", "time '25:00' is not a valid time of day; use 00:00 to 23:59"),
        ("24:00", "time '24:00' is not a valid time of day; use 00:00 to 23:59"),
        ("12:60", "time '12:60' is not a valid time of day; use 00:00 to 23:59"),
        ("9am", "time '9am' is not HH:MM (24-hour), e.g. time=09:00"),
        ("", "time '' is not HH:MM (24-hour), e.g. time=09:00"),
        ("9", "time '9' is not HH:MM (24-hour), e.g. time=09:00"),
        ("09:5", "time '09:5' is not HH:MM (24-hour), e.g. time=09:00"),
        ("-1:00", "time '-1:00' is not HH:MM (24-hour), e.g. time=09:00"),
    ],
)
def test_parse_post_time_rejects_bad_times_naming_them(text, message):
    with pytest.raises(InvalidInput) as err:
        parse_post_time(text)
    assert err.value.message == message


# ---------------------------------------------------------------- parsing: zones


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC", " Europe/Berlin "]
)
def test_parse_zone_accepts_iana_names(name):
    assert parse_zone(name).key == name.strip()


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc", "/etc/passwd", "Europe/../Europe/Berlin", "", "Europe/Berlin/", "Berlin Time"])
def test_parse_zone_rejects_unknown_or_path_like_names_quoting_them(name):
    with pytest.raises(InvalidInput) as err:
        parse_zone(name)
    assert err.value.message.startswith(f"unknown time zone '{name}'; use an IANA name such as Europe/Berlin")


def test_parse_zone_hints_at_the_right_spelling():
    with pytest.raises(InvalidInput) as err:
        parse_zone("europe/berlin")
    assert err.value.message == (
        "unknown time zone 'europe/berlin'; use an IANA name such as Europe/Berlin (did you mean Europe/Berlin?)"
    )


@pytest.mark.parametrize("name", ["CET", "CET ", "EST"])
def test_parse_zone_rejects_abbreviations(name):
    with pytest.raises(InvalidInput) as err:
        parse_zone(name)
    assert f"'{name}'" in err.value.message


# ---------------------------------------------------------------- parsing: days


@pytest.mark.parametrize(
    ("spec", "expected", "canonical"),
    [
        ("daily", {0, 1, 2, 3, 4, 5, 6}, "daily"),
        ("weekdays", {0, 1, 2, 3, 4}, "mon-fri"),
        ("mon-fri", {0, 1, 2, 3, 4}, "mon-fri"),
        ("Mon-Fri", {0, 1, 2, 3, 4}, "mon-fri"),
        ("mon,wed,fri", {0, 2, 4}, "mon,wed,fri"),
        ("monday, wednesday", {0, 2}, "mon,wed"),
        ("fri-mon", {4, 5, 6, 0}, "mon,fri,sat,sun"),
        ("sat-sun", {5, 6}, "sat,sun"),
        ("weekends", {5, 6}, "sat,sun"),
        ("wed-wed", {2}, "wed"),
        ("mon-wed,sat", {0, 1, 2, 5}, "mon,tue,wed,sat"),
    ],
)
def test_parse_days_and_its_canonical_form(spec, expected, canonical):
    days = parse_days(spec)
    assert days == frozenset(expected)
    assert format_days(days) == canonical
    assert parse_days(format_days(days)) == days


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("funday", "days 'funday': 'funday' is not a week day; use daily, mon-fri, or a list like mon,wed,fri"),
        ("mon,funday", "days 'mon,funday': 'funday' is not a week day; use daily, mon-fri, or a list like mon,wed,fri"),
        ("mon-funday", "days 'mon-funday': 'funday' is not a week day; use daily, mon-fri, or a list like mon,wed,fri"),
        ("mon,,fri", "days 'mon,,fri' has an empty entry; use e.g. days=mon,wed,fri"),
    ],
)
def test_parse_days_rejects_unknown_days_naming_them(spec, message):
    with pytest.raises(InvalidInput) as err:
        parse_days(spec)
    assert err.value.message == message


# ---------------------------------------------------------------- parsing: durations and reveal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8h", timedelta(hours=8)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("3d", timedelta(days=3)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1h", "duration '-1h' is negative; use a positive duration like 8h or 90m"),
        ("0m", "duration '0m' must be longer than zero"),
        ("8x", "duration '8x' is not a duration; use e.g. 90m, 8h, 1h30m or 3d"),
        ("8", "duration '8' is not a duration; use e.g. 90m, 8h, 1h30m or 3d"),
        ("h", "duration 'h' is not a duration; use e.g. 90m, 8h, 1h30m or 3d"),
        ("", "duration is empty; use e.g. 90m, 8h or 3d"),
    ],
)
def test_parse_duration_rejects_bad_values(text, message):
    with pytest.raises(InvalidInput) as err:
        parse_duration(text)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("text", "rule", "shown"),
    [
        ("8h", RevealRule(delay=timedelta(hours=8)), "8h"),
        ("90m", RevealRule(delay=timedelta(minutes=90)), "1h30m"),
        ("1h30m", RevealRule(delay=timedelta(minutes=90)), "1h30m"),
        ("7d", RevealRule(delay=timedelta(days=7)), "7d"),
        ("17:00", RevealRule(at=time(17, 0)), "17:00"),
        ("9:30", RevealRule(at=time(9, 30)), "09:30"),
    ],
)
def test_parse_reveal(text, rule, shown):
    parsed = parse_reveal(text)
    assert parsed == rule
    assert str(parsed) == shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1h", "reveal '-1h' is negative; use a positive duration like 8h or 90m"),
        ("0m", "reveal '0m' must be longer than zero"),
        ("8x", "reveal '8x' is not a duration; use e.g. 90m, 8h, 1h30m or 3d"),
        ("8d", "reveal '8d' is longer than 7 days; choose a shorter delay"),
        ("7d1m", "reveal '7d1m' is longer than 7 days; choose a shorter delay"),
        ("25:00", "time '25:00' is not a valid time of day; use 00:00 to 23:59"),
        ("", "reveal is empty; use e.g. 90m, 8h or 3d"),
    ],
)
def test_parse_reveal_rejects_bad_values(text, message):
    with pytest.raises(InvalidInput) as err:
        parse_reveal(text)
    assert err.value.message == message


# ---------------------------------------------------------------- DST: spring forward (gap)

# (zone, local time inside the gap, first local day, UTC instants for that day
#  and the next two, local wall time shown on the transition day)
SPRING_FORWARD = [
    # Berlin 2026-03-29 02:00 CET(+1) -> 03:00 CEST(+2)
    ("Europe/Berlin", "02:30", date(2026, 3, 28), ["2026-03-28T01:30", "2026-03-29T01:30", "2026-03-30T00:30"], "03:30"),
    # New York 2026-03-08 02:00 EST(-5) -> 03:00 EDT(-4)
    ("America/New_York", "02:30", date(2026, 3, 7), ["2026-03-07T07:30", "2026-03-08T07:30", "2026-03-09T06:30"], "03:30"),
    # Sydney 2026-10-04 02:00 AEST(+10) -> 03:00 AEDT(+11) (southern spring)
    ("Australia/Sydney", "02:30", date(2026, 10, 3), ["2026-10-02T16:30", "2026-10-03T16:30", "2026-10-04T15:30"], "03:30"),
    # St John's 2026-03-08 02:00 NST(-3:30) -> 03:00 NDT(-2:30)
    ("America/St_Johns", "02:30", date(2026, 3, 7), ["2026-03-07T06:00", "2026-03-08T06:00", "2026-03-09T05:00"], "03:30"),
    # Lord Howe 2026-10-04 02:00 (+10:30) -> 02:30 (+11): a 30-minute gap
    ("Australia/Lord_Howe", "02:15", date(2026, 10, 3), ["2026-10-02T15:45", "2026-10-03T15:45", "2026-10-04T15:15"], "02:45"),
]


@pytest.mark.parametrize(("zone", "at", "start", "expected", "shown"), SPRING_FORWARD, ids=[c[0] for c in SPRING_FORWARD])
def test_time_in_spring_forward_gap_fires_after_the_gap(zone, at, start, expected, shown):
    posting = rule(at, zone)
    instants = posting.occurrences_from(start, 3)
    assert iso(instants) == expected
    # one post per local day, each on its own day
    assert [posting.local_day_of(i) for i in instants] == [start + timedelta(days=n) for n in range(3)]
    # on the transition day the post shows the equivalent wall time after the gap
    assert instants[1].astimezone(posting.zone).strftime("%H:%M") == shown
    # on the days around it the wall time is what was asked for
    assert instants[0].astimezone(posting.zone).strftime("%H:%M") == at
    assert instants[2].astimezone(posting.zone).strftime("%H:%M") == at


# ---------------------------------------------------------------- DST: fall back (overlap)

FALL_BACK = [
    # Berlin 2026-10-25 03:00 CEST(+2) -> 02:00 CET(+1): 02:30 happens twice
    ("Europe/Berlin", "02:30", date(2026, 10, 24), ["2026-10-24T00:30", "2026-10-25T00:30", "2026-10-26T01:30"]),
    # New York 2026-11-01 02:00 EDT(-4) -> 01:00 EST(-5): 01:30 happens twice
    ("America/New_York", "01:30", date(2026, 10, 31), ["2026-10-31T05:30", "2026-11-01T05:30", "2026-11-02T06:30"]),
    # Sydney 2026-04-05 03:00 AEDT(+11) -> 02:00 AEST(+10) (southern autumn)
    ("Australia/Sydney", "02:30", date(2026, 4, 4), ["2026-04-03T15:30", "2026-04-04T15:30", "2026-04-05T16:30"]),
    # St John's 2026-11-01 02:00 NDT(-2:30) -> 01:00 NST(-3:30)
    ("America/St_Johns", "01:30", date(2026, 10, 31), ["2026-10-31T04:00", "2026-11-01T04:00", "2026-11-02T05:00"]),
    # Lord Howe 2026-04-05 02:00 (+11) -> 01:30 (+10:30): 01:30-02:00 happens twice
    ("Australia/Lord_Howe", "01:45", date(2026, 4, 4), ["2026-04-03T14:45", "2026-04-04T14:45", "2026-04-05T15:15"]),
]


@pytest.mark.parametrize(("zone", "at", "start", "expected"), FALL_BACK, ids=[c[0] for c in FALL_BACK])
def test_ambiguous_fall_back_time_fires_once_at_its_first_occurrence(zone, at, start, expected):
    posting = rule(at, zone)
    instants = posting.occurrences_from(start, 3)
    assert iso(instants) == expected
    assert [posting.local_day_of(i) for i in instants] == [start + timedelta(days=n) for n in range(3)]
    assert [i.astimezone(posting.zone).strftime("%H:%M") for i in instants] == [at, at, at]
    # the transition-day post is the first of the two: still on the summer offset
    first = instants[1]
    shift = first.astimezone(posting.zone).utcoffset() - instants[2].astimezone(posting.zone).utcoffset()
    assert shift > timedelta(0)
    second = first + shift
    assert second.astimezone(posting.zone).strftime("%H:%M") == at  # the wall time really repeats...
    # ...but the repeat is not a post: the next one after the first is the next day's
    assert posting.next_after(first) == instants[2]
    assert posting.next_after(second) == instants[2]


# ---------------------------------------------------------------- DST: ordinary times on transition days

ORDINARY = [
    ("Europe/Berlin", date(2026, 3, 28), ["2026-03-28T08:00", "2026-03-29T07:00", "2026-03-30T07:00"]),
    ("Europe/Berlin", date(2026, 10, 24), ["2026-10-24T07:00", "2026-10-25T08:00", "2026-10-26T08:00"]),
    ("America/New_York", date(2026, 3, 7), ["2026-03-07T14:00", "2026-03-08T13:00", "2026-03-09T13:00"]),
    ("America/New_York", date(2026, 10, 31), ["2026-10-31T13:00", "2026-11-01T14:00", "2026-11-02T14:00"]),
    ("Australia/Sydney", date(2026, 4, 4), ["2026-04-03T22:00", "2026-04-04T23:00", "2026-04-05T23:00"]),
    ("Australia/Sydney", date(2026, 10, 3), ["2026-10-02T23:00", "2026-10-03T22:00", "2026-10-04T22:00"]),
    ("America/St_Johns", date(2026, 3, 7), ["2026-03-07T12:30", "2026-03-08T11:30", "2026-03-09T11:30"]),
    ("America/St_Johns", date(2026, 10, 31), ["2026-10-31T11:30", "2026-11-01T12:30", "2026-11-02T12:30"]),
    ("Australia/Lord_Howe", date(2026, 4, 4), ["2026-04-03T22:00", "2026-04-04T22:30", "2026-04-05T22:30"]),
    ("Australia/Lord_Howe", date(2026, 10, 3), ["2026-10-02T22:30", "2026-10-03T22:00", "2026-10-04T22:00"]),
]


@pytest.mark.parametrize(("zone", "start", "expected"), ORDINARY, ids=[f"{c[0]}-{c[1]}" for c in ORDINARY])
def test_ordinary_time_keeps_its_wall_clock_time_on_transition_days(zone, start, expected):
    posting = rule("09:00", zone)
    instants = posting.occurrences_from(start, 3)
    assert iso(instants) == expected
    assert [i.astimezone(posting.zone).strftime("%H:%M") for i in instants] == ["09:00"] * 3
    assert [posting.local_day_of(i) for i in instants] == [start + timedelta(days=n) for n in range(3)]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 3, 28), ["2026-03-27T20:45", "2026-03-28T20:45", "2026-03-29T20:45"]),
        (date(2026, 10, 24), ["2026-10-23T20:45", "2026-10-24T20:45", "2026-10-25T20:45"]),
    ],
)
def test_kathmandu_has_no_dst_and_a_quarter_hour_offset(start, expected):
    posting = rule("02:30", "Asia/Kathmandu")
    assert iso(posting.occurrences_from(start, 3)) == expected


def test_gap_edges_in_berlin():
    zone = ZoneInfo("Europe/Berlin")
    day = date(2026, 3, 29)
    assert local_instant(day, time(1, 59), zone) == utc("2026-03-29T00:59")
    assert local_instant(day, time(2, 0), zone) == utc("2026-03-29T01:00")
    assert local_instant(day, time(2, 59), zone) == utc("2026-03-29T01:59")
    assert local_instant(day, time(3, 0), zone) == utc("2026-03-29T01:00")
    assert local_instant(day, time(3, 1), zone) == utc("2026-03-29T01:01")


def test_local_instant_returns_aware_utc():
    instant = local_instant(date(2026, 7, 1), time(9, 0), ZoneInfo("Europe/Berlin"))
    assert instant.utcoffset() == timedelta(0)
    assert instant == utc("2026-07-01T07:00")


def test_gap_across_midnight_keeps_one_slot_per_local_day():
    posting = rule("23:30", "America/Nuuk")
    if local_instant(date(2026, 3, 28), time(23, 30), posting.zone) != utc("2026-03-29T01:30"):
        pytest.skip("this tzdata does not have Greenland's 23:00 spring-forward")
    instants = posting.occurrences_from(date(2026, 3, 27), 3)
    assert iso(instants) == ["2026-03-28T01:30", "2026-03-29T01:30", "2026-03-30T00:30"]
    assert [posting.local_day_of(i) for i in instants] == [date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 29)]


# ---------------------------------------------------------------- next_after


def test_next_after_is_strictly_after():
    posting = rule("09:00", "Europe/Berlin")
    occurrence = utc("2026-03-28T08:00")
    assert posting.next_after(occurrence - timedelta(microseconds=1)) == occurrence
    assert posting.next_after(occurrence) == utc("2026-03-29T07:00")
    assert posting.next_after(occurrence + timedelta(hours=12)) == utc("2026-03-29T07:00")


def test_next_after_across_the_gap_and_the_overlap():
    assert rule("02:30", "Europe/Berlin").next_after(utc("2026-03-28T01:30")) == utc("2026-03-29T01:30")
    assert rule("02:30", "Europe/Berlin").next_after(utc("2026-03-29T01:30")) == utc("2026-03-30T00:30")
    # between the two 02:30s of 2026-10-25 (00:30Z and 01:30Z): nothing more that day
    assert rule("02:30", "Europe/Berlin").next_after(utc("2026-10-25T01:00")) == utc("2026-10-26T01:30")


def test_weekday_filter_skips_weekends():
    posting = rule("09:00", "Europe/Berlin", parse_days("mon-fri"))
    # 2026-03-27 is a Friday; the clocks change on Sunday the 29th
    assert iso(posting.occurrences_from(date(2026, 3, 27), 3)) == [
        "2026-03-27T08:00",
        "2026-03-30T07:00",
        "2026-03-31T07:00",
    ]
    assert posting.next_after(utc("2026-03-27T08:00")) == utc("2026-03-30T07:00")
    assert posting.occurrence_on(date(2026, 3, 28)) is None


def test_weekday_filter_uses_the_local_date():
    # Monday 08:00 in Auckland (NZDT, +13) is Sunday 19:00 UTC
    mondays = rule("08:00", "Pacific/Auckland", frozenset({0}))
    first = mondays.next_after(utc("2026-11-22T00:00"))
    assert first == utc("2026-11-22T19:00")
    assert first.weekday() == 6  # a Sunday in UTC...
    assert mondays.local_day_of(first) == date(2026, 11, 23)  # ...but a Monday where the team is
    assert iso(mondays.occurrences_from(date(2026, 11, 23), 2)) == ["2026-11-22T19:00", "2026-11-29T19:00"]
    # Sunday 2026-11-22 08:00 local was 2026-11-21T19:00Z, already past: next Sunday
    sundays = rule("08:00", "Pacific/Auckland", frozenset({6}))
    assert sundays.next_after(utc("2026-11-22T00:00")) == utc("2026-11-28T19:00")


def test_occurrences_start_at_local_midnight_of_the_start_day():
    posting = rule("00:30", "Pacific/Auckland")
    # local midnight of 2026-11-23 is 2026-11-22T11:00Z; the 00:30 post that day is 11:30Z
    assert iso(posting.occurrences_from(date(2026, 11, 23), 2)) == ["2026-11-22T11:30", "2026-11-23T11:30"]


def test_next_after_needs_a_day():
    with pytest.raises(InvalidInput) as err:
        PostingRule(at=time(9, 0), zone=ZoneInfo("UTC"), days=frozenset()).next_after(utc("2026-01-01T00:00"))
    assert err.value.message == "a schedule needs at least one week day"


# ---------------------------------------------------------------- reveal_after


BERLIN = ZoneInfo("Europe/Berlin")


def test_reveal_delay_counts_from_posting():
    assert RevealRule(delay=timedelta(hours=8)).reveal_after(utc("2026-06-01T07:00"), BERLIN) == utc("2026-06-01T15:00")
    assert RevealRule(delay=timedelta(minutes=90)).reveal_after(utc("2026-06-01T07:00"), BERLIN) == utc("2026-06-01T08:30")


def test_reveal_delay_is_elapsed_time_across_dst():
    # posted 02:30 CET-equivalent on the spring-forward night (01:30Z = 03:30 CEST): 8 real hours later
    revealed = RevealRule(delay=timedelta(hours=8)).reveal_after(utc("2026-03-29T01:30"), BERLIN)
    assert revealed == utc("2026-03-29T09:30")
    assert revealed.astimezone(BERLIN).strftime("%H:%M") == "11:30"
    # New York fall back: 01:30 EDT + 8h = 08:30 EST
    new_york = ZoneInfo("America/New_York")
    revealed = RevealRule(delay=timedelta(hours=8)).reveal_after(utc("2026-11-01T05:30"), new_york)
    assert revealed == utc("2026-11-01T13:30")
    assert revealed.astimezone(new_york).strftime("%H:%M") == "08:30"


def test_reveal_time_of_day_same_day():
    # posted 09:00 CET, reveal at 17:00 CET the same day
    assert RevealRule(at=time(17, 0)).reveal_after(utc("2026-03-28T08:00"), BERLIN) == utc("2026-03-28T16:00")


def test_reveal_time_of_day_already_passed_rolls_to_next_day_across_dst():
    # posted 18:00 CET on Saturday 28 March; next 17:00 is Sunday, already CEST (+2)
    assert RevealRule(at=time(17, 0)).reveal_after(utc("2026-03-28T17:00"), BERLIN) == utc("2026-03-29T15:00")
    # posted exactly at 17:00: that moment is not "after", so the next day
    assert RevealRule(at=time(17, 0)).reveal_after(utc("2026-03-28T16:00"), BERLIN) == utc("2026-03-29T15:00")
    # fall back: posted 18:00 CEST on 24 October, reveal 17:00 CET on the 25th
    assert RevealRule(at=time(17, 0)).reveal_after(utc("2026-10-24T16:00"), BERLIN) == utc("2026-10-25T16:00")


def test_reveal_time_uses_the_local_day_of_the_post():
    # posted Monday 08:00 NZDT (Sunday 19:00Z); reveal 17:00 that Monday = 04:00Z Monday
    auckland = ZoneInfo("Pacific/Auckland")
    assert RevealRule(at=time(17, 0)).reveal_after(utc("2026-11-22T19:00"), auckland) == utc("2026-11-23T04:00")


def test_reveal_time_in_the_overlap_fires_once():
    rule_ = RevealRule(at=time(2, 30))
    # posted 02:00 CEST on the fall-back night: reveal at the first 02:30 (CEST)
    assert rule_.reveal_after(utc("2026-10-25T00:00"), BERLIN) == utc("2026-10-25T00:30")
    # posted 02:45 CEST, between the two 02:30s: the repeat does not count, next day 02:30 CET
    assert rule_.reveal_after(utc("2026-10-25T00:45"), BERLIN) == utc("2026-10-26T01:30")


def test_reveal_time_in_the_gap_fires_after_it():
    # reveal at 02:30 on the spring-forward night in New York: 03:30 EDT = 07:30Z
    new_york = ZoneInfo("America/New_York")
    assert RevealRule(at=time(2, 30)).reveal_after(utc("2026-03-08T05:00"), new_york) == utc("2026-03-08T07:30")
