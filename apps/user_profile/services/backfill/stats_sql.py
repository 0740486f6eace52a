"""Set-based stats recomputation for a batch of players, from services/stats.py's EXPECTED_SELECT.

The expected stats are that one statement (also behind stats_expected_from_events: reconcile and the admin's
recompute action); here it feeds an UPDATE of the batch's stats rows.
"""

from django.db import connection

from apps.user_profile.event_types import COUNTER_FIELDS, STORED_FIELDS
from apps.user_profile.services.stats import EXPECTED_SELECT, T_ACTIVITY, T_STATS

__all__ = ["T_ACTIVITY", "stats_recompute_batch"]

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
