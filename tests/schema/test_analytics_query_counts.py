"""The analytics fields cost a constant number of statements whatever the number of players around them."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.analytics.services import season_create
from schema.node import to_global_id
from tests.factories import UserFactory
from tests.schema.test_query_counts import VIEWER, players_with_history, run

pytestmark = pytest.mark.django_db

ROW = """username
  segmentStats(game: "Valorant") { matchesPlayed matchesWon winRate totalEarned }
  window: segmentStats(season: $season) { tournamentsWon netEarnings }
  statsBreakdown(by: MONTH, timeZone: "Asia/Kathmandu") { key season { name } stats { matchesWon } }
  rank(metric: MATCHES_WON) { rank percentile }
  seasonRank: rank(metric: WIN_RATE, season: $season, minMatches: 1) { rank rankedPlayers }"""
BOARD = (
    "query($first: Int!, $season: ID) { leaderboard(metric: MATCHES_WON, first: $first) { edges { node { "
    + ROW
    + " } } } }"
)
SEGMENT_BOARD = (
    'query($first: Int!, $season: ID) { leaderboard(metric: MATCHES_WON, first: $first, game: "Valorant") '
    "{ edges { rank node { " + ROW + " } } } }"
)


def season_id() -> str:
    now = timezone.now()
    return to_global_id("Season", season_create(name="Now", starts_at=now - timedelta(days=30), ends_at=now).pk)


def test_analytics_under_a_leaderboard_cost_the_same_for_3_and_30_players(client: Client, settings) -> None:
    # given 30 players with tournaments, matches and ledger lines, a season, and a staff viewer
    settings.GRAPHQL_MAX_QUERY_COST = 10_000
    players_with_history(30)
    season = season_id()
    client.force_login(UserFactory(is_staff=True))

    def board(query: str, size: int) -> int:
        count, data = run(client, query, {"first": size, "season": season})
        nodes = [edge["node"] for edge in data["leaderboard"]["edges"]]
        assert len(nodes) == size
        for node in nodes:
            assert node["segmentStats"]["matchesPlayed"] >= 1
            assert node["statsBreakdown"]
            assert node["rank"]["rank"] >= 1
        return count

    # when every analytic is read under each row of the overall board and of the Valorant board, for 3 and 30
    counts = [board(BOARD, 3), board(BOARD, 30)]
    segment_counts = [board(SEGMENT_BOARD, 3), board(SEGMENT_BOARD, 30)]

    # then both cost the viewer, the board, the season, then one statement per field and argument set:
    # two segment stats, the breakdown, two ranks
    assert counts == [VIEWER + 1 + 1 + 5] * 2
    # a segment board is the board and its rows' stats with their accounts
    assert segment_counts == [VIEWER + 2 + 1 + 5] * 2


def test_the_rows_of_a_board_are_each_players_own_analytics(client: Client) -> None:
    # given players with history and a season
    players_with_history(4)
    season = season_id()
    client.force_login(UserFactory(is_staff=True))

    # when the board is read with the analytics, and each player alone
    _, data = run(client, BOARD, {"first": 4, "season": season})
    nodes: list[dict[str, Any]] = [edge["node"] for edge in data["leaderboard"]["edges"]]
    one = "query($u: String!, $season: ID) { user(username: $u) { " + ROW + " } }"
    alone = [run(client, one, {"u": node["username"], "season": season})[1]["user"] for node in nodes]

    # then each row is what the player's own query answers
    assert alone == nodes


def test_ranks_on_the_board_being_read_come_with_it(client: Client) -> None:
    # given players with history
    players_with_history(8)
    query = (
        'query($first: Int!) { leaderboard(metric: MATCHES_WON, first: $first, game: "Valorant") { edges { rank '
        'node { rank(metric: MATCHES_WON, game: "Valorant") { rank rankedPlayers percentile } } } } }'
    )

    # when the Valorant board is read with each row's rank on that same board, anonymously
    counts = []
    for size in (2, 8):
        count, data = run(client, query, {"first": size})
        edges = data["leaderboard"]["edges"]
        # then each row's rank is its place on the board, out of the 8 ranked players
        assert [edge["node"]["rank"]["rank"] for edge in edges] == [edge["rank"] for edge in edges]
        assert {edge["node"]["rank"]["rankedPlayers"] for edge in edges} == {8}
        counts.append(count)

    # and the ranks cost no statement: the board and its rows' stats with their accounts
    assert counts == [2, 2]
