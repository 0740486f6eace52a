"""The activity service: events recorded from each kind of source, once, with the right values."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.tournaments import services as tournaments
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.services import activity
from apps.user_profile.services.events import EventSpec, InvalidEventError, record_event, record_events
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def events_of(user, **filters):
    return list(
        UserActivity.objects.filter(user=user, **filters)
        .order_by("timestamp", "id")
        .values_list("event_type", flat=True)
    )


def test_record_event_creates_activity():
    # given
    user = UserFactory()
    # when
    activity_id = record_event(
        user_id=user.pk,
        event_type=E.ACHIEVEMENT_UNLOCKED,
        timestamp=T0,
        source_model="user_profile.userachievement",
        source_id=41,
        metadata={"achievement_code": "first-blood"},
    )
    # then
    row = UserActivity.objects.get(pk=activity_id)
    assert (row.user_id, row.event_type, row.timestamp) == (user.pk, E.ACHIEVEMENT_UNLOCKED, T0)
    assert (row.source_model, row.source_id) == ("user_profile.userachievement", 41)
    assert row.metadata == {"achievement_code": "first-blood"}
    assert row.recorded_at is not None
    assert row.amount is None
    stats = UserProfileStats.objects.get(user=user)
    assert (stats.achievements_unlocked, stats.first_activity_at, stats.last_activity_at) == (1, T0, T0)


def test_idempotency_prevents_duplicate_events():
    # given
    user = UserFactory()
    kwargs = {
        "user_id": user.pk,
        "event_type": E.COINS_EARNED,
        "timestamp": T0,
        "source_model": "economy.deltacrowntransaction",
        "source_id": 7,
        "metadata": {"amount": 50},
    }
    first = record_event(**kwargs)
    # when
    second = record_event(**kwargs)
    # then
    assert first is not None
    assert second is None
    assert UserActivity.objects.filter(user=user).count() == 1
    assert UserProfileStats.objects.get(user=user).total_earned == 50


def test_idempotency_key_includes_the_user():
    # given: one source row that concerns two players
    alice, bob = UserFactory(), UserFactory()
    spec = {"event_type": E.MATCH_PLAYED, "timestamp": T0, "source_model": "tournaments.match", "source_id": 3}
    # when
    inserted = record_events(events=[EventSpec(user_id=alice.pk, **spec), EventSpec(user_id=bob.pk, **spec)])
    # then
    assert len(inserted) == 2
    assert UserProfileStats.objects.get(user=alice).matches_played == 1
    assert UserProfileStats.objects.get(user=bob).matches_played == 1


def test_database_rejects_a_second_row_with_the_same_key():
    # given
    user = UserFactory()
    record_event(
        user_id=user.pk, event_type=E.TEAM_JOINED, timestamp=T0, source_model="teams.teammembership", source_id=1
    )
    insert = (  # a plain INSERT without ON CONFLICT, admitted past the insert trigger as the service is
        "SELECT set_config('deltacrown.activity_writer', 'record_events', true); "
        "INSERT INTO user_profile_useractivity (user_id, event_type, timestamp, metadata, source_model, source_id, "
        "recorded_at) VALUES (%s, 'team_joined', %s, '{}', 'teams.teammembership', 1, %s)"
    )
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(insert, [user.pk, T0, T0])
    assert UserActivity.objects.filter(user=user).count() == 1


def test_tournament_registration_event():
    # given
    player = UserFactory()
    tournament = make_tournament()
    registration = tournaments.registration_create(tournament=tournament, user=player, registered_at=T0)
    # when: pending produces nothing, confirmation registers, check-in joins
    pending = events_of(player)
    tournaments.registration_confirm(registration=registration, at=T0 + timedelta(hours=1))
    confirmed = events_of(player)
    tournaments.registration_check_in(registration=registration, at=T0 + timedelta(hours=2))
    # then
    assert pending == []
    assert confirmed == [E.TOURNAMENT_REGISTERED]
    assert events_of(player) == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED]
    registered = UserActivity.objects.get(user=player, event_type=E.TOURNAMENT_REGISTERED)
    assert registered.timestamp == T0 + timedelta(hours=1)
    assert registered.metadata == {
        "tournament_id": tournament.pk,
        "tournament_name": tournament.name,
        "game": tournament.game,
        "registration_id": registration.pk,
    }
    assert (registered.source_model, registered.source_id) == ("tournaments.registration", registration.pk)
    stats = UserProfileStats.objects.get(user=player)
    assert (stats.tournaments_registered, stats.tournaments_played) == (1, 1)


def test_match_completion_records_played_and_outcome_for_both_players():
    # given
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    # when
    match = play(tournament, ra, rb, winner=rb, at=T0, round=2)
    # then
    assert events_of(alice, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_LOST]
    assert events_of(bob, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_WON]
    won = UserActivity.objects.get(user=bob, event_type=E.MATCH_WON)
    assert won.metadata == {
        "tournament_id": tournament.pk,
        "tournament_name": tournament.name,
        "match_id": match.pk,
        "round": 2,
        "opponent": "alice",
        "is_forfeit": False,
    }
    assert won.timestamp == T0


def test_match_not_completed_records_nothing():
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    match = tournaments.match_create(
        tournament=tournament, side_a=enter(tournament, alice), side_b=enter(tournament, bob)
    )
    # when
    recorded = activity.record_match_result(match=match)
    # then
    assert recorded == []
    assert UserActivity.objects.filter(source_model="tournaments.match").count() == 0


@pytest.mark.parametrize(
    ("placement", "event_type", "counter"),
    [
        (1, E.TOURNAMENT_WON, "tournaments_won"),
        (2, E.TOURNAMENT_RUNNER_UP, "tournaments_runner_up"),
        (3, E.TOURNAMENT_TOP4, "tournaments_top4"),
        (4, E.TOURNAMENT_TOP4, "tournaments_top4"),
    ],
)
def test_tournament_result_placement_events(placement, event_type, counter):
    # given
    player = UserFactory()
    tournament = make_tournament()
    registration = enter(tournament, player)
    # when
    result = tournaments.tournament_result_record(
        tournament=tournament, registration=registration, placement=placement, prize=300, at=T0
    )
    tournaments.tournament_complete(tournament=tournament, at=T0 + timedelta(hours=1))
    # then
    event = UserActivity.objects.get(user=player, source_model="tournaments.tournamentresult")
    assert event.event_type == event_type
    assert event.source_id == result.pk
    assert (event.metadata["placement"], event.metadata["prize"], event.metadata["result_id"]) == (
        placement,
        300,
        result.pk,
    )
    # a result entered before completion is dated at the completion
    assert event.timestamp == T0 + timedelta(hours=1)
    stats = UserProfileStats.objects.get(user=player)
    assert getattr(stats, counter) == 1
    assert stats.tournaments_completed == 1


def test_placement_below_fourth_records_only_completion():
    # given
    player = UserFactory()
    tournament = make_tournament()
    registration = enter(tournament, player)
    # when
    tournaments.tournament_result_record(tournament=tournament, registration=registration, placement=5)
    tournaments.tournament_complete(tournament=tournament)
    # then
    assert events_of(player) == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED, E.TOURNAMENT_COMPLETED]
    assert UserProfileStats.objects.get(user=player).podium_finishes == 0


@pytest.mark.parametrize(
    ("amount", "event_type", "earned", "spent"),
    [(250, E.COINS_EARNED, 250, 0), (-80, E.COINS_SPENT, 0, 80)],
)
def test_economy_events_by_sign(amount, event_type, earned, spent):
    # given
    player = UserFactory()
    # when
    tx = transaction_create(
        user=player, amount=amount, reason=DeltaCrownTransaction.Reason.DAILY_REWARD, reference="day-1", created_at=T0
    )
    # then
    event = UserActivity.objects.get(user=player)
    assert event.event_type == event_type
    assert event.amount == abs(amount)
    assert event.metadata == {
        "amount": abs(amount),
        "reason": "DAILY_REWARD",
        "reference": "day-1",
        "transaction_id": tx.pk,
    }
    stats = UserProfileStats.objects.get(user=player)
    assert (stats.total_earned, stats.total_spent, stats.net_earnings) == (earned, spent, earned - spent)


def test_recording_a_source_again_records_nothing_new():
    # given: a whole solo tournament, recorded live
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    match = play(tournament, ra, rb, winner=ra)
    finish(tournament, [ra, rb])
    tx = transaction_create(user=alice, amount=100, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE)
    before_events = UserActivity.objects.count()
    before_stats = [s.to_dict() for s in UserProfileStats.objects.order_by("user_id")]
    # when: every source is recorded again, and saved again
    again = [
        *activity.record_tournament_registration(registration=ra),
        *activity.record_match_result(match=match),
        *activity.record_tournament_completion(tournament=tournament),
        *activity.record_economy_transaction(transaction=tx),
    ]
    for source in (ra, rb, match, tx):
        source.save()
    tournament.refresh_from_db()
    tournament.save()
    # then
    assert again == []
    assert UserActivity.objects.count() == before_events
    assert [s.to_dict() for s in UserProfileStats.objects.order_by("user_id")] == before_stats


def test_events_are_recorded_in_causal_order_within_one_batch():
    # given: one batch listing a player's events out of user order
    alice, bob = UserFactory(), UserFactory()
    spec = {"timestamp": T0, "source_model": "tournaments.match", "source_id": 9}
    events = [
        EventSpec(user_id=bob.pk, event_type=E.MATCH_PLAYED, **spec),
        EventSpec(user_id=alice.pk, event_type=E.MATCH_PLAYED, **spec),
        EventSpec(user_id=bob.pk, event_type=E.MATCH_WON, **spec),
        EventSpec(user_id=alice.pk, event_type=E.MATCH_LOST, **spec),
    ]
    # when
    ids = record_events(events=events)
    # then: the check constraints (won + lost <= played) held at every statement
    assert len(ids) == 4
    assert [
        (s.matches_played, s.matches_won, s.matches_lost) for s in UserProfileStats.objects.order_by("user_id")
    ] == [
        (1, 0, 1),
        (1, 1, 0),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_type": "match_tied"}, "Unknown event type"),
        ({"timestamp": datetime(2026, 3, 1, 12, 0)}, "timezone-aware"),  # noqa: DTZ001  (the naive input under test)
        ({"timestamp": "2026-03-01"}, "timezone-aware"),
        ({"source_model": "match"}, "app_label.model"),
        ({"source_model": ""}, "app_label.model"),
        ({"event_type": E.COINS_EARNED, "metadata": {}}, "positive integer"),
        ({"event_type": E.COINS_SPENT, "metadata": {"amount": -5}}, "positive integer"),
        ({"event_type": E.COINS_SPENT, "metadata": {"amount": "5"}}, "positive integer"),
        ({"event_type": E.COINS_EARNED, "metadata": {"amount": True}}, "positive integer"),
    ],
)
def test_invalid_events_are_rejected_before_anything_is_written(changes, message):
    # given
    user = UserFactory()
    valid = EventSpec(
        user_id=user.pk, event_type=E.MATCH_PLAYED, timestamp=T0, source_model="tournaments.match", source_id=1
    )
    spec = {
        "user_id": user.pk,
        "event_type": E.TEAM_JOINED,
        "timestamp": T0,
        "source_model": "teams.teammembership",
        "source_id": 2,
    } | changes
    # when / then
    with pytest.raises(InvalidEventError, match=message):
        record_events(events=[valid, EventSpec(**spec)])
    assert UserActivity.objects.count() == 0
    assert UserProfileStats.objects.get(user=user).matches_played == 0


@pytest.mark.parametrize(
    ("viewer", "is_staff", "visible"),
    [
        ("owner", False, {E.COINS_EARNED, E.COINS_SPENT, E.TEAM_JOINED}),
        ("other", True, {E.COINS_EARNED, E.COINS_SPENT, E.TEAM_JOINED}),
        ("other", False, {E.TEAM_JOINED}),
        (None, False, {E.TEAM_JOINED}),
    ],
)
def test_economy_events_are_visible_to_their_owner_and_staff_only(viewer, is_staff, visible):
    # given
    owner, other = UserFactory(), UserFactory()
    transaction_create(user=owner, amount=20, reason=DeltaCrownTransaction.Reason.DAILY_REWARD)
    transaction_create(user=owner, amount=-5, reason=DeltaCrownTransaction.Reason.SHOP_PURCHASE)
    record_event(
        user_id=owner.pk, event_type=E.TEAM_JOINED, timestamp=T0, source_model="teams.teammembership", source_id=1
    )
    viewer_id = {"owner": owner.pk, "other": other.pk, None: None}[viewer]
    # when
    events = UserActivity.objects.filter(user=owner).visible_to(
        viewer_id=viewer_id, owner_id=owner.pk, viewer_is_staff=is_staff
    )
    # then
    assert set(events.values_list("event_type", flat=True)) == visible
