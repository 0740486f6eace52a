"""Every list field costs the same number of statements whatever the length of the list around it."""

from collections.abc import Sequence
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from apps.economy.services import transaction_create
from apps.user_profile.models import UserProfileStats
from schema.node import to_global_id
from tests.factories import UserFactory, enter, finish, make_tournament, play, set_privacy
from tests.schema.conftest import count_queries, graphql

pytestmark = pytest.mark.django_db

# Everything a player's row can list, asked for under each row of a leaderboard and for one player alone.
PLAYER = """username stats { matchesWon winRate }
  activities(first: 10) { edges { node { eventType tournament { name } match { round tournament { name } } } } }
  tournamentHistory(first: 5) { edges { node { placement result matchesWon tournament { name } } } }
  economySummary { totalEarned netEarnings recentTransactions(first: 3) { amount reason } }"""
FULL_BOARD = (
    "query($first: Int!) { leaderboard(metric: MATCHES_WON, first: $first) { edges { rank node { " + PLAYER + " } } } }"
)
ONE_PLAYER = "query($id: ID!) { node(id: $id) { ... on User { " + PLAYER + " } } }"

# The account of a signed-in viewer, and its session unless sessions are read from a shared cache (Redis).
VIEWER = 2 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 1


def players_with_history(count: int) -> list[User]:
    """`count` players, each in two tournaments (one finished, with placements) with matches and ledger lines."""
    players = UserFactory.create_batch(count)
    for finished in (True, False):
        cup = make_tournament()
        registrations = [enter(cup, player) for player in players]
        for left, right in zip(registrations[::2], registrations[1::2], strict=False):
            play(cup, left, right, winner=left)
        if finished:
            finish(cup, registrations)
    for player in players:
        transaction_create(user=player, amount=40, reason="DAILY_REWARD")
        transaction_create(user=player, amount=-15, reason="ENTRY_FEE")
    return players


def run(client: Client, query: str, variables: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    with count_queries() as captured:
        body = graphql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return len(captured), body["data"]


def board_nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["leaderboard"]["edges"]]


def test_full_leaderboard_costs_the_same_for_3_and_30_players(client: Client, settings) -> None:
    # given 30 players with tournaments, matches and ledger lines, and a staff viewer (who sees every summary);
    # 30 such rows cost more points than one request may spend by default, and this test counts SQL
    settings.GRAPHQL_MAX_QUERY_COST = 10_000
    players_with_history(30)
    client.force_login(UserFactory(is_staff=True))

    def board(size: int) -> int:
        count, data = run(client, FULL_BOARD, {"first": size})
        nodes = board_nodes(data)
        assert len(nodes) == size
        for node in nodes:
            assert len(node["tournamentHistory"]["edges"]) == 2
            assert len(node["economySummary"]["recentTransactions"]) == 2
            assert node["activities"]["edges"]
        return count

    # when the board is read with every list under each row, for 3 players and for 30
    counts = [board(3), board(30)]

    # then both cost the viewer, the board (with stats and accounts), then one statement per list position:
    # activities, their tournaments, their matches, histories, ledger lines (the matches' tournaments are
    # already loaded with the activities')
    assert counts == [VIEWER + 1 + 5] * 2


def test_full_leaderboard_rows_are_each_players_own_fields(client: Client) -> None:
    # given players with history, and a staff viewer
    players_with_history(6)
    client.force_login(UserFactory(is_staff=True))

    # when the board is read, and each player on it alone
    _, data = run(client, FULL_BOARD, {"first": 6})
    nodes = board_nodes(data)
    alone = [
        run(client, ONE_PLAYER, {"id": to_global_id("User", User.objects.get(username=node["username"]).pk)})[1]
        for node in nodes
    ]

    # then a row of the board is what the player's own query answers
    assert [own["node"] for own in alone] == nodes


HISTORY = """query($name: String!, $first: Int) { user(username: $name) {
  tournamentHistory(first: $first) { edges { node { placement tournament { name } } } } } }"""


def test_tournament_history_costs_the_same_for_1_and_25_entries(client: Client) -> None:
    # given a player in 25 tournaments
    player = UserFactory(username="veteran")
    for _ in range(25):
        cup = make_tournament()
        play(cup, enter(cup, player), enter(cup, UserFactory()), winner=None)

    def history(size: int) -> int:
        count, data = run(client, HISTORY, {"name": "veteran", "first": size})
        assert len(data["user"]["tournamentHistory"]["edges"]) == size
        return count

    # when a page of one entry and one of 25 are read
    counts = [history(1), history(25)]

    # then both cost the user, then the page with its tournaments in one statement
    assert counts == [2, 2]


FEED_RELATIONS = """query($id: ID!, $first: Int!) { node(id: $id) { ... on User {
  activities(first: $first) { edges { node { tournament { name } match { round tournament { name } } } } } } } }"""


def test_relations_of_a_feed_cost_the_same_for_2_and_40_events(client: Client) -> None:
    # given a player with events from 10 tournaments and their matches
    player = UserFactory()
    for _ in range(10):
        cup = make_tournament()
        mine, other = enter(cup, player), enter(cup, UserFactory())
        play(cup, mine, other, winner=mine)

    def feed(size: int) -> int:
        count, data = run(client, FEED_RELATIONS, {"id": to_global_id("User", player.pk), "first": size})
        assert len(data["node"]["activities"]["edges"]) == size
        return count

    # when pages of 2 and 40 events are read with each event's tournament and match, and the match's tournament
    counts = [feed(2), feed(40)]

    # then both cost the user, the page, its tournaments and its matches (their tournaments already loaded)
    assert counts == [4, 4]


RECONCILE = "mutation { reconcileUserStats(fix: false) { usersWithDrift drifts { field user { username } } } }"


def test_players_of_stats_drifts_cost_the_same_for_1_and_12_players(client: Client) -> None:
    # given 12 players, and staff
    players = UserFactory.create_batch(12)
    client.force_login(UserFactory(is_staff=True))

    def check(drifted: Sequence[User]) -> int:
        UserProfileStats.objects.filter(user__in=drifted).update(achievements_unlocked=3)
        count, data = run(client, RECONCILE, {})
        assert data["reconcileUserStats"]["usersWithDrift"] == len(drifted)
        assert {row["user"]["username"] for row in data["reconcileUserStats"]["drifts"]} == {
            player.username for player in drifted
        }
        return count

    # when staff checks everyone with one player's stats drifted, then with all twelve
    counts = [check(players[:1]), check(players)]

    # then both cost the viewer, marking stale backfill runs abandoned, the run's record (created, then
    # closed), one batch of players (their ids, a savepoint around the recomputed and the stored counters),
    # the probe for a next batch, and the drifts' players in one statement
    assert counts == [VIEWER + 1 + 2 + 5 + 1 + 1] * 2


# What a visitor reads of each row: the policy decides with each player's settings, looked up with the board.
COMBINATIONS = ((True, True), (False, True), (True, False), (False, False))
VISITOR_ROW = """username stats { matchesWon totalEarned netEarnings lastActivityAt }
  activities(first: 5) { edges { node { eventType details { __typename } } } }
  tournamentHistory(first: 2) { edges { node { placement } } }"""


@pytest.mark.parametrize("metric", ["MATCHES_WON", "NET_EARNINGS"])
def test_a_visitors_leaderboard_costs_the_same_for_4_and_20_players_with_mixed_settings(
    client: Client, settings, metric: str
) -> None:
    # given 20 players with every combination of settings, also among the top 4 of each board (the winners
    # of the pairs, players 0, 2, 4 and 6, lead the MATCHES_WON board)
    settings.GRAPHQL_MAX_QUERY_COST = 10_000
    players = players_with_history(20)
    choices = [(economy, activity) for economy, activity in COMBINATIONS for _ in range(2)]
    for index, player in enumerate(players):
        economy, activity = choices[index % len(choices)]
        set_privacy(player, economy_public=economy, activity_public=activity)
    query = (
        "query($first: Int!) { leaderboard(metric: "
        + metric
        + ", first: $first) { edges { node { "
        + VISITOR_ROW
        + " } } } }"
    )

    def board(size: int) -> tuple[int, list[dict[str, Any]]]:
        count, data = run(client, query, {"first": size})
        return count, board_nodes(data)

    # when an anonymous visitor reads boards of 4 and of 20 rows
    (few, small), (many, large) = board(4), board(20)

    # then both cost the board (with each player's settings), the activity times over public events, the
    # feeds (one statement per distinct rule) and the histories: no statement per row
    assert len(small) == 4
    assert few == many
    assert many <= 5
    # and the rows show what the settings allow
    for node in large:
        index = next(i for i, p in enumerate(players) if p.username == node["username"])
        economy, activity = choices[index % len(choices)]
        assert (node["stats"]["totalEarned"] is not None) == economy
        assert (node["stats"]["lastActivityAt"] is not None) == activity
        assert bool(node["activities"]["edges"]) == activity
        assert bool(node["tournamentHistory"]["edges"]) == activity
    if metric == "NET_EARNINGS":
        assert len(large) == 10  # only the public economies
