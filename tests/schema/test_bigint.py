"""Coin amounts beyond GraphQL's 32-bit Int: every path carries the ledger's bigint exactly, as a string."""

import pytest
from django.test import Client

from apps.economy.services import transaction_create
from apps.tournaments import services as tournaments
from schema.errors import InvalidValueError
from schema.scalars import parse_bigint, serialize_bigint
from tests.factories import UserFactory, enter, make_tournament
from tests.schema.conftest import graphql

pytestmark = pytest.mark.django_db

PLAYER = """query($name: String!) { user(username: $name) {
  stats { totalEarned totalSpent netEarnings }
  economySummary { totalEarned totalSpent netEarnings recentTransactions(first: 5) { amount } }
  activities(first: 10) { edges { node { eventType amount
    details { ... on CoinsDetails { amount } ... on TournamentDetails { prize } } } } }
} leaderboard(metric: NET_EARNINGS, first: 5) { edges { node { username } entry { value integerValue } } } }"""


@pytest.mark.parametrize("amount", [2**31, 3_000_000_000, 2**53, 2**53 + 1])
def test_amounts_past_32_and_53_bits_are_exact_everywhere(client: Client, amount: int) -> None:
    # given a player who won `amount` as a prize and spent one coin
    rich = UserFactory(username="rich")
    cup = make_tournament(prize_pool=amount)
    registration = enter(cup, rich)
    tournaments.tournament_result_record(tournament=cup, registration=registration, placement=1, prize=amount)
    tournaments.tournament_complete(tournament=cup)
    transaction_create(user=rich, amount=amount, reason="TOURNAMENT_PRIZE")
    transaction_create(user=rich, amount=-1, reason="SHOP_PURCHASE")
    client.force_login(rich)

    # when the player reads their stats, summary, feed and the board
    body = graphql(client, PLAYER, {"name": "rich"})

    # then every amount is the exact decimal string, and nothing fails
    assert "errors" not in body, body.get("errors")
    user = body["data"]["user"]
    net = str(amount - 1)
    assert user["stats"] == {"totalEarned": str(amount), "totalSpent": "1", "netEarnings": net}
    summary = user["economySummary"]
    assert (summary["totalEarned"], summary["netEarnings"]) == (str(amount), net)
    assert [line["amount"] for line in summary["recentTransactions"]] == ["-1", str(amount)]
    events = {edge["node"]["eventType"]: edge["node"] for edge in user["activities"]["edges"]}
    assert events["COINS_EARNED"]["amount"] == str(amount)
    assert events["COINS_EARNED"]["details"] == {"amount": str(amount)}
    assert events["TOURNAMENT_WON"]["details"] == {"prize": str(amount)}
    [row] = body["data"]["leaderboard"]["edges"]
    assert row["node"]["username"] == "rich"
    assert row["entry"]["integerValue"] == net
    assert row["entry"]["value"] == float(amount - 1)


def test_tournament_prize_pool_is_a_bigint(client: Client) -> None:
    # given a tournament with a prize pool past 32 bits, registered for by a player
    player = UserFactory(username="entrant")
    cup = make_tournament(prize_pool=2**40)
    enter(cup, player, check_in=False)

    # when it is read through the player's history
    body = graphql(
        client,
        '{ user(username: "entrant") { tournamentHistory { edges { node { tournament { prizePool status format } } } } } }',
    )

    # then the pool is exact and the status and format are enum values
    [edge] = body["data"]["user"]["tournamentHistory"]["edges"]
    assert edge["node"]["tournament"] == {"prizePool": str(2**40), "status": "REGISTRATION_OPEN", "format": "SOLO"}


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("0", 0), ("-1", -1), (str(2**63 - 1), 2**63 - 1), (str(-(2**63)), -(2**63)), (2**40, 2**40)],
)
def test_bigint_input_takes_decimal_strings_and_integers(value: object, parsed: int) -> None:
    assert parse_bigint(value) == parsed
    assert serialize_bigint(parsed) == str(parsed)


@pytest.mark.parametrize("value", ["", "1_000", " 7", "1e3", "٣", str(2**63), "+1", "--1", 1.5, True, None])
def test_bigint_input_refuses_anything_else(value: object) -> None:
    with pytest.raises(InvalidValueError):
        parse_bigint(value)
