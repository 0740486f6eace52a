"""Scalars that check client input for the database while coercing it, so bad values never reach a resolver."""

from datetime import datetime

import strawberry

from apps.user_profile.selectors import InvalidDateTimeError, database_datetime
from schema.errors import InvalidValueError

# The longest ISO 8601 datetime is 32 characters (with microseconds and an offset); leave room, refuse essays.
MAX_DATETIME_LENGTH = 64


def _shown(value: str) -> str:
    return repr(value if len(value) <= MAX_DATETIME_LENGTH else value[:MAX_DATETIME_LENGTH] + "…")


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 datetime with a UTC offset, as an aware UTC datetime; InvalidValueError otherwise."""
    if not isinstance(value, str):
        raise InvalidValueError(
            f"Invalid DateTime: expected an ISO 8601 string, such as 2024-05-01T12:00:00Z, got a {type(value).__name__}."
        )
    try:
        if len(value) > MAX_DATETIME_LENGTH:
            raise ValueError("too long")
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidValueError(
            f"Invalid DateTime {_shown(value)}: expected ISO 8601 with a UTC offset, between the years 1 and "
            "9999, such as 2024-05-01T12:00:00Z."
        ) from error
    try:
        return database_datetime(parsed)
    except InvalidDateTimeError as error:
        raise InvalidValueError(f"Invalid DateTime {_shown(value)}: {error}") from error


DateTime = strawberry.scalar(
    name="DateTime",
    description="Date with time, ISO 8601 with a UTC offset within ±15:59 (such as 2024-05-01T12:00:00Z).",
    serialize=datetime.isoformat,
    parse_value=parse_datetime,
)

SCALAR_OVERRIDES = {datetime: DateTime}
