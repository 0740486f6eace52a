from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.economy.services import transaction_create
from apps.user_profile.services.events import EventSpec, record_events
from schema.node import to_global_id
from tests.factories import UserFactory, enter, make_tournament, play
from tests.schema.conftest import count_queries, error_messages, graphql

pytestmark = pytest.mark.django_db

FEED = """
query Feed($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $types: [ActivityEventType!]) {
  user(id: $id) {
    activities(first: $first, after: $after, last: $last, before: $before, eventTypes: $types) {
      edges { cursor node { id eventType timestamp amount metadata tournament { name } match { round } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""


def _record(user_id: int, n: int, *, start_id: int, base=None) -> None:
    base = base or timezone.now() - timedelta(days=30)
    record_events(
        events=[
            EventSpec(
                user_id=user_id,
                event_type="achievement_unlocked",
                timestamp=base + timedelta(minutes=i),
                source_model="test.source",
                source_id=start_id + i,
                metadata={},
            )
            for i in range(n)
        ]
    )


def _feed(client: Client, user, **variables):
    body = graphql(client, FEED, {"id": to_global_id("User", user.pk), **variables})
    return body


def test_feed_is_newest_first_and_pages_without_gaps_or_repeats_while_events_arrive(client: Client) -> None:
    # given a player with 25 events
    player = UserFactory()
    _record(player.pk, 25, start_id=1)
    seen: list[str] = []
    stamps: list[str] = []

    # when the client pages by 10, and 5 newer events arrive between every two pages
    body = _feed(client, player, first=10)
    for round_number in range(3):
        connection = body["data"]["user"]["activities"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        stamps += [edge["node"]["timestamp"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        _record(player.pk, 5, start_id=1000 + 10 * round_number, base=timezone.now())
        body = _feed(client, player, first=10, after=connection["pageInfo"]["endCursor"])

    # then it saw each of the original 25 exactly once, newest first
    assert len(seen) == 25
    assert len(set(seen)) == 25
    assert stamps == sorted(stamps, reverse=True)


def test_feed_order_and_page_info(client: Client) -> None:
    # given 5 events a minute apart
    player = UserFactory()
    _record(player.pk, 5, start_id=1)

    # when the first page of 2, then the next, then back with last/before are fetched
    first = _feed(client, player, first=2)["data"]["user"]["activities"]
    second = _feed(client, player, first=2, after=first["pageInfo"]["endCursor"])["data"]["user"]["activities"]
    back = _feed(client, player, last=2, before=second["edges"][0]["cursor"])["data"]["user"]["activities"]

    # then pages are newest first, contiguous, and report their neighbours
    stamps = [e["node"]["timestamp"] for e in first["edges"] + second["edges"]]
    assert stamps == sorted(stamps, reverse=True)
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": first["edges"][0]["cursor"],
        "endCursor": first["edges"][1]["cursor"],
    }
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert [e["node"]["id"] for e in back["edges"]] == [e["node"]["id"] for e in first["edges"]]
    assert back["pageInfo"]["hasPreviousPage"] is False


def test_economy_events_are_private_to_owner_and_staff(client: Client) -> None:
    # given a player with a coin transaction and a tournament registration
    player = UserFactory()
    transaction_create(user=player, amount=50, reason="DAILY_REWARD")
    enter(make_tournament(name="Open"), player, check_in=False)
    stranger = UserFactory()
    staff = UserFactory(is_staff=True)

    def event_types(viewer) -> list[str]:
        viewer_client = Client()
        if viewer is not None:
            viewer_client.force_login(viewer)
        edges = _feed(viewer_client, player, first=10)["data"]["user"]["activities"]["edges"]
        return sorted(edge["node"]["eventType"] for edge in edges)

    # when / then the owner and staff see the coins, others do not
    assert event_types(player) == ["COINS_EARNED", "TOURNAMENT_REGISTERED"]
    assert event_types(staff) == ["COINS_EARNED", "TOURNAMENT_REGISTERED"]
    assert event_types(stranger) == ["TOURNAMENT_REGISTERED"]
    assert event_types(None) == ["TOURNAMENT_REGISTERED"]
    # and the amount is there for the owner
    own_client = Client()
    own_client.force_login(player)
    coins = _feed(own_client, player, first=10, types=["COINS_EARNED"])["data"]["user"]["activities"]["edges"]
    assert [edge["node"]["amount"] for edge in coins] == ["50"]


def test_event_type_filter_and_relations(client: Client) -> None:
    # given a played match
    a, b = UserFactory(), UserFactory()
    cup = make_tournament(name="Finals Cup")
    play(cup, enter(cup, a), enter(cup, b), winner=None, round=3)

    # when only match_played events are asked for
    edges = _feed(client, a, first=10, types=["MATCH_PLAYED"])["data"]["user"]["activities"]["edges"]

    # then the match and its tournament are resolved
    assert [(e["node"]["eventType"], e["node"]["match"], e["node"]["tournament"]) for e in edges] == [
        ("MATCH_PLAYED", {"round": 3}, {"name": "Finals Cup"})
    ]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 101}, "`first` must be between 0 and 100, got 101."),
        ({"first": -1}, "`first` must be between 0 and 100, got -1."),
        ({"last": 101}, "`last` must be between 0 and 100, got 101."),
        ({"first": 2, "last": 2}, "Pass either `first` or `last`, not both."),
        ({"after": "not-a-cursor"}, "Invalid activity cursor"),
        ({"before": "WyJsZWFkZXJib2FyZCJd"}, "Invalid activity cursor"),
    ],
)
def test_bad_page_arguments_are_clear_errors(client: Client, variables, message) -> None:
    # given a player
    player = UserFactory()

    # when the feed is asked with bad arguments
    body = _feed(client, player, **variables)

    # then a GraphQL error says what is wrong (no 500, no data for the field)
    assert body["_status"] == 200
    assert body["data"] == {"user": None}
    assert error_messages(body)[0].startswith(message)


def test_activities_query_count_does_not_grow_with_page_size(client: Client, django_assert_num_queries) -> None:
    # given a player with events from many tournaments and matches
    player = UserFactory()
    for n in range(6):
        cup = make_tournament(name=f"Cup {n}")
        mine, other = enter(cup, player), enter(cup, UserFactory())
        for round_number in range(1, 5):
            play(cup, mine, other, winner=mine, round=round_number)
    query = FEED.replace("$first: Int", "$first: Int")

    def run(first: int) -> int:
        with count_queries() as captured:
            body = graphql(client, query, {"id": to_global_id("User", player.pk), "first": first})
        assert len(body["data"]["user"]["activities"]["edges"]) == first
        return len(captured)

    # when / then 5 and 50 events cost the same number of queries, and few
    assert 1 <= run(5) == run(50) <= 5
