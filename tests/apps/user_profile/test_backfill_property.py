"""Property: for any history built through the live services, erasing the log and backfilling it gives back
exactly the same events (user, type, source, timestamp, metadata) and the same stats."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from apps.user_profile.services.backfill import activity_backfill
from tests.apps.user_profile.test_backfill import erase_log_and_zero_stats, event_set, stats_by_user
from tests.apps.user_profile.test_stats_property import platform_played_live, rosters, steps

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rosters=rosters, steps=steps)
def test_backfill_rebuilds_exactly_what_the_live_integration_recorded(rosters, steps):
    with transaction.atomic():
        # given: a history recorded live
        platform_played_live(rosters=rosters, steps=steps)
        live_events, live_stats = event_set(), stats_by_user()
        erase_log_and_zero_stats()
        # when
        report = activity_backfill(batch_size=3)
        # then
        assert event_set() == live_events
        assert stats_by_user() == live_stats
        assert report.events_created == len(live_events)
        transaction.set_rollback(True)
