"""Opaque keyset cursors: a position in an ordered list, base64 so clients never build or parse them."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from apps.user_profile.selectors.inputs import InvalidDateTimeError, database_datetime

# Every cursor this API hands out is well under this; anything longer is refused before it is decoded.
MAX_CURSOR_LENGTH = 256


class InvalidCursorError(ValueError):
    """A cursor that this API did not hand out (or that belongs to another list)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"Invalid {kind} cursor: pass a cursor exactly as returned in pageInfo or an edge.")


def encode_cursor(kind: str, values: list[Any]) -> str:
    # orjson writes what json.dumps(..., separators=(",", ":")) writes for these values, several times faster:
    # the feed encodes one cursor per event.
    raw = orjson.dumps([kind, *values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> list[Any]:
    """The values packed into a cursor of `kind`; InvalidCursorError for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError(kind)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True))
    except (ValueError, UnicodeError, binascii.Error, RecursionError) as error:
        raise InvalidCursorError(kind) from error
    if not isinstance(data, list) or not data or data[0] != kind:
        raise InvalidCursorError(kind)
    return data[1:]


MAX_BIGINT = 2**63


@dataclass(frozen=True, slots=True)
class ActivityCursor:
    """Position in a newest-first feed: the (timestamp, id) of an event."""

    timestamp: datetime
    id: int

    KIND = "activity"

    def encode(self) -> str:
        return encode_cursor(self.KIND, [self.timestamp.isoformat(), self.id])

    @classmethod
    def decode(cls, cursor: str) -> "ActivityCursor":
        values = decode_cursor(cls.KIND, cursor)
        try:
            timestamp_text, event_id = values
            # Aware, in UTC and within what PostgreSQL compares: a hand-made cursor must not fail the query.
            timestamp = database_datetime(datetime.fromisoformat(timestamp_text))
        except (TypeError, ValueError, InvalidDateTimeError) as error:
            raise InvalidCursorError(cls.KIND) from error
        if not isinstance(event_id, int) or isinstance(event_id, bool) or not 0 <= event_id < MAX_BIGINT:
            raise InvalidCursorError(cls.KIND)
        return cls(timestamp=timestamp, id=event_id)
