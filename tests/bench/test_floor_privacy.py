"""The benchmark's floors answer what the API answers under the privacy policy (anonymous reads, the owner's
economy), so the benchmark's correctness check holds with every combination of settings."""

from typing import Any

import pytest
from django.test import Client

from apps.economy.services import transaction_create
from bench import floor
from bench.reads import ECONOMY_QUERY, FEED_QUERY, HISTORY_QUERY, LEADERBOARD_QUERY, STATS_QUERY
from tests.factories import UserFactory, enter, finish, make_tournament, play, set_privacy
from tests.schema.conftest import graphql

pytestmark = pytest.mark.django_db

COMBINATIONS = ((False, True), (True, True), (False, False), (True, False))


def _players() -> list[str]:
    """Four players, one per combination of settings, with matches, a placement with a prize and coin lines."""
    players = UserFactory.create_batch(4)
    cup = make_tournament()
    registrations = [enter(cup, player) for player in players]
    play(cup, registrations[0], registrations[1], winner=registrations[0])
    play(cup, registrations[2], registrations[3], winner=registrations[3])
    finish(cup, registrations)
    for player, (economy, activity) in zip(players, COMBINATIONS, strict=True):
        transaction_create(user=player, amount=3_000_000_000, reason="TOURNAMENT_PRIZE", reference="secret")
        transaction_create(user=player, amount=-5, reason="ENTRY_FEE")
        set_privacy(player, economy_public=economy, activity_public=activity)
    return [player.username for player in players]


def _api(client: Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = graphql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return {"data": body["data"]}


def test_anonymous_floors_match_the_api(client: Client) -> None:
    # given players with every combination of settings
    usernames = _players()

    # when an anonymous visitor reads each through the API and through the floors
    for username in usernames:
        # then the documents are equal
        assert floor.stats_document(username) == _api(client, STATS_QUERY, {"username": username})
        assert floor.activities_document(username, 50, None) == _api(client, FEED_QUERY, {"username": username})
        assert floor.tournament_history_document(username, 20) == _api(client, HISTORY_QUERY, {"username": username})
    assert floor.leaderboard_document(50) == _api(client, LEADERBOARD_QUERY, {})


def test_the_owners_economy_floor_matches_the_api(client: Client) -> None:
    # given a player with coin lines past 32 bits, signed in
    [username, *_] = _players()
    player = UserFactory._meta.model.objects.get(username=username)
    client.force_login(player)

    # when / then the floor's economy document is the API's
    assert floor.economy_document(player.pk, 10) == _api(client, ECONOMY_QUERY, {})
