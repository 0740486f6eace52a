from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from apps.economy.services import transaction_create
from apps.privacy.services import privacy_settings_update
from apps.user_profile.models import UserProfileStats
from schema.node import to_global_id
from tests.factories import UserFactory, enter, finish, make_tournament, play
from tests.schema.conftest import count_queries, error_messages, graphql

pytestmark = pytest.mark.django_db


def test_me_is_null_when_anonymous_and_the_player_when_signed_in(client: Client) -> None:
    assert graphql(client, "{ me { id } }")["data"] == {"me": None}
    user = UserFactory(username="ana")
    client.force_login(user)
    assert graphql(client, "{ me { id username } }")["data"] == {
        "me": {"id": to_global_id("User", user.pk), "username": "ana"}
    }


def test_user_by_id_or_username_and_not_found(client: Client) -> None:
    # given a player
    user = UserFactory(username="kim")
    query = "query($id: ID, $name: String) { user(id: $id, username: $name) { username } }"

    # then both lookups find them, unknown ones give null, and bad ids a clear error
    assert graphql(client, query, {"id": to_global_id("User", user.pk)})["data"] == {"user": {"username": "kim"}}
    assert graphql(client, query, {"name": "kim"})["data"] == {"user": {"username": "kim"}}
    assert graphql(client, query, {"name": "nobody"})["data"] == {"user": None}
    assert graphql(client, query, {"id": to_global_id("User", 999999)})["data"] == {"user": None}
    assert error_messages(graphql(client, query, {"id": to_global_id("Tournament", user.pk)})) == [
        f"ID '{to_global_id('Tournament', user.pk)}' is a Tournament, expected a User."
    ]
    assert error_messages(graphql(client, query, {}))[0] == "Pass exactly one of `id` or `username`."


def test_stats_expose_every_counter_and_ratio(client: Client) -> None:
    # given a player who won one of two matches and a tournament
    a, b = UserFactory(), UserFactory()
    cup = make_tournament()
    ra, rb = enter(cup, a), enter(cup, b)
    play(cup, ra, rb, winner=ra)
    play(cup, ra, rb, winner=rb, round=2)
    finish(cup, [ra, rb])
    transaction_create(user=a, amount=300, reason="TOURNAMENT_PRIZE")
    transaction_create(user=a, amount=-100, reason="SHOP_PURCHASE")

    # when the player reads their own stats
    client.force_login(a)
    fields = (
        "tournamentsRegistered tournamentsPlayed tournamentsCompleted tournamentsWon tournamentsRunnerUp "
        "tournamentsTop4 matchesPlayed matchesWon matchesLost matchesDrawn totalEarned totalSpent "
        "achievementsUnlocked teamsJoined teamsLeft winRate winRatePercent tournamentWinRate "
        "tournamentWinRatePercent netEarnings podiumFinishes activeTeams lastActivityAt firstActivityAt"
    )
    body = graphql(client, f'{{ user(username: "{a.username}") {{ stats {{ {fields} }} }} }}')
    stats = body["data"]["user"]["stats"]

    # then they equal the stored row and its derived values
    row = UserProfileStats.objects.get(user=a)
    assert stats["matchesPlayed"] == 2
    assert stats["matchesWon"] == 1
    assert stats["winRate"] == 0.5
    assert stats["winRatePercent"] == 50.0
    assert stats["tournamentsWon"] == 1
    assert stats["tournamentWinRate"] == 1.0
    assert stats["netEarnings"] == str(row.net_earnings) == "200"
    assert stats["lastActivityAt"] == row.last_activity_at.isoformat()


def test_node_resolves_every_type_and_hides_private_activity(client: Client) -> None:
    # given a tournament, a match and a coin event
    a, b = UserFactory(), UserFactory()
    cup = make_tournament(name="Node Cup")
    match = play(cup, enter(cup, a), enter(cup, b), winner=None)
    transaction_create(user=a, amount=5, reason="DAILY_REWARD")
    coin = a.activities.get(event_type="coins_earned")
    query = "query($id: ID!) { node(id: $id) { id __typename ... on Tournament { name } ... on Match { tournament { name } } } }"

    # then each global id resolves to its object
    assert graphql(client, query, {"id": to_global_id("Tournament", cup.pk)})["data"]["node"]["name"] == "Node Cup"
    assert graphql(client, query, {"id": to_global_id("Match", match.pk)})["data"]["node"]["tournament"] == {
        "name": "Node Cup"
    }
    assert graphql(client, query, {"id": to_global_id("User", b.pk)})["data"]["node"]["__typename"] == "User"
    # and a coin event is null for others, visible to its owner
    assert graphql(client, query, {"id": to_global_id("Activity", coin.pk)})["data"] == {"node": None}
    client.force_login(a)
    assert graphql(client, query, {"id": to_global_id("Activity", coin.pk)})["data"]["node"]["__typename"] == "Activity"
    assert "unknown type 'Nope'" in error_messages(graphql(client, query, {"id": to_global_id("Nope", 1)}))[0]


HISTORY = """query($name: String!, $first: Int, $after: String) { user(username: $name) {
  tournamentHistory(first: $first, after: $after) {
    edges { cursor node { tournament { id name game startsAt } registeredAt checkedIn placement result
                          matchesPlayed matchesWon matchesLost } }
    pageInfo { hasNextPage endCursor } } } }"""


def test_tournament_history_entries_and_paging(client: Client, django_assert_max_num_queries) -> None:
    # given a player in three tournaments: won one, lost a final, registered without checking in
    a, b = UserFactory(username="hist"), UserFactory()
    won = make_tournament(name="Won Cup")
    ra, rb = enter(won, a), enter(won, b)
    play(won, ra, rb, winner=ra)
    finish(won, [ra, rb])
    lost = make_tournament(name="Lost Cup")
    ra, rb = enter(lost, a), enter(lost, b)
    play(lost, ra, rb, winner=rb)
    play(lost, ra, rb, winner=rb, round=2)
    finish(lost, [rb, ra])
    enter(make_tournament(name="Skipped Cup"), a, check_in=False)

    # when the history is paged by two
    first = graphql(client, HISTORY, {"name": "hist", "first": 2})["data"]["user"]["tournamentHistory"]
    rest = graphql(client, HISTORY, {"name": "hist", "first": 2, "after": first["pageInfo"]["endCursor"]})

    # then entries are newest first with the player's own outcome
    nodes = [e["node"] for e in first["edges"] + rest["data"]["user"]["tournamentHistory"]["edges"]]
    summary = [
        (
            n["tournament"]["name"],
            n["checkedIn"],
            n["placement"],
            n["result"],
            n["matchesPlayed"],
            n["matchesWon"],
            n["matchesLost"],
        )
        for n in nodes
    ]
    assert summary == [
        ("Skipped Cup", False, None, None, 0, 0, 0),
        ("Lost Cup", True, 2, "RUNNER_UP", 2, 0, 2),
        ("Won Cup", True, 1, "WON", 1, 1, 0),
    ]
    assert first["pageInfo"]["hasNextPage"] is True


def test_tournament_history_query_count_is_constant(client: Client) -> None:
    # given a player in 8 tournaments
    a = UserFactory(username="many")
    for _ in range(8):
        cup = make_tournament()
        play(cup, enter(cup, a), enter(cup, UserFactory()), winner=None)

    def run(first: int) -> int:
        with count_queries() as captured:
            body = graphql(client, HISTORY, {"name": "many", "first": first})
        assert len(body["data"]["user"]["tournamentHistory"]["edges"]) == first
        return len(captured)

    assert 1 <= run(2) == run(8) <= 5


ECONOMY = '{ user(username: "rich") { economySummary { totalEarned totalSpent netEarnings recentTransactions(first: 2) { amount reason } } } }'


def test_economy_summary_owner_and_staff_only(client: Client) -> None:
    # given a player with three transactions
    rich = UserFactory(username="rich")
    for amount in (100, -30, 50):
        transaction_create(user=rich, amount=amount, reason="ADJUSTMENT")

    # when others, the owner and staff ask
    anonymous = graphql(client, ECONOMY)
    client.force_login(rich)
    own = graphql(client, ECONOMY)
    client.force_login(UserFactory(is_staff=True))
    staff = graphql(client, ECONOMY)

    # then others get null and a permission error; the owner and staff the summary
    assert anonymous["data"] == {"user": {"economySummary": None}}
    assert error_messages(anonymous) == ["Only the player and staff may see a player's economy summary."]
    expected = {
        "totalEarned": "150",
        "totalSpent": "30",
        "netEarnings": "120",
        "recentTransactions": [{"amount": "50", "reason": "ADJUSTMENT"}, {"amount": "-30", "reason": "ADJUSTMENT"}],
    }
    assert own["data"]["user"]["economySummary"] == expected
    assert staff["data"]["user"]["economySummary"] == expected
    too_many = graphql(client, ECONOMY.replace("first: 2", "first: 51"))
    assert error_messages(too_many) == ["`first` must be between 0 and 50, got 51."]


LEADERBOARD = """query($metric: LeaderboardMetric!, $first: Int, $after: String, $min: Int) {
  leaderboard(metric: $metric, first: $first, after: $after, minMatches: $min) {
    edges { cursor rank entry { value } node { username stats { matchesWon }
            activities(first: 10) { edges { node { tournament { name } } } } } }
    pageInfo { hasNextPage endCursor } } }"""


def test_leaderboard_ranks_ties_and_paging(client: Client) -> None:
    # given players with 3, 1, 1 and 0 match wins
    players = [UserFactory(username=f"lb{i}") for i in range(4)]
    cup = make_tournament()
    regs = [enter(cup, p) for p in players]
    for _ in range(3):
        play(cup, regs[0], regs[3], winner=regs[0])
    play(cup, regs[2], regs[3], winner=regs[2])
    play(cup, regs[1], regs[3], winner=regs[1])

    # when the board is paged by two
    first = graphql(client, LEADERBOARD, {"metric": "MATCHES_WON", "first": 2})["data"]["leaderboard"]
    second = graphql(
        client, LEADERBOARD, {"metric": "MATCHES_WON", "first": 2, "after": first["pageInfo"]["endCursor"]}
    )["data"]["leaderboard"]

    # then ranks run on, ties go to the older account
    ranked = [(e["rank"], e["node"]["username"], e["entry"]["value"]) for e in first["edges"] + second["edges"]]
    assert ranked == [(1, "lb0", 3.0), (2, "lb1", 1.0), (3, "lb2", 1.0), (4, "lb3", 0.0)]
    # and the win rate board applies its threshold
    rate = graphql(client, LEADERBOARD, {"metric": "WIN_RATE", "first": 10, "min": 3})["data"]["leaderboard"]
    assert [(e["node"]["username"], e["entry"]["value"]) for e in rate["edges"]] == [("lb0", 1.0), ("lb3", 0.0)]
    bad = graphql(client, LEADERBOARD, {"metric": "WIN_RATE", "first": 2, "after": first["pageInfo"]["endCursor"]})
    assert error_messages(bad)[0].startswith("Invalid WIN_RATE leaderboard cursor")


def test_leaderboard_query_count_is_constant(client: Client) -> None:
    # given 50 players who all played
    players = [UserFactory() for _ in range(50)]
    cup = make_tournament()
    regs = [enter(cup, p) for p in players]
    for left, right in zip(regs[::2], regs[1::2], strict=True):
        play(cup, left, right, winner=left)

    def run(first: int) -> int:
        with count_queries() as captured:
            body = graphql(client, LEADERBOARD, {"metric": "MATCHES_WON", "first": first})
        assert len(body["data"]["leaderboard"]["edges"]) == first
        return len(captured)

    # when / then: the issue's own example costs the same for 5 and 50 players
    assert 1 <= run(5) == run(50) <= 5


RECONCILE = "mutation($id: ID, $fix: Boolean!) { reconcileUserStats(userId: $id, fix: $fix) { usersChecked usersWithDrift fixed drifts { user { username } field expected actual } } }"


def test_reconcile_is_staff_only_and_fixes_drift(client: Client) -> None:
    # given a player whose stored stats drifted
    player = UserFactory(username="drifty")
    cup = make_tournament()
    play(cup, enter(cup, player), enter(cup, UserFactory()), winner=None)
    UserProfileStats.objects.filter(user=player).update(achievements_unlocked=5)
    variables = {"id": to_global_id("User", player.pk), "fix": True}

    # when a non-staff player tries, nothing changes
    client.force_login(player)
    denied = graphql(client, RECONCILE, variables)
    assert error_messages(denied) == ["Only staff may reconcile player stats."]
    assert UserProfileStats.objects.get(user=player).achievements_unlocked == 5

    # when staff checks, then fixes
    client.force_login(UserFactory(is_staff=True))
    checked = graphql(client, RECONCILE, {**variables, "fix": False})["data"]["reconcileUserStats"]
    fixed = graphql(client, RECONCILE, variables)["data"]["reconcileUserStats"]

    # then the drift is reported and corrected
    assert checked == {
        "usersChecked": 1,
        "usersWithDrift": 1,
        "fixed": 0,
        "drifts": [{"user": {"username": "drifty"}, "field": "achievements_unlocked", "expected": 0, "actual": 5}],
    }
    assert fixed["fixed"] == 1
    assert UserProfileStats.objects.get(user=player).achievements_unlocked == 0


def test_reconcile_of_an_unknown_player_is_not_found(client: Client) -> None:
    # given
    client.force_login(UserFactory(is_staff=True))
    variables = {"id": to_global_id("User", 999999), "fix": True}
    # when
    response = graphql(client, RECONCILE, variables)
    # then
    assert response["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in response["errors"]] == [
        ("No player with id 999999.", "NOT_FOUND")
    ]


def test_schema_file_is_up_to_date(tmp_path: Path) -> None:
    # given the schema exported from the code now
    exported = tmp_path / "schema.graphql"
    call_command("export_schema", "schema", path=str(exported))

    # then the committed file matches it (run `make schema` after changing the API)
    committed = Path(__file__).resolve().parents[2] / "schema.graphql"
    assert committed.read_text() == exported.read_text(), "schema.graphql is stale: run `make schema`"


def test_tournament_match_and_transaction_fields(client: Client) -> None:
    # given a completed match in a tournament with a prize pool, and a ledger line
    a, b = UserFactory(username="fields"), UserFactory()
    cup = make_tournament(name="Field Cup", game="Dota 2", prize_pool=500)
    match = play(cup, enter(cup, a), enter(cup, b), winner=None, is_forfeit=False, round=2)
    transaction_create(user=a, amount=-20, reason="ENTRY_FEE", reference="cup-1")
    client.force_login(a)

    # when every field is asked for
    body = graphql(
        client,
        """{ user(username: "fields") {
             activities(first: 1, eventTypes: [MATCH_DRAWN]) { edges { node {
               match { id round state isForfeit completedAt tournament { id name game status format startsAt
                                                                      prizePool completedAt } } } } }
             economySummary { recentTransactions(first: 1) { amount reason reference createdAt } } } }""",
    )

    # then they are the stored values
    assert "errors" not in body
    node = body["data"]["user"]["activities"]["edges"][0]["node"]["match"]
    assert node == {
        "id": to_global_id("Match", match.pk),
        "round": 2,
        "state": "COMPLETED",
        "isForfeit": False,
        "completedAt": match.completed_at.isoformat(),
        "tournament": {
            "id": to_global_id("Tournament", cup.pk),
            "name": "Field Cup",
            "game": "Dota 2",
            "status": "REGISTRATION_OPEN",
            "format": "SOLO",
            "startsAt": cup.starts_at.isoformat(),
            "prizePool": "500",
            "completedAt": None,
        },
    }
    [line] = body["data"]["user"]["economySummary"]["recentTransactions"]
    assert (line["amount"], line["reason"], line["reference"]) == ("-20", "ENTRY_FEE", "cup-1")


def test_recent_transactions_query_count_is_constant(client: Client) -> None:
    rich = UserFactory(username="rich")
    for n in range(20):
        transaction_create(user=rich, amount=n + 1, reason="DAILY_REWARD")
    client.force_login(rich)

    def run(first: int) -> int:
        with count_queries() as captured:
            body = graphql(client, ECONOMY.replace("first: 2", f"first: {first}"))
        assert len(body["data"]["user"]["economySummary"]["recentTransactions"]) == first
        return len(captured)

    assert 1 <= run(2) == run(20) <= 5


@pytest.mark.parametrize(
    "bad_id",
    [
        "VXNlcjo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # User:99999999999999999999999, beyond bigint
        "VXNlcjotMQ==",  # User:-1
        "%%%",
    ],
)
def test_out_of_range_or_garbled_ids_are_input_errors(client: Client, bad_id: str) -> None:
    body = graphql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
    assert body["data"] == {"node": None}
    assert error_messages(body)[0].startswith("Invalid ID")


def test_user_stats_is_one_query(client: Client) -> None:
    # given a player with stats, and one without a stats row yet
    player = UserFactory(username="solo")
    transaction_create(user=player, amount=7, reason="DAILY_REWARD")
    bare = UserFactory(username="bare")
    UserProfileStats.objects.filter(user=bare).delete()

    # when their stats are read by username (the economy made public: anyone may see the totals)
    privacy_settings_update(user=player, economy_public=True, activity_public=None)
    privacy_settings_update(user=bare, economy_public=True, activity_public=None)
    with count_queries() as captured:
        body = graphql(client, '{ user(username: "solo") { stats { totalEarned } } }')
    missing = graphql(client, '{ user(username: "bare") { stats { totalEarned matchesPlayed } } }')

    # then the stats and the settings come with the user in one query, and a missing row reads as zeros
    assert body["data"] == {"user": {"stats": {"totalEarned": "7"}}}
    assert len(captured) == 1
    assert missing["data"] == {"user": {"stats": {"totalEarned": "0", "matchesPlayed": 0}}}
