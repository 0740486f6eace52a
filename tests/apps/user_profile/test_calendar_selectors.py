"""The calendar, streak and form selectors: local days in odd offsets and across daylight-saving changes."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.user_profile.event_types import COIN_EVENT_TYPES
from apps.user_profile.selectors.activity import InvalidPageArgumentsError
from apps.user_profile.selectors.calendar import (
    InvalidCalendarArgumentError,
    calendar_of,
    calendar_range,
    validate_time_zone,
)
from apps.user_profile.selectors.streaks import _form_sql, form_of, streaks_of
from tests.apps.user_profile.calendar_history import record_step
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days_of(user_id: int, start: date, end: date, zone: str) -> dict[date, int]:
    calendar = calendar_of(owner_ids=[user_id], start=start, end=end, time_zone=zone)[user_id]
    return {day.date: day.total for day in calendar.days}


def test_kathmandu_days_turn_at_18_15_utc() -> None:
    # given two events a minute apart around midnight in Kathmandu (+05:45)
    player = UserFactory()
    record_step(user_id=player.pk, step="achievement", at=utc(2026, 3, 1, 18, 14))  # 23:59 local
    record_step(user_id=player.pk, step="achievement", at=utc(2026, 3, 1, 18, 15))  # 00:00 local, next day

    # when the calendar is read in Kathmandu and in UTC
    kathmandu = days_of(player.pk, date(2026, 3, 1), date(2026, 3, 2), "Asia/Kathmandu")
    in_utc = days_of(player.pk, date(2026, 3, 1), date(2026, 3, 2), "UTC")

    # then Kathmandu splits them over two days; UTC has both on the 1st
    assert kathmandu == {date(2026, 3, 1): 1, date(2026, 3, 2): 1}
    assert in_utc == {date(2026, 3, 1): 2}


def test_st_johns_days_turn_at_03_30_utc_in_winter_and_02_30_in_summer() -> None:
    # given events either side of local midnight in St. John's, at -03:30 (January) and -02:30 (July)
    player = UserFactory()
    for at in (utc(2026, 1, 10, 3, 29), utc(2026, 1, 10, 3, 30), utc(2026, 7, 10, 2, 29), utc(2026, 7, 10, 2, 30)):
        record_step(user_id=player.pk, step="achievement", at=at)

    # when the calendar is read there
    days = days_of(player.pk, date(2026, 1, 1), date(2026, 12, 31), "America/St_Johns")

    # then each pair straddles two local days
    assert days == {date(2026, 1, 9): 1, date(2026, 1, 10): 1, date(2026, 7, 9): 1, date(2026, 7, 10): 1}


def test_berlin_spring_forward_day_has_23_hours() -> None:
    # given events at the edges of 29 March 2026 in Berlin (clocks go from 02:00 to 03:00: the day runs from
    # 23:00 UTC on the 28th to 22:00 UTC on the 29th)
    player = UserFactory()
    edges = (utc(2026, 3, 28, 22, 59), utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 21, 59), utc(2026, 3, 29, 22, 0))
    for at in edges:
        record_step(user_id=player.pk, step="achievement", at=at)

    # when the calendar is read in Berlin over that day only
    days = days_of(player.pk, date(2026, 3, 29), date(2026, 3, 29), "Europe/Berlin")

    # then exactly the two events inside the 23 hours count, and nothing outside the range is listed
    assert days == {date(2026, 3, 29): 2}


def test_new_york_fall_back_day_has_25_hours() -> None:
    # given events at the edges of 1 November 2026 in New York (04:00 UTC to 05:00 UTC the next day)
    player = UserFactory()
    for at in (utc(2026, 11, 1, 3, 59), utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 4, 59), utc(2026, 11, 2, 5, 0)):
        record_step(user_id=player.pk, step="achievement", at=at)

    # when the calendar is read in New York
    days = days_of(player.pk, date(2026, 10, 31), date(2026, 11, 2), "America/New_York")

    # then the long day holds the two events inside it
    assert days == {date(2026, 10, 31): 1, date(2026, 11, 1): 2, date(2026, 11, 2): 1}


def test_counts_by_kind_and_coin_sums_and_hidden_types() -> None:
    # given one day with a tournament, a win, a loss, an achievement and coin lines
    player = UserFactory()
    at = utc(2026, 5, 4, 12)
    for step in ("tournament", "win", "loss", "achievement"):
        record_step(user_id=player.pk, step=step, at=at)
    record_step(user_id=player.pk, step="earn", at=at, amount=250)
    record_step(user_id=player.pk, step="earn", at=at, amount=100)
    record_step(user_id=player.pk, step="spend", at=at, amount=40)

    # when read by the player, and without the coin events (what others see of a private economy)
    own = calendar_of(owner_ids=[player.pk], start=date(2026, 5, 4), end=date(2026, 5, 4), time_zone="UTC")
    other = calendar_of(
        owner_ids=[player.pk],
        start=date(2026, 5, 4),
        end=date(2026, 5, 4),
        time_zone="UTC",
        hidden_event_types=COIN_EVENT_TYPES,
    )

    # then each kind counts its event type, coins sum their amounts, and hidden events count nowhere
    (day,) = own[player.pk].days
    assert (day.tournaments, day.matches, day.wins, day.achievements) == (1, 2, 1, 1)
    assert (day.coins_earned, day.coins_spent) == (350, 40)
    assert day.total == 2 + 4 + 1 + 3
    (hidden,) = other[player.pk].days
    assert (hidden.total, hidden.coins_earned, hidden.coins_spent) == (7, 0, 0)
    assert own[player.pk].totals.total == 10
    assert own[player.pk].active_days == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 5, 2), date(2026, 5, 1), "is after `to`"),
        (date(2025, 1, 1), date(2026, 1, 2), "covers 367 days"),
        (date(1, 1, 1), date(1, 1, 5), "between the years 1 and 9999"),
    ],
)
def test_bad_ranges_say_why(start: date, end: date, message: str) -> None:
    with pytest.raises(InvalidCalendarArgumentError, match=message):
        calendar_range(start=start, end=end, time_zone="UTC")


def test_default_range_is_the_365_days_ending_today_in_the_zone() -> None:
    # given 20:00 UTC on 31 Dec 2026, already 1 Jan 2027 in Kathmandu
    now = utc(2026, 12, 31, 20)

    # when the ranges are computed without bounds, and with a start only
    kathmandu = calendar_range(start=None, end=None, time_zone="Asia/Kathmandu", now=now)
    from_start = calendar_range(start=date(2024, 3, 1), end=None, time_zone="UTC", now=now)

    # then
    assert kathmandu == (date(2026, 1, 2), date(2027, 1, 1))
    assert from_start == (date(2024, 3, 1), date(2025, 2, 28))


@pytest.mark.parametrize("name", ["Mars/Olympus", "utc+5", "../../etc/passwd", "", "x" * 500, "Europe/Berlin\x00"])
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidCalendarArgumentError, match="Unknown time zone"):
        validate_time_zone(name)


def test_win_streaks_break_on_losses_and_draws() -> None:
    # given W W L W W W D W, one match a day
    player = UserFactory()
    for n, step in enumerate(["win", "win", "loss", "win", "win", "win", "draw", "win"]):
        record_step(user_id=player.pk, step=step, at=utc(2026, 6, 1 + n, 12))

    # when
    streaks = streaks_of(owner_ids=[player.pk], time_zone="UTC", now=utc(2026, 6, 8, 13))[player.pk]

    # then the latest run is one win, the longest three; eight consecutive active days end today
    assert (streaks.current_win_streak, streaks.longest_win_streak) == (1, 3)
    assert (streaks.current_daily_streak, streaks.longest_daily_streak) == (8, 8)
    assert streaks.last_active_day == date(2026, 6, 8)


def test_daily_streak_counts_until_yesterday_and_follows_the_zone() -> None:
    # given activity at 20:00 UTC on 1, 2 and 3 June (already the next day in Kathmandu), then nothing
    player = UserFactory()
    for day in (1, 2, 3):
        record_step(user_id=player.pk, step="achievement", at=utc(2026, 6, day, 20))

    def current(zone: str, now: datetime) -> int:
        return streaks_of(owner_ids=[player.pk], time_zone=zone, now=now)[player.pk].current_daily_streak

    # then on 4 June (UTC) the streak still stands (it ended yesterday), on 5 June it is over; in Kathmandu the
    # days are 2-4 June, so at 19:00 UTC on 5 June (00:45 on the 6th there) it is over too, and at 18:00 not
    assert current("UTC", utc(2026, 6, 4, 23)) == 3
    assert current("UTC", utc(2026, 6, 5, 0, 1)) == 0
    assert current("Asia/Kathmandu", utc(2026, 6, 5, 18)) == 3
    assert current("Asia/Kathmandu", utc(2026, 6, 5, 19)) == 0
    longest = streaks_of(owner_ids=[player.pk], time_zone="Asia/Kathmandu", now=utc(2026, 7, 1))[player.pk]
    assert (longest.longest_daily_streak, longest.last_active_day) == (3, date(2026, 6, 4))


def test_a_player_without_events_has_zero_streaks_and_no_form() -> None:
    player = UserFactory()
    streaks = streaks_of(owner_ids=[player.pk], time_zone="UTC")[player.pk]
    assert (streaks.current_win_streak, streaks.longest_win_streak, streaks.longest_daily_streak) == (0, 0, 0)
    assert streaks.last_active_day is None
    assert form_of(owner_ids=[player.pk], last=5) == {player.pk: []}


def test_form_lists_the_latest_outcomes_newest_first() -> None:
    # given five matches and other events between them
    player = UserFactory()
    matches = []
    for n, step in enumerate(["win", "loss", "draw", "win", "win"]):
        matches.append(record_step(user_id=player.pk, step=step, at=utc(2026, 6, 1 + n)))
        record_step(user_id=player.pk, step="achievement", at=utc(2026, 6, 1 + n, 1))

    # when the latest three are read
    form = form_of(owner_ids=[player.pk], last=3)[player.pk]

    # then
    assert [(entry.result, entry.match_id) for entry in form] == [
        ("WIN", matches[4]),
        ("WIN", matches[3]),
        ("DRAW", matches[2]),
    ]
    assert form[0].completed_at == utc(2026, 6, 5)


@pytest.mark.parametrize("last", [-1, 21])
def test_form_size_is_bounded(last: int) -> None:
    with pytest.raises(InvalidPageArgumentsError, match="between 0 and 20"):
        form_of(owner_ids=[1], last=last)


def test_form_runs_as_a_prepared_statement_seen_by_the_execute_wrappers() -> None:
    # given two players with matches
    players = [UserFactory(), UserFactory()]
    for n, player in enumerate(players):
        record_step(user_id=player.pk, step="win", at=utc(2026, 6, 1 + n))
        record_step(user_id=player.pk, step="loss", at=utc(2026, 6, 2 + n))
    executed: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    # when their forms are read twice, counted by an execute wrapper and Django's query log
    with connection.execute_wrapper(count), CaptureQueriesContext(connection) as logged:
        first = form_of(owner_ids=[p.pk for p in players], last=5)
        again = form_of(owner_ids=[p.pk for p in players], last=5)

    # then the same answers, one statement each, seen by both; and the statement is prepared on the connection
    assert first == again
    assert [entry.result for entry in first[players[0].pk]] == ["LOSS", "WIN"]
    assert len(executed) == 2
    assert len(logged.captured_queries) == 2
    with connection.cursor() as cursor:
        form_start = _form_sql().split("FROM unnest")[0]  # before its first parameter
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE starts_with(statement, %s)", [form_start])
        assert cursor.fetchone()[0] == 1
