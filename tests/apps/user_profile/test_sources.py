"""The event rules: one statement per source kind, run for a saved row (live) and for players (backfill)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from apps.economy.services import transaction_create
from apps.tournaments import services as tournaments
from apps.user_profile.event_types import CAUSAL_ORDER, COIN_EVENT_TYPES, COUNTER_FOR_EVENT
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.services import sources
from apps.user_profile.services.backfill import candidates
from apps.user_profile.services.stats import empty_stats, stats_drift, stats_expected_from_events
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_backfill_runs_the_live_rules_not_a_copy():
    # given / when: the statements each path runs
    backfill = candidates.candidates_cte()
    # then: every rule text live recording runs is in the backfill's statement
    assert sources.REGISTRATION_EVENTS in backfill
    for rule in (sources.placement_events(), sources.match_events()):
        assert rule in backfill
    assert sources.REGISTRATION_EVENTS in sources.RECORD_SQL["registration"]


def test_recording_for_a_player_without_a_stats_row_creates_it_with_the_events():
    # given: a player whose stats row is missing
    player = UserFactory()
    UserProfileStats.objects.filter(user=player).delete()
    # when
    tx = transaction_create(user=player, amount=40, reason="DAILY_REWARD")
    # then
    stats = UserProfileStats.objects.get(user=player)
    assert (stats.total_earned, stats.first_activity_at) == (40, tx.created_at)
    expected = stats_expected_from_events(user_ids=[player.pk])[player.pk]
    assert stats_drift(stats=stats, expected=expected) == {}


def test_a_players_events_of_one_moment_are_recorded_in_causal_order():
    # given: a placement entered before the completion, so completed and won share its moment
    player, rival = UserFactory(), UserFactory()
    cup = make_tournament()
    mine, theirs = enter(cup, player), enter(cup, rival)
    play(cup, mine, theirs, winner=mine, at=T0 - timedelta(hours=1))
    # when
    finish(cup, [mine, theirs], at=T0)
    # then: within each moment, ids follow the chain (completed before placed, played before won)
    rows = UserActivity.objects.filter(user=player).order_by("id").values_list("timestamp", "event_type")
    by_moment: dict[datetime, list[str]] = {}
    for timestamp, event_type in rows:
        by_moment.setdefault(timestamp, []).append(event_type)
    assert all(types == sorted(types, key=CAUSAL_ORDER.index) for types in by_moment.values())
    assert by_moment[T0][-2:] == [E.TOURNAMENT_COMPLETED, E.TOURNAMENT_WON]


def test_preview_lists_a_rows_events_and_writes_nothing():
    # given
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    cup = make_tournament()
    ra, rb = enter(cup, alice), enter(cup, bob)
    match = tournaments.match_create(tournament=cup, side_a=ra, side_b=rb)
    events_before = UserActivity.objects.count()
    # when: the match is not completed yet, then the rule is asked about it
    assert sources.source_events(kind="match", ids=[match.pk]) == []
    tournaments.match_complete(match=match, winner=rb, at=T0)
    rows = sources.source_events(kind="match", ids=[match.pk])
    # then
    assert sorted((user_id, event_type) for user_id, event_type, *_ in rows) == sorted(
        [(alice.pk, E.MATCH_PLAYED), (alice.pk, E.MATCH_LOST), (bob.pk, E.MATCH_PLAYED), (bob.pk, E.MATCH_WON)]
    )
    assert UserActivity.objects.count() == events_before + 4  # the live recording's, none from the preview


def test_expected_stats_statement_counts_coin_amounts_and_other_events_once_each():
    # given
    player = UserFactory()
    transaction_create(user=player, amount=25, reason="DAILY_REWARD")
    transaction_create(user=player, amount=-10, reason="SHOP_PURCHASE")
    # when
    expected = stats_expected_from_events(user_ids=[player.pk, player.pk + 1000])
    # then: a player without events is absent; amounts summed for the coin counters only
    assert set(expected) == {player.pk}
    coin_counters = {COUNTER_FOR_EVENT[t] for t in COIN_EVENT_TYPES}
    assert {name: expected[player.pk][name] for name in coin_counters} == {"total_earned": 25, "total_spent": 10}
    others = set(empty_stats()) - coin_counters - {"first_activity_at", "last_activity_at"}
    assert all(expected[player.pk][name] == 0 for name in others)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1  # live recording ran as a prepared statement
