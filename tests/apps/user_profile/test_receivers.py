"""Signal wiring: fixture loading (raw saves) records nothing; a placement withdrawn before completion
records nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import serializers

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import Team, TeamMembership
from apps.tournaments import services as tournaments
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from tests.factories import UserFactory, enter, make_tournament

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 1, 15, 0, tzinfo=UTC)


def test_loading_fixtures_records_no_events():
    # given: a history serialized as a fixture, for players who exist
    alice, bob = UserFactory(), UserFactory()
    team = Team(pk=9001, name="Loaded", created_at=T0)
    cup = Tournament(
        pk=9001, name="Loaded Cup", game="Dota 2", status="COMPLETED", starts_at=T0, completed_at=T0 + timedelta(days=1)
    )
    common = {"tournament": cup, "status": "CONFIRMED", "confirmed_at": T0, "checked_in": True, "checked_in_at": T0}
    ra, rb = Registration(pk=9001, user=alice, **common), Registration(pk=9002, user=bob, **common)
    rows = [
        team,
        TeamMembership(pk=9001, team=team, user=alice, joined_at=T0),
        cup,
        ra,
        rb,
        Match(pk=9001, tournament=cup, side_a=ra, side_b=rb, state="COMPLETED", winner=ra, completed_at=T0),
        TournamentResult(pk=9001, tournament=cup, registration=ra, placement=1, created_at=T0),
        DeltaCrownTransaction(pk=9001, user=alice, amount=500, reason="TOURNAMENT_PRIZE", created_at=T0),
    ]
    fixture = serializers.serialize("json", rows)
    # when
    for loaded in serializers.deserialize("json", fixture):
        loaded.save()
    # then: the rows are there, and history is left to the backfill, not to the save signals
    assert Match.objects.get(pk=9001).winner_id == 9001
    assert DeltaCrownTransaction.objects.get(pk=9001).amount == 500
    assert not UserActivity.objects.exists()
    assert UserProfileStats.objects.get(user=alice).to_dict()["total_earned"] == 0


def test_placement_of_a_registration_disqualified_before_completion_records_nothing():
    # given
    cheat, fair = UserFactory(), UserFactory()
    cup = make_tournament()
    rc, rf = enter(cup, cheat, at=T0), enter(cup, fair, at=T0)
    tournaments.tournament_result_record(tournament=cup, registration=rc, placement=1, at=T0)
    tournaments.tournament_result_record(tournament=cup, registration=rf, placement=2, at=T0)
    tournaments.registration_set_status(registration=rc, status=Registration.Status.DISQUALIFIED)
    # when
    tournaments.tournament_complete(tournament=cup, at=T0 + timedelta(hours=2))
    # then
    assert not UserActivity.objects.filter(
        user=cheat, event_type__in=[E.TOURNAMENT_COMPLETED, E.TOURNAMENT_WON]
    ).exists()
    assert UserActivity.objects.filter(user=fair, event_type=E.TOURNAMENT_RUNNER_UP).count() == 1


def test_saving_a_tournament_that_is_not_completed_records_nothing():
    # given
    player = UserFactory()
    cup = make_tournament()
    enter(cup, player)
    before = UserActivity.objects.filter(user=player).count()
    # when
    started = tournaments.tournament_start(tournament=cup)
    # then
    assert started.status == Tournament.Status.IN_PROGRESS
    assert UserActivity.objects.filter(user=player).count() == before == 2
