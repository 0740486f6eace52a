"""Scalars that check client input for the database while coercing it, so bad values never reach a resolver."""

import re
from datetime import date, datetime
from typing import NewType

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


# PostgreSQL's bigint: every coin amount, total and prize in the database fits.
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def serialize_bigint(value: int) -> str:
    return str(int(value))


def parse_bigint(value: object) -> int:
    """A bigint from a decimal string (or a JSON integer); InvalidValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValueError(f"Invalid BigInt: expected a string of decimal digits, got a {type(value).__name__}.")
    text = str(value)
    # Plain ASCII digits only: int() would also take "1_000", " 7" and non-ASCII digits.
    digits = text[1:] if text[:1] == "-" else text
    if not (0 < len(digits) <= 19 and digits.isascii() and digits.isdigit()):
        raise InvalidValueError(f'Invalid BigInt {_shown(text)}: expected an integer such as "3000000000".')
    number = int(text)
    if not BIGINT_MIN <= number <= BIGINT_MAX:
        raise InvalidValueError(f"Invalid BigInt {_shown(text)}: outside the 64-bit range.")
    return number


BigInt = NewType("BigInt", int)
BigIntScalar = strawberry.scalar(
    name="BigInt",
    description="A 64-bit integer (PostgreSQL bigint: DC coin amounts, totals and prizes), serialized as a JSON "
    'string of decimal digits, such as "3000000000". GraphQL `Int` is 32-bit, and JSON numbers above 2^53 lose '
    "precision in JavaScript, so a string is the only encoding every client reads exactly; it is always a "
    "string (never a number for small values), so clients parse one type. Accepted as input as a string or an "
    "integer literal.",
    serialize=serialize_bigint,
    parse_value=parse_bigint,
)

# A calendar date (the activity calendar's days and range). Strawberry's own Date accepts what
# date.fromisoformat does, week dates ("2026-W01-1") and compact forms included, and says little when it refuses.
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object) -> date:
    """A date written YYYY-MM-DD; InvalidValueError otherwise."""
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        shown = _shown(value) if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidValueError(f"Invalid Date {shown}: expected YYYY-MM-DD, such as 2026-03-29.")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidValueError(f"Invalid Date {_shown(value)}: no such day.") from error


DateScalar = strawberry.scalar(
    name="Date",
    description="A calendar date, YYYY-MM-DD (such as 2026-03-29).",
    serialize=date.isoformat,
    parse_value=parse_date,
)

SCALAR_OVERRIDES = {datetime: DateTime, date: DateScalar, BigInt: BigIntScalar}
