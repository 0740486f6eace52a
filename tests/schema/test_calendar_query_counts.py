"""The calendar, streaks and form of a leaderboard's players cost the same statements whatever the board's size."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory, set_privacy
from tests.schema.test_query_counts import VIEWER, board_nodes, players_with_history, run

pytestmark = pytest.mark.django_db

ROW = """username
  activityCalendar(timeZone: "Asia/Kathmandu") { days { date total coinsEarned } totals { total activeDays } }
  streaks(timeZone: "America/St_Johns") { currentWinStreak longestDailyStreak }
  form(last: 3) { result match { round tournament { name } } }"""
BOARD = "query($first: Int!) { leaderboard(metric: MATCHES_WON, first: $first) { edges { node { " + ROW + " } } } }"


def test_calendar_streaks_and_form_cost_the_same_for_3_and_30_players(client: Client, settings) -> None:
    # given 30 players with matches and ledger lines, and a staff viewer; 30 calendars cost more points than one
    # request may spend (the cost model keeps them off long lists), and this test counts SQL
    settings.GRAPHQL_MAX_QUERY_COST = 100_000
    players_with_history(30)
    client.force_login(UserFactory(is_staff=True))

    def board(size: int) -> int:
        count, data = run(client, BOARD, {"first": size})
        nodes = board_nodes(data)
        assert len(nodes) == size
        for node in nodes:
            assert node["activityCalendar"]["totals"]["activeDays"] >= 1
            assert node["form"]
            assert all(entry["match"]["tournament"]["name"] for entry in node["form"])
        return count

    # when the board is read with each player's calendar, streaks and form, for 3 players and for 30
    counts = [board(3), board(30)]

    # then both cost the viewer, the board, one statement each for the calendars, the streaks and the forms,
    # then the forms' matches and their tournaments
    assert counts == [VIEWER + 1 + 3 + 2] * 2


def test_a_visitors_board_with_mixed_settings_costs_the_same_for_4_and_20_players(client: Client, settings) -> None:
    # given 20 players with every combination of the two settings (so rows hide different event types), all of
    # them among the top 4 (the winners of the pairs, players 0, 2, 4 and 6, lead the board)
    settings.GRAPHQL_MAX_QUERY_COST = 100_000
    players = players_with_history(20)
    for index, player in enumerate(players):
        set_privacy(player, economy_public=index % 4 == 0, activity_public=index % 8 != 6)

    def board(size: int) -> int:
        count, data = run(client, BOARD, {"first": size})
        nodes = board_nodes(data)
        assert len(nodes) == size
        by_name = {player.username: index for index, player in enumerate(players)}
        for node in nodes:
            index = by_name[node["username"]]
            if index % 8 == 6:  # activity private: nothing of it for a visitor
                assert (node["activityCalendar"], node["streaks"], node["form"]) == (None, None, None)
            else:
                coins = node["activityCalendar"]["days"][-1]["coinsEarned"]
                assert (coins is not None) == (index % 4 == 0)
        return count

    # when an anonymous visitor reads the board at 4 and at 20 rows
    counts = [board(4), board(20)]

    # then both cost the board (with the players' settings), one statement per set of hidden event types (coins
    # hidden or not: two) for the calendars and for the streaks, one for the forms, their matches and tournaments
    assert counts == [1 + 2 + 2 + 1 + 2] * 2


def test_the_calendar_is_within_a_year_ending_today_by_default(client: Client) -> None:
    # given a player who played today
    players = players_with_history(2)
    query = "query($u: String!) { user(username: $u) { activityCalendar { from to totals { activeDays } } } }"

    # when the calendar is read without a range
    _, data = run(client, query, {"u": players[0].username})

    # then it runs 365 days to today (UTC) and holds today's events
    calendar = data["user"]["activityCalendar"]
    today = timezone.now().date()
    assert calendar["to"] == today.isoformat()
    assert calendar["from"] == (today - timedelta(days=364)).isoformat()
    assert calendar["totals"]["activeDays"] >= 1
