"""The cursor of a live subscription: the player and the stream number of the last event delivered."""

from dataclasses import dataclass

from apps.user_profile.selectors.cursors import MAX_BIGINT, InvalidCursorError, decode_cursor, encode_cursor

KIND = "stream"


@dataclass(frozen=True, slots=True)
class StreamCursor:
    user_id: int
    seq: int

    def encode(self) -> str:
        return encode_cursor(KIND, [self.user_id, self.seq])

    @classmethod
    def decode(cls, cursor: str) -> "StreamCursor":
        values = decode_cursor(KIND, cursor)
        if len(values) != 2 or not all(type(v) is int and 0 <= v < MAX_BIGINT for v in values):
            raise InvalidCursorError(KIND)
        return cls(user_id=values[0], seq=values[1])
