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
from apps.user_profile.event_types import COIN_EVENT_TYPES, event_amount
from apps.user_profile.models import ActivityEventType, UserActivity, UserProfileStats
from apps.user_profile.models.activity import WRITER_SETTING, WRITER_TOKEN
from apps.user_profile.models.stats import COUNTER_FIELDS, STORED_FIELDS
from apps.user_profile.services.stats import stats_apply_event
from apps.user_profile.services.stream import stream_append

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

    @property
    def amount(self) -> int:
        return event_amount(self.event_type, self.metadata)


def _insert_sql() -> str:
    table = UserActivity._meta.db_table
    return (
        f"INSERT INTO {table} (user_id, event_type, timestamp, metadata, source_model, source_id, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (user_id, source_model, source_id, event_type) DO NOTHING RETURNING id"
    )


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


def _insert(event: EventSpec, *, recorded_at: datetime) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(),
            [
                event.user_id,
                event.event_type,
                connection.ops.adapt_datetimefield_value(event.timestamp),
                json.dumps(event.metadata, cls=DjangoJSONEncoder),
                event.source_model,
                event.source_id,
                connection.ops.adapt_datetimefield_value(recorded_at),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


@transaction.atomic
def record_events(*, events: Iterable[EventSpec]) -> list[int]:
    """Record events that are not yet in the log; return the ids of the rows inserted.

    Before inserting, the batch's players' stats rows are locked in user order (one statement), so two
    transactions touching the same players, with the same events in any order, queue and cannot deadlock.
    Each player's events keep the order given (registered before checked in, played before won), which
    the stats check constraints rely on. With ACTIVITY_LIVE_STATS off the events are recorded and the
    stats left as they are (the locks still order the writers).
    """
    batch = sorted(events, key=lambda e: e.user_id)  # stable: keeps each player's events in causal order
    for event in batch:
        event.validate()
    if not batch:
        return []
    lock_players(sorted({event.user_id for event in batch}))
    live_stats = live_stats_enabled()
    recorded_at = timezone.now()
    inserted: list[int] = []
    inserted_types: list[str] = []
    for event in batch:
        activity_id = _insert(event, recorded_at=recorded_at)
        if activity_id is None:
            continue  # already recorded: a duplicate changes no stat
        if live_stats:
            stats_apply_event(
                user_id=event.user_id, event_type=event.event_type, amount=event.amount, timestamp=event.timestamp
            )
        inserted.append(activity_id)
        inserted_types.append(event.event_type)
    if inserted_types:
        # Under the locks taken above, before the first insert.
        stream_append(activity_ids=inserted, user_ids=[event.user_id for event in batch])
        transaction.on_commit(lambda: metrics.count_recorded_events(event_types=inserted_types))
    return inserted


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
