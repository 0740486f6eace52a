"""Segmented stats, breakdowns, ranks, seasons and segment leaderboards through the API."""

import pytest
from django.test import Client
from graphql import parse

from schema import schema
from schema.cost import requested_cost
from schema.node import to_global_id
from tests.apps.analytics.histories import platform
from tests.factories import UserFactory, set_privacy
from tests.schema.conftest import graphql

pytestmark = pytest.mark.django_db

SEGMENT = """query($u: String!, $game: String, $season: ID, $since: DateTime, $until: DateTime) {
  user(username: $u) { segmentStats(game: $game, season: $season, since: $since, until: $until) {
    tournamentsRegistered tournamentsWon matchesPlayed matchesWon matchesLost matchesDrawn winRate winRatePercent
    totalEarned totalSpent netEarnings podiumFinishes } } }"""


def segment(client: Client, username: str, **arguments: object) -> dict | None:
    body = graphql(client, SEGMENT, {"u": username, **arguments})
    assert "errors" not in body, body["errors"]
    return body["data"]["user"]["segmentStats"]


def test_segment_stats_by_game_season_and_window_for_the_player(client: Client) -> None:
    # given the platform, seen by ada herself
    p = platform()
    client.force_login(p.ada)

    # when her segments are read
    valorant = segment(client, "ada", game="Valorant")
    league = segment(client, "ada", game="Rocket League")
    march = segment(client, "ada", season=to_global_id("Season", p.march_valorant.pk))
    spring = segment(client, "ada", season=to_global_id("Season", p.spring.pk))
    april = segment(client, "ada", since="2026-04-01T00:00:00Z", until="2026-05-01T00:00:00Z")

    # then each holds exactly the events of its segment
    assert valorant is not None
    assert league is not None
    assert march is not None
    assert spring is not None
    assert (valorant["matchesPlayed"], valorant["matchesWon"], valorant["matchesLost"]) == (2, 1, 1)
    assert valorant["winRate"] == 0.5
    assert valorant["winRatePercent"] == 50.0
    assert valorant["tournamentsWon"] == 1
    # coins belong to no game
    assert (valorant["totalEarned"], valorant["totalSpent"], valorant["netEarnings"]) == ("0", "0", "0")
    assert (league["matchesPlayed"], league["matchesWon"], league["tournamentsWon"]) == (2, 2, 1)
    assert march == valorant  # the March Valorant season holds the Valorant cup and nothing else
    assert (spring["matchesPlayed"], spring["tournamentsWon"], spring["podiumFinishes"]) == (4, 2, 2)
    assert (spring["totalEarned"], spring["totalSpent"], spring["netEarnings"]) == ("45", "15", "30")
    assert april == {**league, "totalEarned": "0", "totalSpent": "15", "netEarnings": "-15"}


BREAKDOWN = """query($u: String!, $by: StatsBreakdownBy!, $tz: String!, $game: String, $first: Int! = 12) {
  user(username: $u) { statsBreakdown(by: $by, timeZone: $tz, game: $game, first: $first) {
    key label game startsAt endsAt season { name game } stats { matchesPlayed matchesWon totalEarned } } } }"""


def breakdown(client: Client, by: str, tz: str = "UTC", **arguments: object) -> list[dict]:
    body = graphql(client, BREAKDOWN, {"u": "ada", "by": by, "tz": tz, **arguments})
    assert "errors" not in body, body["errors"]
    return body["data"]["user"]["statsBreakdown"]


def test_breakdowns_by_game_season_and_month_in_a_time_zone(client: Client) -> None:
    # given the platform, seen by ada
    platform()
    client.force_login(UserFactory(is_staff=True))

    # when her breakdowns are read
    games = breakdown(client, "GAME")
    seasons = breakdown(client, "SEASON")
    utc_months = breakdown(client, "MONTH")
    kathmandu = breakdown(client, "MONTH", "Asia/Kathmandu")

    # then games by name, seasons and months newest first, each with its own counters
    assert [(g["key"], g["stats"]["matchesPlayed"], g["stats"]["matchesWon"]) for g in games] == [
        ("Rocket League", 2, 2),
        ("Valorant", 2, 1),
    ]
    assert [(s["label"], s["season"]["game"], s["stats"]["matchesPlayed"]) for s in seasons] == [
        ("Spring 2026", None, 4),
        ("March Valorant", "Valorant", 2),
    ]
    assert [(m["key"], m["label"], m["stats"]["totalEarned"]) for m in utc_months] == [
        ("2026-04", "April 2026", "0"),
        ("2026-03", "March 2026", "45"),
    ]
    assert utc_months[1]["startsAt"] == "2026-03-01T00:00:00+00:00"
    # the 23:30 UTC line of 31 March falls in April in Kathmandu, whose months start at 18:15 UTC
    assert [(m["key"], m["stats"]["totalEarned"]) for m in kathmandu] == [("2026-04", "5"), ("2026-03", "40")]
    assert kathmandu[0]["startsAt"] == "2026-04-01T00:00:00+05:45"
    # a breakdown within a segment
    assert [m["key"] for m in breakdown(client, "MONTH", game="Valorant")] == ["2026-03"]


RANK = """query($u: String!, $metric: LeaderboardMetric!, $game: String, $season: ID) {
  user(username: $u) { rank(metric: $metric, game: $game, season: $season) {
    metric rank rankedPlayers percentile value integerValue } } }"""
BOARD = """query($metric: LeaderboardMetric!, $game: String, $season: ID, $first: Int, $after: String) {
  leaderboard(metric: $metric, game: $game, season: $season, first: $first, after: $after) {
    edges { rank cursor node { username } entry { value integerValue } } pageInfo { hasNextPage endCursor } } }"""


def test_rank_and_percentile_match_the_boards(client: Client) -> None:
    # given the platform
    p = platform()
    spring = to_global_id("Season", p.spring.pk)

    # when ranks and boards are read, overall and per game and season
    def rank(username: str, metric: str, **arguments: object) -> dict | None:
        body = graphql(client, RANK, {"u": username, "metric": metric, **arguments})
        assert "errors" not in body, body["errors"]
        return body["data"]["user"]["rank"]

    def board(metric: str, **arguments: object) -> list[tuple[str, int, str]]:
        body = graphql(client, BOARD, {"metric": metric, **arguments})
        assert "errors" not in body, body["errors"]
        return [
            (e["node"]["username"], e["rank"], e["entry"]["integerValue"]) for e in body["data"]["leaderboard"]["edges"]
        ]

    # then a player's rank is their place on the same board, and percentiles count lower values
    assert board("MATCHES_WON", game="Rocket League") == [("ada", 1, "2"), ("bob", 2, "0"), ("cy", 3, "0")]
    assert rank("ada", "MATCHES_WON", game="Rocket League") == {
        "metric": "MATCHES_WON",
        "rank": 1,
        "rankedPlayers": 3,
        "percentile": pytest.approx(200 / 3),
        "value": 2.0,
        "integerValue": "2",
    }
    bob = rank("bob", "MATCHES_WON", game="Rocket League")
    assert bob is not None
    assert (bob["rank"], bob["percentile"]) == (2, 0.0)
    # on the Valorant board cy never played: not ranked
    assert board("MATCHES_WON", game="Valorant") == [("ada", 1, "1"), ("bob", 2, "1")]
    assert rank("cy", "MATCHES_WON", game="Valorant") is None
    assert board("TOURNAMENTS_WON", season=spring)[0] == ("ada", 1, "2")
    overall = rank("bob", "MATCHES_WON")
    assert overall is not None
    assert (overall["rank"], overall["rankedPlayers"]) == (2, 3)
    plain = graphql(client, "{ leaderboard(metric: MATCHES_WON) { edges { rank node { username } } } }")
    assert [(e["node"]["username"], e["rank"]) for e in plain["data"]["leaderboard"]["edges"]][1] == ("bob", 2)


def test_a_segment_board_pages_by_cursor(client: Client) -> None:
    # given the platform's Rocket League board
    platform()

    # when it is read one row a page
    seen = []
    after = None
    while True:
        body = graphql(client, BOARD, {"metric": "MATCHES_WON", "game": "Rocket League", "first": 1, "after": after})
        connection = body["data"]["leaderboard"]
        seen += [(e["node"]["username"], e["rank"]) for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    # then every row comes once, in order, with its rank
    assert seen == [("ada", 1), ("bob", 2), ("cy", 3)]
    # and a cursor of another board is refused
    body = graphql(client, BOARD, {"metric": "MATCHES_WON", "game": "Valorant", "first": 1, "after": after})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_privacy_applies_to_segments_and_ranks(client: Client) -> None:
    # given ada keeps her activity private and her economy public; bob keeps his economy private
    p = platform()
    set_privacy(p.ada, activity_public=False, economy_public=True)
    spring = to_global_id("Season", p.spring.pk)

    # when an anonymous visitor reads them
    by_game = segment(client, "ada", game="Valorant")
    by_season = segment(client, "ada", season=spring)
    by_window = segment(client, "ada", since="2026-01-01T00:00:00Z")
    bob = segment(client, "bob", game="Valorant")
    body = graphql(client, BREAKDOWN, {"u": "ada", "by": "MONTH", "tz": "UTC"})
    games = graphql(client, BREAKDOWN, {"u": "ada", "by": "GAME", "tz": "UTC"})
    season_board = graphql(client, BOARD, {"metric": "MATCHES_WON", "season": spring})
    rank = graphql(client, RANK, {"u": "ada", "metric": "MATCHES_WON", "season": spring})

    # then time segments of a private activity are hidden, game segments shown; coin figures follow the economy
    assert by_game is not None
    assert by_game["matchesPlayed"] == 2
    assert by_game["totalEarned"] == "0"
    assert by_season is None
    assert by_window is None
    assert body["data"]["user"]["statsBreakdown"] == []
    assert len(games["data"]["user"]["statsBreakdown"]) == 2
    assert bob is not None
    assert (bob["totalEarned"], bob["netEarnings"]) == (None, None)
    # a season board lists the players whose activity is public, ranked among themselves
    assert [e["node"]["username"] for e in season_board["data"]["leaderboard"]["edges"]] == ["bob", "cy"]
    assert season_board["data"]["leaderboard"]["edges"][0]["rank"] == 1
    assert rank["data"]["user"]["rank"] is None

    # and ada herself sees it all, as staff do (who also see bob's coin figures)
    client.force_login(p.ada)
    own = graphql(client, RANK, {"u": "ada", "metric": "MATCHES_WON", "season": spring})
    assert own["data"]["user"]["rank"]["rank"] == 1
    client.force_login(UserFactory(is_staff=True))
    staff_season = segment(client, "ada", season=spring)
    assert staff_season is not None
    assert staff_season["matchesPlayed"] == 4
    staff_bob = segment(client, "bob", game="Valorant")
    assert staff_bob is not None
    assert staff_bob["totalEarned"] == "0"
    staff_board = graphql(client, BOARD, {"metric": "MATCHES_WON", "season": spring})
    assert [e["node"]["username"] for e in staff_board["data"]["leaderboard"]["edges"]] == ["ada", "bob", "cy"]


def test_net_earnings_boards_follow_the_economy_setting(client: Client) -> None:
    # given ada's economy is public, bob's private (the default)
    p = platform()
    set_privacy(p.ada, economy_public=True)
    spring = to_global_id("Season", p.spring.pk)

    # when another player reads the spring NET_EARNINGS board and ranks
    client.force_login(p.cy)
    board = graphql(client, BOARD, {"metric": "NET_EARNINGS", "season": spring})
    ada = graphql(client, RANK, {"u": "ada", "metric": "NET_EARNINGS", "season": spring})

    # then ada is listed with her net earnings, ranked among the rows shown
    assert [(e["node"]["username"], e["entry"]["integerValue"]) for e in board["data"]["leaderboard"]["edges"]] == [
        ("ada", "30")
    ]
    assert ada["data"]["user"]["rank"]["rankedPlayers"] == 1


@pytest.mark.parametrize(
    ("query", "variables", "fragment"),
    [
        (SEGMENT, {"u": "ada", "season": "U2Vhc29uOjk5OTk5"}, "No season"),
        (SEGMENT, {"u": "ada", "season": to_global_id("User", 1)}, "expected a Season"),
        (SEGMENT, {"u": "ada", "since": "2026-05-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"}, "since"),
        (SEGMENT, {"u": "ada", "since": "2026-05-01T00:00:00"}, "offset"),
        (SEGMENT, {"u": "ada", "game": ""}, "`game`"),
        (SEGMENT, {"u": "ada", "game": "x" * 101}, "`game`"),
        (BREAKDOWN, {"u": "ada", "by": "MONTH", "tz": "Mars/Olympus"}, "Unknown time zone"),
        (BREAKDOWN, {"u": "ada", "by": "MONTH", "tz": "posixrules"}, "Unknown time zone"),
        (BREAKDOWN, {"u": "ada", "by": "MONTH", "tz": "../../etc/passwd"}, "Unknown time zone"),
        (BREAKDOWN, {"u": "ada", "by": "MONTH", "tz": "UTC", "first": 101}, "`first`"),
        (BREAKDOWN, {"u": "ada", "by": "MONTH", "tz": "\x00"}, "Unknown time zone"),
        (RANK, {"u": "ada", "metric": "NET_EARNINGS", "game": "Valorant"}, "no game"),
        (BOARD, {"metric": "NET_EARNINGS", "game": "Valorant"}, "no game"),
        (BOARD, {"metric": "MATCHES_WON", "game": "Valorant", "after": "nonsense"}, "cursor"),
        (BOARD, {"metric": "MATCHES_WON", "game": "Valorant", "first": -1}, "`first`"),
    ],
)
def test_bad_arguments_are_bad_user_input(client: Client, query: str, variables: dict, fragment: str) -> None:
    # given a player
    UserFactory(username="ada")

    # when a segment, breakdown, rank or board is asked with an argument that cannot be
    body = graphql(client, query, variables)

    # then the answer is a field error with BAD_USER_INPUT saying why, never a server error
    assert body["_status"] == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert fragment in error["message"]


def test_seasons_are_listed_newest_first(client: Client) -> None:
    # given two seasons
    p = platform()

    # when they are listed, all and for a game
    body = graphql(client, "{ seasons { id name game startsAt endsAt } }")
    league = graphql(client, '{ seasons(game: "Rocket League") { name } }')

    # then newest first (ties by id), and a game's list keeps the seasons of every game
    assert [s["name"] for s in body["data"]["seasons"]] == ["Spring 2026", "March Valorant"]
    assert body["data"]["seasons"][0]["id"] == to_global_id("Season", p.spring.pk)
    assert [s["name"] for s in league["data"]["seasons"]] == ["Spring 2026"]


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        # user 1 + segmentStats 2
        ('{ user(username: "ada") { segmentStats(game: "Valorant") { matchesWon winRate } } }', 3),
        # user 1 + 12 (the default first) x (segment 2 + stats 1)
        ('{ user(username: "ada") { statsBreakdown(by: MONTH) { key stats { matchesWon } } } }', 37),
        # user 1 + 5 x (segment 2 + season 1 + stats 1)
        (
            '{ user(username: "ada") { statsBreakdown(by: SEASON, first: 5) { season { name } stats { matchesWon } } } }',
            21,
        ),
        # user 1 + rank 2
        ('{ user(username: "ada") { rank(metric: MATCHES_WON) { rank percentile } } }', 3),
        # board 1 + game 10 + 50 x (edge 1 + player 1)
        ('{ leaderboard(metric: MATCHES_WON, game: "Valorant", first: 50) { edges { rank node { username } } } }', 111),
        # board 1 + 50 x (edge 1 + player 1 + rank 2 + segmentStats 2)
        (
            "{ leaderboard(metric: MATCHES_WON, first: 50) { edges { node { rank(metric: MATCHES_WON) { rank } "
            'segmentStats(game: "Valorant") { matchesWon } } } } }',
            301,
        ),
        # 20 (the default first) seasons
        ("{ seasons { id name } }", 20),
    ],
)
def test_the_cost_of_typical_analytics_queries(query: str, cost: int) -> None:
    # given the published cost model
    # when a typical analytics operation is priced
    priced = requested_cost(schema=schema._schema, document=parse(query), operation_name=None, variables=None)

    # then it costs what docs/analytics.md says
    assert priced == cost
