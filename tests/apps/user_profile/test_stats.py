"""Player stats: one counter per event type, moved in the event's transaction, equal to a recomputation."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.teams.services import team_member_remove
from apps.user_profile.event_types import COUNTER_FIELDS, COUNTER_FOR_EVENT
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.services.events import EventSpec, record_event, record_events
from apps.user_profile.services.stats import (
    empty_stats,
    stats_drift,
    stats_expected_from_events,
    stats_recompute,
)
from tests.factories import UserFactory, enter, finish, make_team, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def stats_of(user) -> UserProfileStats:
    return UserProfileStats.objects.get(user=user)


def test_every_event_type_drives_exactly_one_counter():
    # given / when
    counters = list(COUNTER_FOR_EVENT.values())
    # then
    assert set(COUNTER_FOR_EVENT) == set(E.values)
    assert len(counters) == len(set(counters)) == len(COUNTER_FIELDS)


def test_a_batch_moves_each_players_stats_by_its_sums_in_the_database():
    # given a player with stats another writer has already moved
    player, other = UserFactory(), UserFactory()
    record_event(
        user_id=player.pk,
        event_type=E.COINS_EARNED,
        timestamp=T0,
        source_model="economy.test",
        source_id=1,
        metadata={"amount": 5},
    )
    # when one batch records two coin events and a match for them, and a match for another player
    record_events(
        events=[
            EventSpec(player.pk, E.COINS_EARNED, T0 + timedelta(hours=2), "economy.test", 2, {"amount": 30}),
            EventSpec(other.pk, E.MATCH_PLAYED, T0, "tournaments.match", 7),
            EventSpec(player.pk, E.COINS_EARNED, T0 - timedelta(hours=1), "economy.test", 3, {"amount": 7}),
            EventSpec(player.pk, E.MATCH_PLAYED, T0, "tournaments.match", 7),
        ]
    )
    # then each counter is the old value plus the batch's sum, and the activity times span every event
    stats = stats_of(player)
    assert (stats.total_earned, stats.matches_played) == (42, 1)
    assert (stats.first_activity_at, stats.last_activity_at) == (T0 - timedelta(hours=1), T0 + timedelta(hours=2))
    assert stats_of(other).matches_played == 1
    assert stats_drift(stats=stats, expected=stats_expected_from_events(user_ids=[player.pk])[player.pk]) == {}


def test_tournament_won_increments():
    # given
    player, rival = UserFactory(), UserFactory()
    tournament = make_tournament()
    mine, theirs = enter(tournament, player), enter(tournament, rival)
    # when
    finish(tournament, [mine, theirs])
    # then
    stats = stats_of(player)
    assert (stats.tournaments_registered, stats.tournaments_played, stats.tournaments_completed) == (1, 1, 1)
    assert (stats.tournaments_won, stats.tournaments_runner_up) == (1, 0)
    assert (stats_of(rival).tournaments_won, stats_of(rival).tournaments_runner_up) == (0, 1)


def test_match_won_counts_the_match_once():
    # given
    player, rival = UserFactory(), UserFactory()
    tournament = make_tournament()
    mine, theirs = enter(tournament, player), enter(tournament, rival)
    # when
    play(tournament, mine, theirs, winner=mine)
    # then: match_won does not also add to matches_played (match_played does)
    assert (stats_of(player).matches_played, stats_of(player).matches_won, stats_of(player).matches_lost) == (1, 1, 0)
    assert (stats_of(rival).matches_played, stats_of(rival).matches_won, stats_of(rival).matches_lost) == (1, 0, 1)


def test_cumulative_tournaments():
    # given
    player, rival = UserFactory(), UserFactory()
    # when: three tournaments, won twice and second once
    for placements in ("player", "rival", "player"):
        tournament = make_tournament()
        mine, theirs = enter(tournament, player), enter(tournament, rival)
        finish(tournament, [mine, theirs] if placements == "player" else [theirs, mine])
    # then
    stats = stats_of(player)
    assert (stats.tournaments_registered, stats.tournaments_completed) == (3, 3)
    assert (stats.tournaments_won, stats.tournaments_runner_up, stats.podium_finishes) == (2, 1, 3)
    assert stats.tournament_win_rate == pytest.approx(2 / 3)
    assert stats.tournament_win_rate_percent == Decimal("66.7")


def test_win_rate():
    # given: three matches, two won and one drawn
    player, rival = UserFactory(), UserFactory()
    tournament = make_tournament()
    mine, theirs = enter(tournament, player), enter(tournament, rival)
    # when
    play(tournament, mine, theirs, winner=mine)
    play(tournament, mine, theirs, winner=mine, round=2)
    play(tournament, mine, theirs, winner=None, round=3)
    # then
    stats = stats_of(player)
    assert (stats.matches_played, stats.matches_won, stats.matches_drawn) == (3, 2, 1)
    assert stats.win_rate == pytest.approx(2 / 3)
    assert stats.win_rate_percent == Decimal("66.7")
    assert stats_of(rival).win_rate == 0.0


def test_zero_matches_win_rate():
    # given
    stats = stats_of(UserFactory())
    # when / then
    assert (stats.win_rate, stats.win_rate_percent) == (0.0, Decimal("0.0"))
    assert (stats.tournament_win_rate, stats.tournament_win_rate_percent) == (0.0, Decimal("0.0"))
    assert (stats.podium_finishes, stats.net_earnings, stats.active_teams) == (0, 0, 0)


def test_net_earnings_and_active_teams():
    # given
    player, teammate = UserFactory(), UserFactory()
    transaction_create(user=player, amount=500, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE)
    transaction_create(user=player, amount=-120, reason=DeltaCrownTransaction.Reason.SHOP_PURCHASE)
    first = make_team(members=[player, teammate])
    make_team(members=[player])
    # when
    team_member_remove(team=first, user=player)
    # then
    stats = stats_of(player)
    assert (stats.total_earned, stats.total_spent, stats.net_earnings) == (500, 120, 380)
    assert (stats.teams_joined, stats.teams_left, stats.active_teams) == (2, 1, 1)


def test_to_dict():
    # given
    player, rival = UserFactory(), UserFactory()
    tournament = make_tournament()
    mine, theirs = enter(tournament, player, at=T0), enter(tournament, rival, at=T0)
    play(tournament, mine, theirs, winner=mine, at=T0 + timedelta(hours=1))
    finish(tournament, [mine, theirs], at=T0 + timedelta(hours=2))
    transaction_create(
        user=player, amount=75, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE, created_at=T0 + timedelta(hours=3)
    )
    # when
    data = stats_of(player).to_dict()
    # then
    assert data == {
        "user_id": player.pk,
        "tournaments_registered": 1,
        "tournaments_played": 1,
        "tournaments_completed": 1,
        "tournaments_won": 1,
        "tournaments_runner_up": 0,
        "tournaments_top4": 0,
        "matches_played": 1,
        "matches_won": 1,
        "matches_lost": 0,
        "matches_drawn": 0,
        "total_earned": 75,
        "total_spent": 0,
        "achievements_unlocked": 0,
        "teams_joined": 0,
        "teams_left": 0,
        "first_activity_at": "2026-05-01T18:00:00+00:00",
        "last_activity_at": "2026-05-01T21:00:00+00:00",
        "win_rate": 1.0,
        "win_rate_percent": 100.0,
        "tournament_win_rate": 1.0,
        "tournament_win_rate_percent": 100.0,
        "podium_finishes": 1,
        "net_earnings": 75,
        "active_teams": 0,
    }
    assert str(stats_of(player)) == f"Stats of {player.pk}"


def test_first_and_last_activity_follow_event_time_not_recording_order():
    # given
    user = UserFactory()
    times = [T0, T0 - timedelta(days=3), T0 + timedelta(days=2), T0 - timedelta(days=1)]
    # when
    for n, moment in enumerate(times):
        record_event(
            user_id=user.pk,
            event_type=E.TEAM_JOINED,
            timestamp=moment,
            source_model="teams.teammembership",
            source_id=n,
        )
    # then
    stats = stats_of(user)
    assert (stats.first_activity_at, stats.last_activity_at) == (min(times), max(times))


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("matches_played = -1", "violates check constraint"),
        ("achievements_unlocked = -1", "achievements_unlocked"),
        ("total_earned = -5", "total_earned"),
        ("matches_won = 2, matches_played = 1", "stats_match_outcomes_le_played"),
        ("matches_won = 1, matches_lost = 1, matches_played = 1", "stats_match_outcomes_le_played"),
        ("matches_drawn = 1, matches_won = 1, matches_played = 1", "stats_match_outcomes_le_played"),
        (
            "tournaments_registered = 1, tournaments_played = 1, tournaments_completed = 1, tournaments_won = 1, "
            "tournaments_runner_up = 1",
            "stats_placements_le_completed",
        ),
        ("tournaments_registered = 2, tournaments_played = 2, tournaments_completed = 3", "stats_completed_le_played"),
        ("tournaments_registered = 1, tournaments_played = 2", "stats_played_le_registered"),
        ("teams_joined = 1, teams_left = 2", "stats_left_le_joined"),
        ("first_activity_at = now(), last_activity_at = now() - interval '1 day'", "stats_first_le_last_activity"),
        ("first_activity_at = now()", "stats_first_le_last_activity"),
        ("last_activity_at = now()", "stats_first_le_last_activity"),
    ],
)
def test_negative_or_inconsistent_stats_impossible(assignment, constraint):
    # given
    user = UserFactory()
    # when / then
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE user_profile_userprofilestats SET {assignment} WHERE user_id = %s", [user.pk])
    assert stats_of(user).to_dict()["matches_played"] == 0


def test_consistent_stats_are_accepted_by_the_constraints():
    # given
    user = UserFactory()
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE user_profile_userprofilestats SET matches_played = 3, matches_won = 1, matches_lost = 1, "
            "matches_drawn = 1, tournaments_registered = 2, tournaments_played = 2, tournaments_completed = 2, "
            "tournaments_won = 1, tournaments_runner_up = 1 WHERE user_id = %s",
            [user.pk],
        )
    # then
    stats = stats_of(user)
    assert (stats.matches_played, stats.win_rate_percent, stats.tournament_win_rate) == (3, Decimal("33.3"), 0.5)


def test_missing_stats_row_is_created_by_the_increment_path():
    # given
    user = UserFactory()
    UserProfileStats.objects.filter(user=user).delete()
    # when
    record_event(
        user_id=user.pk,
        event_type=E.COINS_EARNED,
        timestamp=T0,
        source_model="economy.deltacrowntransaction",
        source_id=1,
        metadata={"amount": 30},
    )
    # then
    stats = stats_of(user)
    assert (stats.total_earned, stats.first_activity_at) == (30, T0)


def test_stats_update_atomic_with_event():
    # given: a batch whose last event breaks a stats constraint (a second win of one match played)
    user = UserFactory()
    spec = {"user_id": user.pk, "timestamp": T0, "source_model": "tournaments.match"}
    batch = [
        EventSpec(event_type=E.MATCH_PLAYED, source_id=1, **spec),
        EventSpec(event_type=E.MATCH_WON, source_id=1, **spec),
        EventSpec(event_type=E.MATCH_WON, source_id=2, **spec),
    ]
    # when
    with pytest.raises(IntegrityError, match="stats_match_outcomes_le_played"):
        record_events(events=batch)
    # then: neither the events nor their increments survived
    assert not UserActivity.objects.filter(user=user).exists()
    assert (stats_of(user).matches_played, stats_of(user).matches_won) == (0, 0)


def _purchase_that_fails_after_the_ledger_write(player) -> None:
    with transaction.atomic():
        transaction_create(user=player, amount=10, reason=DeltaCrownTransaction.Reason.DAILY_REWARD)
        raise RuntimeError("payment provider down")


def test_event_insert_rolls_back_with_the_source_save():
    # given
    player = UserFactory()
    # when
    with pytest.raises(RuntimeError):
        _purchase_that_fails_after_the_ledger_write(player)
    # then
    assert not DeltaCrownTransaction.objects.filter(user=player).exists()
    assert not UserActivity.objects.filter(user=player).exists()
    assert stats_of(player).total_earned == 0


def _rich_history():
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    team = make_team(members=[alice, bob])
    tournament = make_tournament()
    ra, rb, rc = enter(tournament, alice), enter(tournament, bob), enter(tournament, carol)
    play(tournament, ra, rb, winner=ra)
    play(tournament, ra, rc, winner=None, round=2)
    play(tournament, rb, rc, winner=rc, is_forfeit=True, round=3)
    finish(tournament, [ra, rc, rb])
    transaction_create(user=alice, amount=90, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE)
    transaction_create(user=alice, amount=-15, reason=DeltaCrownTransaction.Reason.ENTRY_FEE)
    team_member_remove(team=team, user=bob)
    return alice, bob, carol


def test_recompute_stats_matches_events():
    # given
    users = _rich_history()
    stored = {u.pk: stats_of(u).to_dict() for u in users}
    # when
    recomputed = {u.pk: stats_recompute(user_id=u.pk).to_dict() for u in users}
    # then
    assert recomputed == stored
    alice = stored[users[0].pk]
    assert (alice["matches_played"], alice["matches_won"], alice["matches_drawn"], alice["net_earnings"]) == (
        2,
        1,
        1,
        75,
    )


def test_expected_stats_agree_with_stored_for_every_player():
    # given
    users = _rich_history()
    # when
    expected = stats_expected_from_events(user_ids=[u.pk for u in users])
    in_range = stats_expected_from_events(id_range=(users[1].pk, users[2].pk))
    everyone = stats_expected_from_events()
    # then
    for user in users:
        assert stats_drift(stats=stats_of(user), expected=expected[user.pk]) == {}
    assert set(in_range) == {users[1].pk}
    assert set(everyone) >= {u.pk for u in users}
    assert expected[users[0].pk]["total_earned"] == 90
    assert expected[users[0].pk]["total_spent"] == 15


def test_drift_detection():
    # given: a player's stored stats forced away from the events
    alice, *_ = _rich_history()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE user_profile_userprofilestats SET total_earned = total_earned + 7, achievements_unlocked = 4 "
            "WHERE user_id = %s",
            [alice.pk],
        )
    expected = stats_expected_from_events(user_ids=[alice.pk])[alice.pk]
    # when
    drift = stats_drift(stats=stats_of(alice), expected=expected)
    # then
    assert drift == {"total_earned": (90, 97), "achievements_unlocked": (0, 4)}
    assert stats_drift(stats=stats_recompute(user_id=alice.pk), expected=expected) == {}


def test_recompute_of_a_player_without_events_or_stats_row():
    # given
    user = UserFactory()
    UserProfileStats.objects.filter(user=user).delete()
    # when
    stats = stats_recompute(user_id=user.pk)
    # then
    assert stats_expected_from_events(user_ids=[user.pk]) == {}
    assert stats_drift(stats=stats, expected=empty_stats()) == {}
    assert stats_of(user).last_activity_at is None
