"""The authorization matrix: every path that shows a player's data, for every actor and every privacy setting.

The expectations are written here from the rules of docs/privacy.md, not computed by the policy: taking a
rule out of apps/privacy/policy.py makes a case here fail.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from apps.economy.services import transaction_create
from apps.tournaments import services as tournaments
from apps.user_profile.models import UserActivity
from schema.node import to_global_id
from tests.factories import UserFactory, enter, make_tournament, play, set_privacy
from tests.schema.conftest import graphql

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "other", "owner", "staff")
# (economy_public, activity_public): the defaults first
SETTINGS = ((False, True), (True, True), (False, False), (True, False))

PLAYER = """query($name: String!) { user(username: $name) {
  id
  stats { matchesWon tournamentsWon totalEarned totalSpent netEarnings firstActivityAt lastActivityAt }
  activities(first: 50) { edges { node { eventType amount metadata
    details { __typename ... on TournamentDetails { placement prize } ... on CoinsDetails { amount reason reference } } } } }
  tournamentHistory(first: 5) { edges { node { placement } } }
  economySummary { totalEarned netEarnings recentTransactions(first: 5) { amount reference } }
  privacySettings { economyPublic activityPublic }
} }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
BOARDS = """query { net: leaderboard(metric: NET_EARNINGS, first: 50) { edges { node { username } } }
  won: leaderboard(metric: TOURNAMENTS_WON, first: 50) { edges { node { username } } }
  matches: leaderboard(metric: MATCHES_WON, first: 50) { edges { node { username } } }
  rate: leaderboard(metric: WIN_RATE, first: 50, minMatches: 1) { edges { node { username } } } }"""


def _alice() -> dict[str, Any]:
    """alice: a won match and a tournament win with a prize two days ago, then a coin line (her latest event)."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    then = timezone.now() - timedelta(days=2)
    cup = make_tournament(starts_at=then - timedelta(days=1))
    mine, theirs = enter(cup, alice, at=then), enter(cup, bob, at=then)
    play(cup, mine, theirs, winner=mine, at=then)
    tournaments.tournament_result_record(tournament=cup, registration=mine, placement=1, prize=700, at=then)
    tournaments.tournament_result_record(tournament=cup, registration=theirs, placement=2, at=then)
    tournaments.tournament_complete(tournament=cup, at=then)
    transaction_create(user=alice, amount=700, reason="TOURNAMENT_PRIZE", reference="cup-prize")
    transaction_create(user=bob, amount=5, reason="DAILY_REWARD")
    coin = UserActivity.objects.filter(user=alice, event_type="coins_earned").get()
    registration = UserActivity.objects.filter(user=alice, event_type="tournament_registered").get()
    latest_public = UserActivity.objects.filter(user=alice).exclude(event_type="coins_earned").latest("timestamp")
    return {
        "user": alice,
        "coin_event": to_global_id("Activity", coin.pk),
        "public_event": to_global_id("Activity", registration.pk),
        "coin_time": coin.timestamp.isoformat(),
        "public_time": latest_public.timestamp.isoformat(),
    }


def _client(actor: str, owner: User) -> Client:
    client = Client()
    if actor == "other":
        client.force_login(UserFactory(username="carol"))
    elif actor == "owner":
        client.force_login(owner)
    elif actor == "staff":
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _observe(client: Client, alice: dict[str, Any]) -> dict[str, Any]:
    """What the actor can see of alice through every path."""
    body = graphql(client, PLAYER, {"name": "alice"})
    user = body["data"]["user"]
    stats = user["stats"]
    events = [edge["node"] for edge in user["activities"]["edges"]]
    placement = next((e for e in events if e["eventType"] == "TOURNAMENT_WON"), None)
    coins = [e for e in events if e["eventType"] == "COINS_EARNED"]
    summary = user["economySummary"]
    boards = graphql(client, BOARDS)["data"]
    on_board = {name: "alice" in [e["node"]["username"] for e in board["edges"]] for name, board in boards.items()}
    profile = client.get("/players/alice/")
    history_page = client.get("/players/alice/tournaments/")
    my_activity = client.get("/me/activity/")
    admin = client.get("/admin/user_profile/useractivity/")
    return {
        # GraphQL: the player's fields
        "user": user["id"] is not None,
        "stats.counters": (stats["matchesWon"], stats["tournamentsWon"]) == (1, 1),
        "stats.totalEarned": stats["totalEarned"] == "700",
        "stats.totalSpent": stats["totalSpent"] == "0",
        "stats.netEarnings": stats["netEarnings"] == "700",
        "stats.lastActivityAt": stats["lastActivityAt"] is not None,
        "stats.firstActivityAt": stats["firstActivityAt"] is not None,
        "stats.lastActivityAt moves with coins": stats["lastActivityAt"] == alice["coin_time"],
        "activities": bool(events),
        "activities: coin events": bool(coins) and coins[0]["amount"] == "700",
        "activities: details of coins": bool(coins) and coins[0]["details"]["amount"] == "700",
        "activities: coin reference": bool(coins) and coins[0]["details"]["reference"] == "cup-prize",
        "activities: metadata.prize": placement is not None and placement["metadata"].get("prize") == 700,
        "activities: details.prize": placement is not None and placement["details"]["prize"] == "700",
        "tournamentHistory": bool(user["tournamentHistory"]["edges"]),
        "economySummary": summary is not None and summary["totalEarned"] == "700",
        "economySummary.reference": summary is not None
        and summary["recentTransactions"][0]["reference"] == "cup-prize",
        "privacySettings": user["privacySettings"] is not None,
        # node()
        "node(User)": graphql(client, NODE, {"id": alice["user"] and to_global_id("User", alice["user"].pk)})["data"][
            "node"
        ]
        is not None,
        "node(coin Activity)": graphql(client, NODE, {"id": alice["coin_event"]})["data"]["node"] is not None,
        "node(other Activity)": graphql(client, NODE, {"id": alice["public_event"]})["data"]["node"] is not None,
        # leaderboards
        "leaderboard NET_EARNINGS": on_board["net"],
        "leaderboard TOURNAMENTS_WON": on_board["won"],
        "leaderboard MATCHES_WON": on_board["matches"],
        "leaderboard WIN_RATE": on_board["rate"],
        # pages
        "page /players/alice/": profile.status_code == 200,
        "page profile: coin totals": 'data-stat="total_earned"' in profile.content.decode(),
        "page profile: activity": profile.status_code == 200 and bool(profile.context["activities"]),
        "page profile: last active is the coin line": profile.context["last_active"] is not None
        and profile.context["last_active"].isoformat() == alice["coin_time"],
        "page /players/alice/tournaments/": history_page.status_code == 200,
        "page /me/activity/": my_activity.status_code == 200,
        "page /admin/": admin.status_code == 200,
    }


def _expected(actor: str, economy_public: bool, activity_public: bool) -> dict[str, bool]:
    sees_all = actor in ("owner", "staff")
    economy = sees_all or economy_public
    activity = sees_all or activity_public
    coins_in_feed = economy and activity  # a coin event is both activity and economy
    return {
        "user": True,
        "stats.counters": True,  # counters stay public whatever the settings
        "stats.totalEarned": economy,
        "stats.totalSpent": economy,
        "stats.netEarnings": economy,
        "stats.lastActivityAt": activity,
        "stats.firstActivityAt": activity,
        "stats.lastActivityAt moves with coins": coins_in_feed,
        "activities": activity,
        "activities: coin events": coins_in_feed,
        "activities: details of coins": coins_in_feed,
        "activities: coin reference": sees_all,
        "activities: metadata.prize": coins_in_feed,
        "activities: details.prize": coins_in_feed,
        "tournamentHistory": activity,
        "economySummary": economy,
        "economySummary.reference": sees_all,
        "privacySettings": sees_all,
        "node(User)": True,
        "node(coin Activity)": coins_in_feed,
        "node(other Activity)": activity,
        "leaderboard NET_EARNINGS": economy,
        "leaderboard TOURNAMENTS_WON": True,
        "leaderboard MATCHES_WON": True,
        "leaderboard WIN_RATE": True,
        "page /players/alice/": True,
        "page profile: coin totals": economy,
        "page profile: activity": activity,
        "page profile: last active is the coin line": coins_in_feed,
        "page /players/alice/tournaments/": activity,
        "page /me/activity/": actor != "anonymous",  # always the viewer's own feed
        "page /admin/": actor == "staff",
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("economy_public", "activity_public"), SETTINGS)
def test_each_path_shows_alice_to_whom_the_policy_says(actor: str, economy_public: bool, activity_public: bool) -> None:
    # given alice with those settings, and an actor
    alice = _alice()
    set_privacy(alice["user"], economy_public=economy_public, activity_public=activity_public)
    client = _client(actor, alice["user"])

    # when the actor reads alice through every path
    observed = _observe(client, alice)

    # then each path shows her data exactly as the rules say
    expected = _expected(actor, economy_public, activity_public)
    wrong = {path: observed[path] for path in expected if observed[path] != expected[path]}
    assert wrong == {}, f"{actor}, economy_public={economy_public}, activity_public={activity_public}: {wrong}"
    assert set(observed) == set(expected)


def test_others_see_the_latest_event_they_may_see_as_last_activity() -> None:
    # given alice with a coin line after her public events, economy private
    alice = _alice()
    client = _client("other", alice["user"])

    # when another player reads her stats and her profile
    stats = graphql(client, PLAYER, {"name": "alice"})["data"]["user"]["stats"]
    profile = client.get("/players/alice/")

    # then both show her latest public event, not the coin line
    assert stats["lastActivityAt"] == alice["public_time"]
    assert profile.context["last_active"].isoformat() == alice["public_time"]
