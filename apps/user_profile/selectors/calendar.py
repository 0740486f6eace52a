"""A player's activity calendar: per local day, in the time zone the client names, the counts by kind.

Computed on read, one statement for any number of players: PostgreSQL's `timestamp AT TIME ZONE <IANA name>`
turns each event's instant into its local calendar day (offsets such as +05:45 and -03:30 and daylight-saving
changes included), and the events of the range are grouped by it. docs/analytics-calendar.md gives the
measurements behind computing on read rather than storing rollups.
"""

import functools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection

from apps.user_profile.event_types import CALENDAR_KINDS
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.rows import prepared_cursor

# Up to a year: 366 days covers any year, leap or not, end to end.
MAX_CALENDAR_DAYS = 366
DEFAULT_CALENDAR_DAYS = 365
MAX_TIME_ZONE_LENGTH = 64  # the longest IANA name is 32 characters


class InvalidCalendarArgumentError(ValueError):
    """A time zone or a range the calendar cannot take; the message says why."""


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # The IANA names zoneinfo knows (all of them known to PostgreSQL too), plus UTC under its plain name.
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def validate_time_zone(name: str) -> str:
    """`name` when it is an IANA time zone name (such as Asia/Kathmandu); InvalidCalendarArgumentError otherwise.

    Only names from the list are accepted, so nothing else (a path, a POSIX rule, an offset) reaches SQL.
    """
    if len(name) > MAX_TIME_ZONE_LENGTH or name not in _known_time_zones():
        shown = name[:MAX_TIME_ZONE_LENGTH] + ("…" if len(name) > MAX_TIME_ZONE_LENGTH else "")
        raise InvalidCalendarArgumentError(
            f"Unknown time zone {shown!r}: expected an IANA name such as UTC, Europe/Berlin or Asia/Kathmandu."
        )
    return name


def local_today(time_zone: str, *, now: datetime | None = None) -> date:
    """Today's date in `time_zone` (a validated name)."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def calendar_range(
    *, start: date | None, end: date | None, time_zone: str, now: datetime | None = None
) -> tuple[date, date]:
    """The range asked for, both ends included: by default the 365 days ending today in `time_zone`; `start`
    alone runs a year from it. InvalidCalendarArgumentError when it is backwards or longer than 366 days."""
    try:
        if end is None:
            end = (
                local_today(time_zone, now=now) if start is None else start + timedelta(days=DEFAULT_CALENDAR_DAYS - 1)
            )
        if start is None:
            start = end - timedelta(days=DEFAULT_CALENDAR_DAYS - 1)
        # The query reads a day either side of the range (see calendar_of): both must exist.
        _ = start - timedelta(days=1), end + timedelta(days=2)
    except OverflowError as error:
        raise InvalidCalendarArgumentError("The range must lie between the years 1 and 9999.") from error
    if start > end:
        raise InvalidCalendarArgumentError(f"`from` ({start.isoformat()}) is after `to` ({end.isoformat()}).")
    days = (end - start).days + 1
    if days > MAX_CALENDAR_DAYS:
        raise InvalidCalendarArgumentError(
            f"The range covers {days} days; at most {MAX_CALENDAR_DAYS} (a year) may be asked for at once."
        )
    return start, end


@dataclass(frozen=True, slots=True)
class CalendarDay:
    date: date
    total: int  # every event the viewer may see that day
    tournaments: int
    matches: int
    wins: int
    achievements: int
    coins_earned: int  # sums of amounts; the API shows them only when the viewer may see coin events
    coins_spent: int


@dataclass(frozen=True, slots=True)
class CalendarTotals(CalendarDay):
    active_days: int  # days with at least one event the viewer may see


@dataclass(frozen=True, slots=True)
class Calendar:
    start: date
    end: date
    time_zone: str
    days: list[CalendarDay] = field(default_factory=list)  # days with at least one event, oldest first

    @property
    def totals(self) -> CalendarTotals:
        """The sums over the range (its `date` is the range's first day), and how many days are active."""
        return CalendarTotals(
            date=self.start,
            active_days=self.active_days,
            **{name: sum(getattr(day, name) for day in self.days) for name in _COUNTS},
        )

    @property
    def active_days(self) -> int:
        return len(self.days)


_COUNTS = ("total", "tournaments", "matches", "wins", "achievements", "coins_earned", "coins_spent")


def _calendar_sql() -> str:
    table = UserActivity._meta.db_table
    kinds = ", ".join(f"count(*) FILTER (WHERE a.event_type = '{CALENDAR_KINDS[kind]}')" for kind in _COUNTS[1:5])
    coins = ", ".join(
        f"COALESCE(sum((a.metadata ->> 'amount')::bigint) FILTER (WHERE a.event_type = '{event_type.value}'), 0)"
        for event_type in (E.COINS_EARNED, E.COINS_SPENT)
    )
    # The instant range is a day wider than the local range on each side (no zone is a day off UTC), so the
    # feed index narrows the read; the local date itself decides which day, and whether in range at all.
    return f"""
    SELECT a.user_id, a.day, count(*), {kinds}, {coins}
    FROM (
        SELECT a.user_id, (a.timestamp AT TIME ZONE %(tz)s)::date AS day, a.event_type, a.metadata
        FROM {table} a
        WHERE a.user_id = ANY(%(owners)s) AND a.timestamp >= %(lower)s AND a.timestamp < %(upper)s
          AND a.event_type <> ALL(%(hidden)s)
    ) a
    WHERE a.day BETWEEN %(start)s AND %(end)s
    GROUP BY a.user_id, a.day
    ORDER BY a.user_id, a.day
    """


def calendar_of(
    *,
    owner_ids: Iterable[int],
    start: date,
    end: date,
    time_zone: str,
    hidden_event_types: Iterable[str] = (),
) -> dict[int, Calendar]:
    """Each player's calendar over local days `start`..`end` (validated: calendar_range, validate_time_zone),
    without the event types the viewer may not see, in one statement for them all."""
    owners = list(dict.fromkeys(owner_ids))
    params: dict[str, Any] = {
        "owners": owners,
        "tz": time_zone,
        "lower": datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC),
        "upper": datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC),
        "start": start,
        "end": end,
        "hidden": sorted(hidden_event_types),
    }
    calendars = {owner_id: Calendar(start=start, end=end, time_zone=time_zone) for owner_id in owners}
    with prepared_cursor(connection) as cursor:
        cursor.execute(_calendar_sql(), params)
        for user_id, day, *counts in cursor.fetchall():
            calendars[user_id].days.append(CalendarDay(day, *counts))
    return calendars
