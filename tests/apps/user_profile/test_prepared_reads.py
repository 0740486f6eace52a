"""The hot reads run as prepared statements with generic plans: planned once per connection, not per call.

Planning a walk over the log's 16 partitions cost several times running it (1.2 ms a call for a player's
first and last visible event, 0.18 ms prepared with a generic plan), so these statements opt in
(selectors/rows.py prepared_cursor) and every connection plans prepared statements generically
(config/settings.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from apps.privacy.policy import Viewer, leaderboard_scope
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.selectors.activity import activity_forward_pages, activity_times_of
from apps.user_profile.selectors.leaderboard import LeaderboardMetric, leaderboard_page
from apps.user_profile.selectors.rows import player_by_username
from apps.user_profile.services.events import record_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


def prepared_plans(fragment: str) -> tuple[int, int]:
    """(generic, custom) plans this connection used for its prepared statements containing `fragment`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        generic, custom = cursor.fetchone()
    return int(generic), int(custom)


def test_connections_plan_prepared_statements_generically() -> None:
    # given / when: the test database's connection, configured as every connection is
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        (mode,) = cursor.fetchone()
    # then
    assert mode == "force_generic_plan"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("feed page", "CROSS JOIN LATERAL"),
        ("first and last visible event", "ORDER BY a.timestamp ASC, a.id ASC LIMIT 1"),
        ("player by username", '"username" = $1'),
        ("leaderboard", "ORDER BY metric_value DESC"),
    ],
)
def test_hot_reads_are_planned_once_and_then_only_executed(name: str, fragment: str) -> None:
    # given a player with a few events, one of them a coin line the public does not see
    player = UserFactory(username="prepared")
    for day, event_type in enumerate([E.TEAM_JOINED, E.COINS_EARNED, E.TEAM_LEFT]):
        record_event(
            user_id=player.pk,
            event_type=event_type,
            timestamp=T0 + timedelta(days=day),
            source_model="tests.prepared",
            source_id=day,
            metadata={"amount": 10} if event_type == E.COINS_EARNED else {},
        )
    reads = {
        "feed page": lambda: activity_forward_pages(
            owner_ids=[player.pk], viewer_id=None, viewer_is_staff=False, first=2
        ),
        "first and last visible event": lambda: activity_times_of(
            owner_ids=[player.pk], excluded_event_types=[E.COINS_EARNED.value]
        ),
        "player by username": lambda: player_by_username("prepared"),
        "leaderboard": lambda: leaderboard_page(
            metric=LeaderboardMetric.NET_EARNINGS,
            first=5,
            scope=leaderboard_scope(metric="NET_EARNINGS", viewer=Viewer(id=None, is_staff=False)),
        ),
    }
    # when the read runs three times
    answers = [reads[name]() for _ in range(3)]
    # then it answered the same each time, from one prepared statement executed three times, never re-planned
    assert answers[0] == answers[1] == answers[2]
    assert prepared_plans(fragment) == (3, 0)
