"""Set-based stats recomputation for a batch of players: the SQL form of stats_expected_from_events."""

from django.db import connection

from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.models.stats import AMOUNT_EVENTS, COUNTER_FIELDS, COUNTER_FOR_EVENT, STORED_FIELDS

T_STATS = UserProfileStats._meta.db_table
T_ACTIVITY = UserActivity._meta.db_table


def _aggregate(event_type: str, counter: str) -> str:
    value = "SUM((a.metadata ->> 'amount')::bigint)" if event_type in AMOUNT_EVENTS else "COUNT(a.id)"
    return f"COALESCE({value} FILTER (WHERE a.event_type = '{event_type}'), 0) AS {counter}"


# One aggregate per player, LATERAL: an aggregate subquery is never flattened into a join, so each player's
# events are read through the user-led indexes. As a plain join with GROUP BY, a log without statistics
# (freshly filled, not analyzed yet) was hashed whole for every batch, which made a run quadratic.
EXPECTED_SELECT = (
    "SELECT u.user_id, e.* FROM unnest(%(user_ids)s::bigint[]) AS u(user_id) CROSS JOIN LATERAL (SELECT "
    + ", ".join(_aggregate(event_type, counter) for event_type, counter in COUNTER_FOR_EVENT.items())
    + ", MIN(a.timestamp) AS first_activity_at, MAX(a.timestamp) AS last_activity_at"
    + f" FROM {T_ACTIVITY} a WHERE a.user_id = u.user_id) e"
)

# Missing rows first (a missing stats row is never an error), with every column since the model's defaults
# are not database defaults.
INSERT_MISSING = (
    f"INSERT INTO {T_STATS} (user_id, {', '.join(STORED_FIELDS)}) "
    f"SELECT u.user_id, {', '.join('0' for _ in COUNTER_FIELDS)}, NULL, NULL "
    "FROM unnest(%(user_ids)s::bigint[]) AS u(user_id) ON CONFLICT (user_id) DO NOTHING"
)

LOCK_ROWS = f"SELECT user_id FROM {T_STATS} WHERE user_id = ANY(%(user_ids)s::bigint[]) ORDER BY user_id FOR UPDATE"

UPDATE_FROM_EVENTS = (
    f"UPDATE {T_STATS} s SET "
    + ", ".join(f"{name} = e.{name}" for name in STORED_FIELDS)
    + f" FROM ({EXPECTED_SELECT}) e WHERE s.user_id = e.user_id"
)


def stats_recompute_batch(*, user_ids: list[int]) -> int:
    """Rewrite the stats of `user_ids` from their events in three statements; returns the rows updated.

    Must run inside a transaction. The rows are locked (in user order, as record_events locks them) before
    the events are aggregated, so an event another transaction records meanwhile either committed first
    and is counted, or waits for the lock and increments the recomputed row.
    """
    if not user_ids:
        return 0
    params = {"user_ids": sorted(set(user_ids))}
    with connection.cursor() as cursor:
        cursor.execute(INSERT_MISSING, params)
        cursor.execute(LOCK_ROWS, params)
        cursor.execute(UPDATE_FROM_EVENTS, params)
        return cursor.rowcount
