"""Stats writes, and the one statement that says what a player's stats should be from the events.

Every change is one atomic statement or runs under the stats row's lock. Which event type drives which counter
and by how much comes from apps/user_profile/event_types.py; the SQL below is its only translation, shared by the live
recording (STATS_ADD_INSERTED), the expected stats (reconcile, the admin's recompute action) and the backfill's
batch recompute (EXPECTED_SELECT).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from apps.user_profile.event_types import (
    COIN_EVENT_TYPES,
    COUNTER_FIELDS,
    COUNTER_FOR_EVENT,
    STORED_FIELDS,
)
from apps.user_profile.models import UserActivity, UserProfileStats

T_STATS = UserProfileStats._meta.db_table
T_ACTIVITY = UserActivity._meta.db_table
T_USER = get_user_model()._meta.db_table


def _counter_aggregate(event_type: str, counter: str) -> str:
    """One counter from the events `a`: the sum of the amounts of a coin event, the count of any other."""
    value = "SUM((a.metadata ->> 'amount')::bigint)" if event_type in COIN_EVENT_TYPES else "COUNT(a.id)"
    return f"COALESCE({value} FILTER (WHERE a.event_type = '{event_type}'), 0)::bigint AS {counter}"


# Every stored stats field aggregated over events `a` (columns id, event_type, timestamp, metadata).
STATS_AGGREGATES = (
    ", ".join(_counter_aggregate(event_type, counter) for event_type, counter in COUNTER_FOR_EVENT.items())
    + ", MIN(a.timestamp) AS first_activity_at, MAX(a.timestamp) AS last_activity_at"
)

# What the stats of players `u(user_id)` should be: one aggregate per player, LATERAL. An aggregate subquery is
# never flattened into a join, so each player's events are read through the user-led indexes; as a plain join
# with GROUP BY, a log without statistics (freshly filled, not analyzed yet) was hashed whole for every batch.
# A player without events gets zeros and no activity times.
PLAYERS_BY_IDS = "unnest(%(user_ids)s::bigint[]) AS u(user_id)"
PLAYERS_BY_RANGE = "generate_series(%(low)s::bigint, %(high)s::bigint - 1) AS u(user_id)"
PLAYERS_ALL = f"(SELECT id FROM {T_USER}) AS u(user_id)"


def expected_select(players: str = PLAYERS_BY_IDS) -> str:
    return (
        f"SELECT u.user_id, e.* FROM {players} CROSS JOIN LATERAL "
        f"(SELECT {STATS_AGGREGATES} FROM {T_ACTIVITY} a WHERE a.user_id = u.user_id) e"
    )


EXPECTED_SELECT = expected_select()


def _add_delta(delta: str) -> str:
    """SET list adding the per-player sums `delta` to a stats row `s`."""
    return (
        ", ".join(f"{name} = s.{name} + {delta}.{name}" for name in COUNTER_FIELDS)
        + f", first_activity_at = LEAST(s.first_activity_at, {delta}.first_activity_at)"
        + f", last_activity_at = GREATEST(s.last_activity_at, {delta}.last_activity_at)"
    )


# CTEs for a statement whose CTE `inserted` returns the events it has just inserted (id, user_id, event_type,
# timestamp, metadata): their sums added to the players' stats rows, taken in user order (FOR UPDATE ... ORDER
# BY: two transactions touching the same players lock them in the same order and cannot deadlock). The
# increment is computed by the database on the current row (`col = col + n`), so concurrent writers never lose
# an update. `added` returns the players whose row was there; a player without one gets it from
# stats_add_events (a proposed insert would have to satisfy the check constraints on the increment alone).
# `%(live_stats)s` false (ACTIVITY_LIVE_STATS=0, an incident): the events are recorded and no stats row moves.
STATS_ADD_INSERTED = f"""delta AS (
    SELECT a.user_id, {STATS_AGGREGATES} FROM inserted a WHERE %(live_stats)s GROUP BY a.user_id
),
locked AS (
    SELECT s.user_id FROM {T_STATS} s WHERE s.user_id = ANY(ARRAY(SELECT user_id FROM delta))
    ORDER BY s.user_id FOR UPDATE
),
added AS (
    UPDATE {T_STATS} s SET {_add_delta("d")}
    FROM delta d JOIN locked l ON l.user_id = d.user_id
    WHERE s.user_id = d.user_id AND s.user_id = ANY(ARRAY(SELECT user_id FROM locked))
    RETURNING s.user_id
)"""
# (`= ANY(ARRAY(…))`: the stats rows are found through their primary key whatever the plan's row estimates, also
# in the generic plan of a prepared statement.)

_INSERT_ZERO_ROWS = (
    f"INSERT INTO {T_STATS} (user_id, {', '.join(STORED_FIELDS)}) "
    f"SELECT u.user_id, {', '.join('0' for _ in COUNTER_FIELDS)}, NULL, NULL "
    "FROM unnest(%(user_ids)s::bigint[]) AS u(user_id) ON CONFLICT (user_id) DO NOTHING"
)
_ADD_EVENTS = (
    f"UPDATE {T_STATS} s SET {_add_delta('d')} FROM (SELECT a.user_id, {STATS_AGGREGATES} FROM {T_ACTIVITY} a "
    "WHERE a.id = ANY(%(event_ids)s) GROUP BY a.user_id) d WHERE s.user_id = d.user_id"
)


def stats_add_events(*, user_ids: list[int], event_ids: list[int]) -> None:
    """Add the events `event_ids` to the stats of `user_ids`, creating missing stats rows (all zero) first."""
    params = {"user_ids": sorted(set(user_ids)), "event_ids": event_ids}
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ZERO_ROWS, params)
        cursor.execute(_ADD_EVENTS, params)


def stats_expected_from_events(
    *, user_ids: list[int] | None = None, id_range: tuple[int, int] | None = None
) -> dict[int, dict[str, Any]]:
    """What every stored stats field should be, aggregated from the events in one statement.

    For `user_ids`, the players with ids in `id_range` [low, high), or every player. Players with no events are
    absent from the result (their expected stats are all zero).
    """
    params: dict[str, Any]
    if user_ids is not None:
        sql, params = expected_select(PLAYERS_BY_IDS), {"user_ids": sorted(set(user_ids))}
        if id_range is not None:
            sql += " WHERE u.user_id >= %(low)s AND u.user_id < %(high)s"
            params.update(low=id_range[0], high=id_range[1])
    elif id_range is not None:
        sql, params = expected_select(PLAYERS_BY_RANGE), {"low": id_range[0], "high": id_range[1]}
    else:
        sql, params = expected_select(PLAYERS_ALL), {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    result: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        if values["first_activity_at"] is not None:  # a player with events
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
