"""The backfill's COPY floor writes the same events into a twin of the log, and leaves nothing behind."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.services.events import EventSpec, record_events
from bench.copy_floor import TWIN, copy_floor
from tests.factories import UserFactory
from tests.live.conftest import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def test_the_floor_copies_every_event_of_every_shard_into_a_twin_it_drops() -> None:
    # given 25 events of 5 players in the log
    players = [UserFactory() for _ in range(5)]
    record_events(
        events=[
            EventSpec(player.pk, E.MATCH_PLAYED, T0 + timedelta(minutes=n), "tournaments.match", n)
            for player in players
            for n in range(5)
        ]
    )

    # when two processes copy their shards
    floor = copy_floor(database_url=database_url(), workers=2)

    # then every event was written once, through the same partitions, indexes and foreign keys, and the twin is gone
    assert (floor["rows"], floor["log_rows"], floor["workers"]) == (25, UserActivity.objects.count(), 2)
    assert floor["seconds"] > 0
    with psycopg.connect(database_url()) as conn:
        assert conn.execute("SELECT to_regclass(%s)", [TWIN]).fetchone() == (None,)
