"""The live stream: every event recorded live gets its player's next stream number, then is published.

Part of the one recording path, in the transaction of the insert: record_events (services/events.py) numbers
its events in its insert statement (STREAM_APPEND_INSERTED), record_sources (services/sources.py) right after
its insert (stream_append), while that transaction holds the stats row lock of every player concerned.
The lock is held until commit, so each player's numbers are gapless and in commit order: the cursor of a live
subscription carries them (docs/realtime.md). The events are published only once the transaction commits
(`transaction.on_commit`); a rolled-back event is never numbered for good nor seen.

The backfill numbers and publishes nothing: its events are history, read through `activities`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.db import connection, transaction

from apps.user_profile import publisher
from apps.user_profile.models import ActivityStreamEntry, UserActivity

T_STREAM = ActivityStreamEntry._meta.db_table
T_ACTIVITY = UserActivity._meta.db_table


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event as the stream carries it: its player's stream number and the event's own columns."""

    user_id: int
    seq: int
    id: int
    event_type: str
    timestamp: datetime
    metadata: dict[str, Any]

    def as_activity(self) -> UserActivity:
        """The event as an (unsaved, read-only) activity row, for code that reads those."""
        return UserActivity(
            id=self.id,
            user_id=self.user_id,
            event_type=self.event_type,
            timestamp=self.timestamp,
            metadata=self.metadata,
        )


def stream_event_of_row(row: Sequence[Any]) -> StreamEvent:
    """A (user_id, seq, id, event_type, timestamp, metadata) row; Django reads jsonb as text."""
    user_id, seq, activity_id, event_type, timestamp, metadata = row
    if isinstance(metadata, str | bytes):
        metadata = orjson.loads(metadata)
    return StreamEvent(
        user_id=user_id, seq=seq, id=activity_id, event_type=event_type, timestamp=timestamp, metadata=metadata
    )


# CTEs numbering the events of a CTE `inserted` (id, user_id, event_type, timestamp, metadata) that this
# transaction has just inserted, and reading them back as stream events. The number is MAX(seq) + n, read in a
# statement that starts after this transaction took the players' locks: every earlier writer of these players has
# committed, so its numbers are in this statement's snapshot. (A lock taken inside the same statement would come
# too late: the snapshot is the statement's start.)
STREAM_APPEND_INSERTED = f"""appended AS (
    INSERT INTO {T_STREAM} (activity_id, user_id, seq)
    SELECT i.id, i.user_id,
           COALESCE((SELECT MAX(s.seq) FROM {T_STREAM} s WHERE s.user_id = i.user_id), 0)
             + row_number() OVER (PARTITION BY i.user_id ORDER BY i.id)
    FROM inserted i
    RETURNING activity_id, user_id, seq
)"""
STREAM_EVENTS_SELECT = """SELECT p.user_id, p.seq, i.id, i.event_type, i.timestamp, i.metadata
FROM appended p JOIN inserted i ON i.id = p.activity_id ORDER BY p.user_id, p.seq"""

# For events inserted by an earlier statement of the transaction. The players' ids narrow the read of the log
# to their partitions (it is partitioned by player): by event id alone, every partition's index is searched.
APPEND_SQL = f"""WITH inserted AS (
    SELECT a.id, a.user_id, a.event_type, a.timestamp, a.metadata FROM {T_ACTIVITY} a
    WHERE a.id = ANY(%(ids)s::bigint[]) AND a.user_id = ANY(%(user_ids)s::bigint[])
),
{STREAM_APPEND_INSERTED}
{STREAM_EVENTS_SELECT}"""


def stream_events_publish(events: list[StreamEvent]) -> None:
    """Publish the numbered events once the transaction commits (never, if it rolls back)."""
    if events and publisher.publishing_enabled():
        transaction.on_commit(lambda: publisher.publish(events=events))


def stream_append(*, activity_ids: Sequence[int], user_ids: Sequence[int]) -> list[StreamEvent]:
    """Number the just-inserted events `activity_ids` in their players' streams and publish them on commit.

    The caller holds the stats row lock of every player concerned (that is what orders the numbers).
    """
    if not activity_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(APPEND_SQL, {"ids": list(activity_ids), "user_ids": sorted(set(user_ids))})
        rows = cursor.fetchall()
    events = [stream_event_of_row(row) for row in rows]
    stream_events_publish(events)
    return events
