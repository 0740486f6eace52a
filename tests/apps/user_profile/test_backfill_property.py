"""Property: for any history built through the live services, erasing the log and backfilling it gives back
exactly the same events (user, type, source, timestamp, metadata) and the same stats."""

from contextlib import suppress
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from apps.teams.services import team_create, team_member_add
from apps.tournaments.models import Tournament
from apps.user_profile.models import Achievement
from apps.user_profile.services.backfill import activity_backfill
from tests.apps.user_profile.test_backfill import erase_log_and_zero_stats, event_set, stats_by_user
from tests.apps.user_profile.test_stats_property import (
    ACHIEVEMENTS,
    PLAYERS,
    T0,
    TEAMS,
    Platform,
    rosters,
    steps,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rosters=rosters, steps=steps)
def test_backfill_rebuilds_exactly_what_the_live_integration_recorded(rosters, steps):
    with transaction.atomic():
        # given: a history recorded live
        platform = Platform(
            players=[UserFactory() for _ in range(PLAYERS)],
            teams=[team_create(name=f"Team {n}") for n in range(TEAMS)],
            achievements=[Achievement.objects.create(code=f"a{n}", name=f"A{n}") for n in range(ACHIEVEMENTS)],
        )
        for format in (Tournament.Format.SOLO, Tournament.Format.TEAM):
            platform.apply(("tournament", format))
        for player_n, team_n in rosters:
            with suppress(ValidationError):
                team_member_add(
                    team=platform.pick(platform.teams, team_n), user=platform.pick(platform.players, player_n), at=T0
                )
        for step, minutes in steps:
            platform.clock += timedelta(minutes=minutes)
            with suppress(ValidationError):
                platform.apply(step)
        live_events, live_stats = event_set(), stats_by_user()
        erase_log_and_zero_stats()
        # when
        report = activity_backfill(batch_size=3)
        # then
        assert event_set() == live_events
        assert stats_by_user() == live_stats
        assert report.events_created == len(live_events)
        transaction.set_rollback(True)
