"""Time expressions resolve to absolute seconds since d1 00:00, relative to the question time."""

from __future__ import annotations

import pytest

from planners.language.time_expressions import DAY_S, HOUR_S, MINUTE_S, format_time, parse_time_expression

NOW = DAY_S + 20 * HOUR_S  # d2 20:00
TODAY = DAY_S
YESTERDAY = 0.0


def at(day: int, hh: int, mm: int = 0) -> float:
    return (day - 1) * DAY_S + hh * HOUR_S + mm * MINUTE_S


@pytest.mark.parametrize("text, point", [
    ("d2 08:30", at(2, 8, 30)),
    ("Where was the mug at d1 8:30?", at(1, 8, 30)),
    ("where was it on day 1 at 08:30", at(1, 8, 30)),
    ("d1 at 8:30 pm", at(1, 20, 30)),
    ("3 hours ago", NOW - 3 * HOUR_S),
    ("two hours ago", NOW - 2 * HOUR_S),
    ("an hour ago", NOW - HOUR_S),
    ("half an hour ago", NOW - 30 * MINUTE_S),
    ("45 minutes ago", NOW - 45 * MINUTE_S),
    ("1 day ago", NOW - DAY_S),
    ("at 9am", at(2, 9)),
    ("at 9:30", at(2, 9, 30)),
    ("at 21:30", at(1, 21, 30)),  # the most recent 21:30 before d2 20:00 is yesterday's
    ("at 8:30 pm", at(1, 20, 30)),
    ("at noon", at(2, 12)),
    ("yesterday at 9", at(1, 9)),
    ("at noon yesterday", at(1, 12)),
    ("this morning at 7:15", at(2, 7, 15)),
])
def test_points(text, point):
    ref = parse_time_expression(text, NOW)
    assert ref is not None
    assert ref.time == pytest.approx(point), format_time(ref.time)
    assert not ref.is_interval


@pytest.mark.parametrize("text, t0, t1, point", [
    ("yesterday", at(1, 0), at(2, 0), at(1, 12)),
    ("yesterday morning", at(1, 6), at(1, 12), at(1, 9)),
    ("yesterday afternoon", at(1, 12), at(1, 18), at(1, 15)),
    ("yesterday evening", at(1, 18), at(1, 22), at(1, 20)),
    ("this morning", at(2, 6), at(2, 12), at(2, 9)),
    ("this afternoon", at(2, 12), at(2, 18), at(2, 15)),
    ("this evening", at(2, 18), NOW, at(2, 20)),  # clipped to now
    ("today", at(2, 0), NOW, at(2, 10)),
    ("last night", at(1, 22), at(2, 6), at(1, 23)),
    ("in the last 3 hours", NOW - 3 * HOUR_S, NOW, NOW - 1.5 * HOUR_S),
    ("on d1", at(1, 0), at(2, 0), at(1, 12)),
])
def test_periods_have_an_interval_and_a_point_estimate(text, t0, t1, point):
    ref = parse_time_expression(text, NOW)
    assert ref is not None and ref.is_interval
    assert (ref.t0, ref.t1, ref.time) == pytest.approx((t0, t1, point))


@pytest.mark.parametrize("text, t0, t1", [
    ("since d1 08:00", at(1, 8), NOW),
    ("since yesterday", at(1, 0), NOW),
    ("since this morning", at(2, 6), NOW),
    ("between d1 08:00 and d1 20:00", at(1, 8), at(1, 20)),
    ("What changed in the kitchen between d1 08:00 and d1 20:00?", at(1, 8), at(1, 20)),
    ("from d1 9:00 to d2 07:30", at(1, 9), at(2, 7, 30)),
    ("between yesterday morning and this morning", at(1, 6), at(2, 12)),
    ("until d1 10:00", 0.0, at(1, 10)),
    ("Where was the mug between 8 and 9 this morning?", at(2, 8), at(2, 9)),
    ("yesterday between 7 and 8", at(1, 7), at(1, 8)),
    ("from 2 to 4pm yesterday", at(1, 14), at(1, 16)),
    ("between 8:30 and 10 on d1", at(1, 8, 30), at(1, 10)),
    ("between 8 and 9 this evening", at(2, 20), at(2, 21)),
    ("from 10 to 11 last night", at(1, 22), at(1, 23)),
])
def test_intervals(text, t0, t1):
    ref = parse_time_expression(text, NOW)
    assert ref is not None
    assert (ref.t0, ref.t1) == pytest.approx((t0, t1))
    assert ref.time is None


def test_span_points_at_the_expression():
    question = "Where did the cup sit yesterday morning?"
    ref = parse_time_expression(question, NOW)
    assert question[ref.span[0]:ref.span[1]] == "yesterday morning"
    assert ref.text == "yesterday morning"


@pytest.mark.parametrize("text", [
    "Where is the mug?", "When did you last see the keys?", "How many times was the fridge opened?",
    "When did you first see the book?", "Is the remote still in the house?", "",
])
def test_questions_without_time_have_none(text):
    assert parse_time_expression(text, NOW) is None


def test_last_night_asked_late_in_the_evening_is_the_night_before_not_the_one_under_way():
    # At 23:30 "last night" is the night that ended this morning; "tonight" is the one under way.
    late = at(2, 23, 30)
    ref = parse_time_expression("Where was the mug last night?", late)
    assert (ref.t0, ref.t1) == (at(1, 22), at(2, 6))
    assert parse_time_expression("Where was the mug tonight?", late).t0 == at(2, 18)


def test_last_night_asked_before_dawn_is_the_night_still_under_way():
    early = at(3, 2, 0)
    ref = parse_time_expression("last night", early)
    assert (ref.t0, ref.t1) == (at(2, 22), early)


def test_this_evening_asked_in_the_morning_is_still_to_come():
    morning = at(2, 9, 0)
    ref = parse_time_expression("Where will the mug be this evening?", morning)
    assert (ref.t0, ref.t1, ref.time) == (at(2, 18), at(2, 22), at(2, 20))
    assert ref.t0 > morning, "not clipped to a zero-length interval at the time of asking"


def test_the_day_before_yesterday_is_the_whole_day_two_days_back():
    ref = parse_time_expression("Where was the mug the day before yesterday?", at(4, 10))
    assert (ref.t0, ref.t1, ref.time) == (at(2, 0), at(3, 0), at(2, 12))
    ref = parse_time_expression("the day before yesterday in the evening", at(4, 10))
    assert (ref.t0, ref.t1) == (at(2, 18), at(2, 22))


def test_weekday_names_resolve_only_with_a_calendar():
    from planners.language.time_expressions import weekday_reference

    now = at(4, 10)  # d1 a Monday -> d4 a Thursday
    ref = weekday_reference("where was the mug on tuesday?", now, "monday")
    assert (ref.t0, ref.t1) == (at(2, 0), at(3, 0))
    evening = weekday_reference("where was the mug on monday evening", now, "monday")
    assert (evening.t0, evening.t1) == (at(1, 18), at(1, 22))
    same_day = weekday_reference("on thursday", now, "monday")
    assert isinstance(same_day, str) and "before memory began" in same_day  # a week back: before d1
    reason = weekday_reference("where was the mug on tuesday?", now, None)
    assert isinstance(reason, str) and "calendar" in reason
    assert weekday_reference("where is the mug?", now, "monday") is None


def test_relative_times_never_go_before_the_origin():
    assert parse_time_expression("5 hours ago", 2 * HOUR_S).time == 0.0


def test_format_time_round_trips_the_scenario_format():
    assert format_time(at(2, 8, 30)) == "d2 08:30"
    assert parse_time_expression(format_time(at(3, 17, 5)), NOW).time == at(3, 17, 5)


def test_weeks_are_the_last_seven_days():
    now = at(7, 15)
    ref = parse_time_expression("How many times was the fridge opened this week?", now)
    assert (ref.t0, ref.t1) == (at(1, 0), now)
    ref = parse_time_expression("How many times was the fridge opened last week?", at(10, 9))
    assert (ref.t0, ref.t1) == (0.0, at(4, 0))  # clamped to the origin
    ref = parse_time_expression("last week", at(20, 9))
    assert (ref.t0, ref.t1) == (at(7, 0), at(14, 0))
