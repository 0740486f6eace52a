"""Recording events: the only way rows enter the activity log.

An event and its stats change commit in one transaction. Idempotency rests on the database: the insert
is `ON CONFLICT DO NOTHING` on the key (user, source_model, source_id, event_type), and stats move only
for rows really inserted, so processing one source twice, or in two processes at the same instant, adds
one event and one increment.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from apps.user_profile import metrics
from apps.user_profile.event_types import COIN_EVENT_TYPES
from apps.user_profile.models import ActivityEventType, UserActivity, UserProfileStats
from apps.user_profile.models.activity import WRITER_SETTING, WRITER_TOKEN
from apps.user_profile.models.stats import COUNTER_FIELDS, STORED_FIELDS
from apps.user_profile.services.prepared import execute_prepared
from apps.user_profile.services.stats import STATS_ADD_INSERTED
from apps.user_profile.services.stream import (
    STREAM_APPEND_INSERTED,
    STREAM_EVENTS_SELECT,
    stream_event_of_row,
    stream_events_publish,
)

EVENT_TYPES = frozenset(ActivityEventType.values)


class InvalidEventError(ValueError):
    """An event that must not enter the log as given."""


@dataclass(frozen=True, slots=True)
class EventSpec:
    user_id: int
    event_type: str
    timestamp: datetime
    source_model: str
    source_id: int
    metadata: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.event_type not in EVENT_TYPES:
            raise InvalidEventError(f"Unknown event type {self.event_type!r}.")
        if not isinstance(self.timestamp, datetime) or timezone.is_naive(self.timestamp):
            raise InvalidEventError(f"Event timestamps must be timezone-aware datetimes, got {self.timestamp!r}.")
        if not self.source_model or "." not in self.source_model:
            raise InvalidEventError(f"source_model must be 'app_label.model', got {self.source_model!r}.")
        if self.event_type in COIN_EVENT_TYPES:
            amount = self.metadata.get("amount")
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise InvalidEventError(
                    f"{self.event_type} needs a positive integer metadata['amount'], got {amount!r}."
                )


# The batch (in user order, each player's events in the order given) inserted in that order, the inserted
# events' sums added to their players' stats (the same aggregates as the backfill and reconcile: STATS_ADD_INSERTED)
# and numbered in their players' streams, in one prepared statement. Runs after lock_players: the stream numbers
# need the locks taken by an earlier statement (stream.py).
RECORD_SQL = f"""WITH given AS (
    SELECT * FROM unnest(
        %(user_ids)s::bigint[], %(event_types)s::text[], %(timestamps)s::timestamptz[], %(metadata)s::jsonb[],
        %(source_models)s::text[], %(source_ids)s::bigint[]
    ) WITH ORDINALITY AS g(user_id, event_type, timestamp, metadata, source_model, source_id, position)
),
inserted AS (
    INSERT INTO {UserActivity._meta.db_table}
        (user_id, event_type, timestamp, metadata, source_model, source_id, recorded_at)
    SELECT user_id, event_type, timestamp, metadata, source_model, source_id, %(recorded_at)s
    FROM given ORDER BY position
    ON CONFLICT (user_id, source_model, source_id, event_type) DO NOTHING
    RETURNING id, user_id, event_type, timestamp, metadata
),
{STATS_ADD_INSERTED},
{STREAM_APPEND_INSERTED}
{STREAM_EVENTS_SELECT}"""


def live_stats_enabled() -> bool:
    """ACTIVITY_LIVE_STATS: off in an incident, events are still recorded and reconcile --fix catches up."""
    return bool(getattr(settings, "ACTIVITY_LIVE_STATS", True))


def _stats_table() -> str:
    return UserProfileStats._meta.db_table


def _lock_sql() -> str:
    # set_config rides along with the lock: the log's insert trigger admits only writers that set it, and the
    # service pays no extra round trip for it (transaction-local, so it ends with this transaction).
    return (
        f"SELECT set_config('{WRITER_SETTING}', '{WRITER_TOKEN}', true), ARRAY(SELECT user_id FROM {_stats_table()} "
        "WHERE user_id = ANY(%s) ORDER BY user_id FOR UPDATE)"
    )


def _insert_missing_stats_sql() -> str:
    # Every column: the model's defaults are not database defaults.
    return (
        f"INSERT INTO {_stats_table()} (user_id, {', '.join(STORED_FIELDS)}) "
        f"SELECT u.user_id, {', '.join('0' for _ in COUNTER_FIELDS)}, NULL, NULL "
        "FROM unnest(%s::bigint[]) AS u(user_id) ORDER BY u.user_id ON CONFLICT (user_id) DO NOTHING"
    )


def lock_players(user_ids: list[int]) -> None:
    """Lock the players' stats rows, in user order, before any event is inserted.

    Every writer of a player's events holds that player's stats row from its first insert on, so two batches
    with shared keys in different orders queue on the row instead of each waiting on the other's uncommitted
    key (which deadlocked). Missing rows are created first: a missing stats row is never an error.
    """
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(), [user_ids])
        locked = set(cursor.fetchone()[1])
        missing = [user_id for user_id in user_ids if user_id not in locked]
        if missing:
            cursor.execute(_insert_missing_stats_sql(), [missing])
            cursor.execute(_lock_sql(), [missing])


@transaction.atomic
def record_events(*, events: Iterable[EventSpec]) -> list[int]:
    """Record events that are not yet in the log; return the ids of the rows inserted.

    Before inserting, the batch's players' stats rows are locked in user order (one statement), so two
    transactions touching the same players, with the same events in any order, queue and cannot deadlock.
    Each player's events are inserted in the order given (registered before checked in, played before won),
    so their ids follow it. Their stats move once per player by the batch's sums. With ACTIVITY_LIVE_STATS off
    the events are recorded and the stats left as they are (the locks still order the writers).
    """
    batch = sorted(events, key=lambda e: e.user_id)  # stable: keeps each player's events in causal order
    for event in batch:
        event.validate()
    if not batch:
        return []
    lock_players(sorted({event.user_id for event in batch}))
    rows = execute_prepared(
        RECORD_SQL,
        {
            "user_ids": [event.user_id for event in batch],
            "event_types": [event.event_type for event in batch],
            "timestamps": [event.timestamp for event in batch],
            "metadata": [json.dumps(event.metadata, cls=DjangoJSONEncoder) for event in batch],
            "source_models": [event.source_model for event in batch],
            "source_ids": [event.source_id for event in batch],
            "recorded_at": timezone.now(),
            "live_stats": live_stats_enabled(),
        },
        admit_writer=False,  # lock_players admitted this transaction
    )
    if not rows:
        return []  # all already recorded: a duplicate changes no stat
    numbered = [stream_event_of_row(row) for row in rows]
    stream_events_publish(numbered)
    inserted_types = [event.event_type for event in numbered]
    transaction.on_commit(lambda: metrics.count_recorded_events(event_types=inserted_types))
    return sorted(event.id for event in numbered)


def record_event(
    *,
    user_id: int,
    event_type: str,
    timestamp: datetime,
    source_model: str,
    source_id: int,
    metadata: dict[str, Any] | None = None,
) -> int | None:
    """Record one event; return its id, or None when it was already recorded."""
    inserted = record_events(
        events=[
            EventSpec(
                user_id=user_id,
                event_type=event_type,
                timestamp=timestamp,
                source_model=source_model,
                source_id=source_id,
                metadata=metadata or {},
            )
        ]
    )
    return inserted[0] if inserted else None
