"""`user(username:)` reads the player and, when the operation asks for them, the activity times a viewer may
see in one trip to the database thread: the values are the policy's, the trips one instead of two."""

from typing import Any

import pytest
from django.test import Client

import schema.dataloaders
import schema.users.queries
from apps.economy.services import transaction_create
from apps.user_profile.event_types import COIN_EVENT_TYPES
from tests.factories import UserFactory, enter, make_tournament
from tests.schema.conftest import count_queries, graphql

pytestmark = pytest.mark.django_db

TIMES = "query($u: String!) { user(username: $u) { stats { matchesWon lastActivityAt } } }"
TIMES_IN_FRAGMENT = (
    "query($u: String!) { user(username: $u) { ...Times } } "
    "fragment Times on User { stats { ... on UserStats { firstActivityAt } } }"
)
NO_TIMES = "query($u: String!) { user(username: $u) { stats { matchesWon } } }"


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The names of the functions each trip to the database thread ran, in order."""
    seen: list[str] = []
    for module in (schema.users.queries, schema.dataloaders):
        original = module.run_sync

        def counted(function: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            seen.append(getattr(function, "__name__", repr(function)))
            return _original(function, *args, **kwargs)

        monkeypatch.setattr(module, "run_sync", counted)
    return seen


@pytest.fixture
def player_with_a_late_coin_line():
    player = UserFactory()
    enter(make_tournament(), player)  # a public event first
    transaction_create(user=player, amount=40, reason="DAILY_REWARD")  # then a private one (economy private)
    return player


@pytest.mark.parametrize("query", [TIMES, TIMES_IN_FRAGMENT], ids=["field", "fragment"])
def test_anonymous_times_come_with_the_player_in_one_trip(client: Client, trips, player_with_a_late_coin_line, query):
    # given an anonymous viewer and a player whose latest event is a private coin line
    player = player_with_a_late_coin_line

    # when the operation asks for the player's activity times
    with count_queries() as statements:
        body = graphql(client, query, {"u": player.username})

    # then one trip to the database thread brings both, and the times skip the coin line
    assert "errors" not in body, body
    assert trips == ["_player"]
    assert len(statements) == 2  # the player with their stats and settings; their visible times
    stats = body["data"]["user"]["stats"]
    public = player.activities.exclude(event_type__in=COIN_EVENT_TYPES).order_by("timestamp", "id")
    assert public.count() < player.activities.count()  # the coin line is there, and must not count
    if "lastActivityAt" in stats:
        assert stats["lastActivityAt"] == public.last().timestamp.isoformat()
    else:
        assert stats["firstActivityAt"] == public.first().timestamp.isoformat()


def test_an_operation_without_times_pays_nothing_for_them(client: Client, trips, player_with_a_late_coin_line):
    # when the times are not asked for
    with count_queries() as statements:
        body = graphql(client, NO_TIMES, {"u": player_with_a_late_coin_line.username})

    # then no statement computes them
    assert "errors" not in body, body
    assert trips == ["_player"]
    assert len(statements) == 1


def test_the_owner_gets_the_stored_times_without_computing_them(client: Client, trips, player_with_a_late_coin_line):
    # given the player themself
    player = player_with_a_late_coin_line
    client.force_login(player)

    # when they ask for their times
    body = graphql(client, TIMES, {"u": player.username})

    # then they see their latest event, the coin line included, from the stored stats
    assert body["data"]["user"]["stats"]["lastActivityAt"] == player.stats.last_activity_at.isoformat()
    assert "_player" in trips
    assert "fetch" not in trips[trips.index("_player") :]
