"""The incident switch ACTIVITY_LIVE_STATS=0: events are still recorded, stats wait for reconcile --fix."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.models.stats import STORED_FIELDS
from apps.user_profile.services.events import record_event
from apps.user_profile.services.stats import stats_drift, stats_expected_from_events
from tests.factories import UserFactory, enter, make_tournament

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def stored(user_id: int) -> dict[str, object]:
    stats = UserProfileStats.objects.get(user_id=user_id)
    return {name: getattr(stats, name) for name in STORED_FIELDS}


def live_stats_gauge() -> float:
    response = Client().get("/metrics")
    assert response.status_code == 200
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
    return samples["deltacrown_live_stats_enabled"]


def test_with_live_stats_off_events_are_recorded_and_stats_left_until_reconcile_fixes_them(settings):
    # given: a player with stats from before the incident
    player = UserFactory()
    record_event(
        user_id=player.pk,
        event_type=E.COINS_EARNED,
        timestamp=T0,
        source_model="economy.deltacrowntransaction",
        source_id=1,
        metadata={"amount": 50},
    )
    before = stored(player.pk)
    settings.ACTIVITY_LIVE_STATS = False
    # when: events arrive with live stats off, through the service and through a domain flow
    record_event(
        user_id=player.pk,
        event_type=E.COINS_EARNED,
        timestamp=T0.replace(hour=19),
        source_model="economy.deltacrowntransaction",
        source_id=2,
        metadata={"amount": 70},
    )
    enter(make_tournament(), player)
    # then: the events are in the log, the stats did not move
    assert set(UserActivity.objects.filter(user=player).values_list("event_type", flat=True)) == {
        E.COINS_EARNED,
        E.TOURNAMENT_REGISTERED,
        E.TOURNAMENT_JOINED,
    }
    assert UserActivity.objects.filter(user=player).count() == 4
    assert stored(player.pk) == before
    # when: the switch is back on and reconcile fixes the drift
    settings.ACTIVITY_LIVE_STATS = True
    out = StringIO()
    call_command("reconcile_user_stats", "--fix", stdout=out)
    # then: the stats are exactly the log's
    stats = UserProfileStats.objects.get(user=player)
    assert (stats.total_earned, stats.tournaments_registered, stats.tournaments_played) == (120, 1, 1)
    assert stats_drift(stats=stats, expected=stats_expected_from_events(user_ids=[player.pk])[player.pk]) == {}
    assert "1 fixed" in out.getvalue()


def test_the_switch_is_exported_as_a_gauge(settings):
    # given
    settings.ACTIVITY_LIVE_STATS = False
    # when
    off = live_stats_gauge()
    settings.ACTIVITY_LIVE_STATS = True
    on = live_stats_gauge()
    # then
    assert (off, on) == (0.0, 1.0)
