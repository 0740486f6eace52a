"""User.activityCalendar, User.streaks and User.form through the API: values, time zones, privacy, bad input
and cost."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from graphql import parse

from schema import schema
from schema.cost import requested_cost
from tests.apps.user_profile.calendar_history import record_step
from tests.factories import UserFactory, enter, make_tournament, play, set_privacy
from tests.schema.conftest import graphql

pytestmark = pytest.mark.django_db

CALENDAR = """
query($username: String!, $from: Date, $to: Date, $tz: String!) {
  user(username: $username) {
    activityCalendar(from: $from, to: $to, timeZone: $tz) {
      timeZone from to
      days { date total tournaments matches wins achievements coinsEarned coinsSpent }
      totals { total activeDays wins coinsEarned coinsSpent }
    }
  }
}
"""
STREAKS_AND_FORM = """
query($username: String!, $tz: String!, $last: Int!) {
  user(username: $username) {
    streaks(timeZone: $tz) { timeZone currentWinStreak longestWinStreak currentDailyStreak longestDailyStreak lastActiveDay }
    form(last: $last) { result completedAt match { round tournament { name } } }
  }
}
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_calendar_days_are_local_days_in_the_zone_asked_for(client: Client) -> None:
    # given a player's achievements at 18:14 and 18:15 UTC (23:59 and 00:00 in Kathmandu), seen by the player
    player = UserFactory()
    record_step(user_id=player.pk, step="achievement", at=utc(2026, 3, 1, 18, 14))
    record_step(user_id=player.pk, step="achievement", at=utc(2026, 3, 1, 18, 15))
    record_step(user_id=player.pk, step="earn", at=utc(2026, 3, 1, 18, 15), amount=70)
    client.force_login(player)
    variables = {"username": player.username, "from": "2026-03-01", "to": "2026-03-31"}

    # when the calendar is read in Kathmandu
    body = graphql(client, CALENDAR, {**variables, "tz": "Asia/Kathmandu"})

    # then two local days, the coins with the player's own second day
    calendar = body["data"]["user"]["activityCalendar"]
    assert (calendar["timeZone"], calendar["from"], calendar["to"]) == ("Asia/Kathmandu", "2026-03-01", "2026-03-31")
    assert [(d["date"], d["total"], d["achievements"], d["coinsEarned"]) for d in calendar["days"]] == [
        ("2026-03-01", 1, 1, "0"),
        ("2026-03-02", 2, 1, "70"),
    ]
    assert calendar["totals"] == {"total": 3, "activeDays": 2, "wins": 0, "coinsEarned": "70", "coinsSpent": "0"}


def test_others_see_no_coins_unless_the_economy_is_public(client: Client) -> None:
    # given a player with a match and a coin line on one day, read anonymously
    player = UserFactory()
    record_step(user_id=player.pk, step="win", at=utc(2026, 5, 4, 12))
    record_step(user_id=player.pk, step="earn", at=utc(2026, 5, 4, 13), amount=250)
    variables = {"username": player.username, "from": "2026-05-01", "to": "2026-05-31", "tz": "UTC"}

    # when read with a private economy, then with a public one
    private = graphql(client, CALENDAR, variables)["data"]["user"]["activityCalendar"]
    set_privacy(player, economy_public=True)
    public = graphql(client, CALENDAR, variables)["data"]["user"]["activityCalendar"]

    # then the private coin line counts nowhere, not even in the totals; public, it shows
    assert [(d["total"], d["wins"], d["coinsEarned"]) for d in private["days"]] == [(2, 1, None)]
    assert private["totals"]["total"] == 2
    assert private["totals"]["coinsEarned"] is None
    assert [(d["total"], d["coinsEarned"]) for d in public["days"]] == [(3, "250")]


def test_private_activity_hides_calendar_streaks_and_form_from_others(client: Client) -> None:
    # given a player who keeps their activity private
    player = UserFactory()
    record_step(user_id=player.pk, step="win", at=utc(2026, 5, 4, 12))
    set_privacy(player, activity_public=False)
    variables = {"username": player.username, "tz": "UTC", "last": 5}

    # when another player and the player themself ask
    client.force_login(UserFactory())
    other = graphql(client, STREAKS_AND_FORM, variables)
    calendar = graphql(client, CALENDAR, {"username": player.username, "tz": "UTC"})
    client.force_login(player)
    own = graphql(client, STREAKS_AND_FORM, variables)

    # then others get nulls (no error), the player everything
    assert other["data"]["user"] == {"streaks": None, "form": None}
    assert "errors" not in other
    assert calendar["data"]["user"]["activityCalendar"] is None
    assert own["data"]["user"]["streaks"]["longestWinStreak"] == 1
    assert [entry["result"] for entry in own["data"]["user"]["form"]] == ["WIN"]


def test_streaks_and_form_of_real_matches(client: Client) -> None:
    # given a player who won, lost, then won twice (one match a day, the last today)
    player, rival = UserFactory(), UserFactory()
    cup = make_tournament(name="Summer Cup")
    mine, theirs = enter(cup, player), enter(cup, rival)
    today = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    if today > timezone.now():
        today -= timedelta(days=1)
    for n, winner in enumerate([mine, theirs, mine, mine]):
        play(cup, mine, theirs, winner=winner, at=today - timedelta(days=3 - n), round=n + 1)

    # when
    body = graphql(client, STREAKS_AND_FORM, {"username": player.username, "tz": "UTC", "last": 3})

    # then
    user = body["data"]["user"]
    assert user["streaks"]["currentWinStreak"] == 2
    assert user["streaks"]["longestWinStreak"] == 2
    assert user["streaks"]["longestDailyStreak"] >= 4  # the entries happened around now too
    assert user["streaks"]["currentDailyStreak"] >= 4
    assert [(e["result"], e["match"]["round"], e["match"]["tournament"]["name"]) for e in user["form"]] == [
        ("WIN", 4, "Summer Cup"),
        ("WIN", 3, "Summer Cup"),
        ("LOSS", 2, "Summer Cup"),
    ]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"tz": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
        ({"tz": "UTC", "from": "2025-01-01", "to": "2026-01-02"}, "covers 367 days"),
        ({"tz": "UTC", "from": "2026-02-02", "to": "2026-02-01"}, "is after `to`"),
    ],
)
def test_bad_calendar_arguments_are_bad_input(client: Client, variables: dict, message: str) -> None:
    player = UserFactory()
    body = graphql(client, CALENDAR, {"username": player.username, **variables})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert message in body["errors"][0]["message"]
    assert body["data"]["user"]["activityCalendar"] is None


@pytest.mark.parametrize("value", ["2026-02-30", "2026-W01-1", "20260301", "yesterday", 20260301])
def test_dates_that_are_not_yyyy_mm_dd_days_are_bad_input(client: Client, value: object) -> None:
    player = UserFactory()
    body = graphql(client, CALENDAR, {"username": player.username, "tz": "UTC", "from": value})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "Invalid Date" in body["errors"][0]["message"]


def test_bad_streak_zone_and_form_size_are_bad_input(client: Client) -> None:
    player = UserFactory()
    body = graphql(client, STREAKS_AND_FORM, {"username": player.username, "tz": "Etc/Nowhere", "last": 21})
    assert codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert body["data"]["user"] == {"streaks": None, "form": None}


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        # user 1 + calendar 10 + days 366 x 1 + totals 1
        ('{ user(username: "a") { activityCalendar { days { date total } totals { total } } } }', 378),
        # user 1 + streaks 10
        ('{ user(username: "a") { streaks { currentWinStreak } } }', 11),
        # user 1 + 5 x (entry 1 + match 1 + tournament 1), the default `last`
        ('{ user(username: "a") { form { result match { round tournament { name } } } } }', 16),
        ('{ user(username: "a") { form(last: 20) { result match { round } } } }', 41),
        # a 2-row board: 1 + 2 x (edge 1 + node 1 + calendar 10 + 366 + totals 1)
        (
            "{ leaderboard(metric: MATCHES_WON, first: 2) { edges { node { activityCalendar { days { date } "
            "totals { total } } } } } }",
            759,
        ),
    ],
)
def test_costs_are_pinned(query: str, cost: int) -> None:
    assert requested_cost(schema=schema._schema, document=parse(query), operation_name=None, variables=None) == cost
