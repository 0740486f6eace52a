"""Stats writes. Every change is one atomic statement or runs under the stats row's lock."""

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Max, Min, Q, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.models.stats import AMOUNT_EVENTS, COUNTER_FIELDS, COUNTER_FOR_EVENT, STORED_FIELDS


def _increment_sql(counter: str) -> str:
    table = UserProfileStats._meta.db_table
    # Plain SQL, built once per counter: on the hot path of every event, compiling an ORM update cost more
    # than executing it. Written for PostgreSQL and SQLite (the demo) alike.
    return (
        f"UPDATE {table} SET {counter} = {counter} + %s, "
        "first_activity_at = CASE WHEN first_activity_at IS NULL OR first_activity_at > %s "
        "THEN %s ELSE first_activity_at END, "
        "last_activity_at = CASE WHEN last_activity_at IS NULL OR last_activity_at < %s "
        "THEN %s ELSE last_activity_at END "
        "WHERE user_id = %s"
    )


_INCREMENT_SQL = {counter: _increment_sql(counter) for counter in COUNTER_FIELDS}


def stats_apply_event(*, user_id: int, event_type: str, amount: int, timestamp: datetime) -> None:
    """Add one event to the player's stats.

    The increment happens in the database (`col = col + n`, like an F() update), so concurrent writers never
    lose an update; a missing stats row is created, never an error.
    """
    at = connection.ops.adapt_datetimefield_value(timestamp)
    sql = _INCREMENT_SQL[COUNTER_FOR_EVENT[event_type]]
    params = [amount, at, at, at, at, user_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            UserProfileStats.objects.bulk_create([UserProfileStats(user_id=user_id)], ignore_conflicts=True)
            cursor.execute(sql, params)


def stats_expected_from_events(
    *, user_ids: list[int] | None = None, id_range: tuple[int, int] | None = None
) -> dict[int, dict[str, Any]]:
    """What every stored stats field should be, aggregated from the events in one query.

    Players with no events are absent from the result (their expected stats are all zero).
    """
    events = UserActivity.objects.all()
    if user_ids is not None:
        events = events.filter(user_id__in=user_ids)
    if id_range is not None:
        events = events.filter(user_id__gte=id_range[0], user_id__lt=id_range[1])
    amount = Cast(KeyTextTransform("amount", "metadata"), BigIntegerField())
    aggregates: dict[str, Any] = {}
    for event_type, counter in COUNTER_FOR_EVENT.items():
        if event_type in AMOUNT_EVENTS:
            aggregates[counter] = Coalesce(Sum(amount, filter=Q(event_type=event_type)), Value(0))
        else:
            aggregates[counter] = Count("id", filter=Q(event_type=event_type))
    rows = (
        events.order_by()
        .values("user_id")
        .annotate(**aggregates, first_activity_at=Min("timestamp"), last_activity_at=Max("timestamp"))
    )
    result: dict[int, dict[str, Any]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        result[values["user_id"]] = {name: values[name] for name in STORED_FIELDS}
    return result


def empty_stats() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTER_FIELDS, 0), "first_activity_at": None, "last_activity_at": None}


@transaction.atomic
def stats_recompute(*, user_id: int) -> UserProfileStats:
    """Rewrite one player's stats from the events, under the stats row lock.

    The lock is taken before the events are read: an event being recorded concurrently either committed
    first (and is counted here) or waits for this lock and then increments the corrected row.
    """
    UserProfileStats.objects.get_or_create(user_id=user_id)
    stats = UserProfileStats.objects.select_for_update().get(user_id=user_id)
    expected = stats_expected_from_events(user_ids=[user_id]).get(user_id, empty_stats())
    for name in STORED_FIELDS:
        setattr(stats, name, expected[name])
    stats.save(update_fields=list(STORED_FIELDS))
    return stats


def stats_drift(*, stats: UserProfileStats, expected: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose stored value differs from the expected one: name -> (expected, actual)."""
    return {
        name: (expected[name], getattr(stats, name)) for name in STORED_FIELDS if expected[name] != getattr(stats, name)
    }
