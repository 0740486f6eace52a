"""What PostgreSQL can take: checks on client-supplied values before they reach SQL.

PostgreSQL refuses some values Python accepts: a UTC offset beyond ±15:59 (Python allows ±23:59), a NUL
character in text, a string that is not valid UTF-8 (a lone surrogate). Sent as query parameters they fail
the statement, which the client would see as a server error. The API and the pages check client input here
first and answer "bad input" (or "not found", for a name no row can have) instead.
"""

from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model

# PostgreSQL's limit for a timestamptz offset.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


class InvalidDateTimeError(ValueError):
    """A datetime the database cannot compare with (no offset, an offset too large, out of range in UTC)."""


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def database_datetime(value: datetime) -> datetime:
    """`value` as an aware UTC datetime the database accepts; InvalidDateTimeError saying why not otherwise.

    Naive datetimes are refused rather than guessed at (the server's time zone is not the client's), and
    so are offsets beyond ±15:59 and instants that fall outside the years 1-9999 once in UTC. The error's
    message completes "Invalid DateTime …: ".
    """
    offset = value.utcoffset()
    if offset is None:
        raise InvalidDateTimeError("it has no UTC offset; add one, such as Z or +02:00.")
    if abs(offset) > MAX_UTC_OFFSET:
        raise InvalidDateTimeError(f"its UTC offset {_offset_text(offset)} is outside -15:59 to +15:59.")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise InvalidDateTimeError("it falls outside the years 1 to 9999 in UTC.") from error


def is_database_text(value: str) -> bool:
    """Whether PostgreSQL can compare a text column with `value` (no NUL, valid UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        return False
    return True


def could_be_username(value: str) -> bool:
    """Whether a player could be called `value` (the pages and the API answer "not found" without a query)."""
    user_model = get_user_model()
    max_length = getattr(user_model._meta.get_field(user_model.USERNAME_FIELD), "max_length", None)
    return (max_length is None or len(value) <= max_length) and is_database_text(value)
