"""Reading the live stream: a player's events after a stream number, in stream (commit) order."""

from dataclasses import dataclass

from django.db import connection

from apps.user_profile.selectors.cursors import MAX_BIGINT, InvalidCursorError, decode_cursor, encode_cursor
from apps.user_profile.services.stream import T_ACTIVITY, T_STREAM, StreamEvent, stream_event_of_row

# A reconnecting client catches up in pages of this many events.
CATCH_UP_PAGE = 100

_AFTER_SQL = f"""SELECT s.user_id, s.seq, a.id, a.event_type, a.timestamp, a.metadata
FROM {T_STREAM} s JOIN {T_ACTIVITY} a ON a.id = s.activity_id
WHERE s.user_id = %(user_id)s AND s.seq > %(after)s
ORDER BY s.seq LIMIT %(limit)s"""

_HEAD_SQL = f"SELECT COALESCE(MAX(seq), 0) FROM {T_STREAM} WHERE user_id = %(user_id)s"


def stream_events_after(*, user_id: int, after: int, limit: int = CATCH_UP_PAGE) -> list[StreamEvent]:
    """The player's stream events numbered above `after`, oldest first, at most `limit`."""
    with connection.cursor() as cursor:
        cursor.execute(_AFTER_SQL, {"user_id": user_id, "after": after, "limit": limit})
        rows = cursor.fetchall()
    return [stream_event_of_row(row) for row in rows]


def stream_head(*, user_id: int) -> int:
    """The player's last stream number (0 before their first live event)."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL, {"user_id": user_id})
        return int(cursor.fetchone()[0])


# The cursor of a live subscription: the player and the stream number of the last event delivered.
STREAM_CURSOR_KIND = "stream"


@dataclass(frozen=True, slots=True)
class StreamCursor:
    user_id: int
    seq: int

    def encode(self) -> str:
        return encode_cursor(STREAM_CURSOR_KIND, [self.user_id, self.seq])

    @classmethod
    def decode(cls, cursor: str) -> "StreamCursor":
        values = decode_cursor(STREAM_CURSOR_KIND, cursor)
        if len(values) != 2 or not all(type(v) is int and 0 <= v < MAX_BIGINT for v in values):
            raise InvalidCursorError(STREAM_CURSOR_KIND)
        return cls(user_id=values[0], seq=values[1])
