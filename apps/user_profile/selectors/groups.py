"""The grouped feed: a player's feed with runs of related events folded into one group each.

Over the events a viewer may see, newest first (the feed's order, `(timestamp, id)` descending), a run is a
maximal sequence of consecutive events with the same group key:

- a coin event, or an event without a tournament (achievements, teams): its type and its local day in the
  client's time zone ("earned 350 DC in 3 rewards today");
- any other event: its type and its tournament ("won 4 matches in Summer Cup").

`match_played` is not a member of any group: each one has an outcome event (won / lost / drawn) of the same
match at the same instant, which stands for it; listing both would count every match twice and break every
run of wins in two.

Paging. A group's position is its oldest member's (timestamp, id). A page is the first `first` runs of the
events older than the cursor (the previous page's last group's oldest member), each read to its end. Events
arriving at the head join the newest group or start a new one before it: no position after the cursor moves,
so the next page is exactly the runs that followed, and no group is shown twice or skipped. (A run always ends
at a change of key, so a page starting right after one starts a run of its own.) A group's key is its type,
anchor and oldest member, so it stays the same while the group grows at the head.

Work per page: one statement, a recursive walk down the feed index from the cursor, one index probe per event,
numbering runs as it goes; it stops at the first event of the run after the page's last (which tells that
there is a next page). It reads the page's members plus one row, whatever the length of the history.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db import connection

from apps.user_profile.event_types import COIN_EVENT_TYPES
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.models import ActivityEventType, UserActivity
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, InvalidPageArgumentsError, validate_page_size
from apps.user_profile.selectors.cursors import ActivityCursor
from apps.user_profile.selectors.rows import prepared_cursor

# Events each of which is stood for by another event of the same source at the same instant.
UNGROUPED_EVENT_TYPES: frozenset[str] = frozenset({E.MATCH_PLAYED.value})
MAX_GROUP_MEMBERS = 10  # members listed per group; `count` says how many there are
DEFAULT_GROUP_MEMBERS = 3
DEFAULT_TIME_ZONE = "UTC"
MAX_TIME_ZONE_LENGTH = 64


class InvalidTimeZoneError(InvalidPageArgumentsError):
    """Not an IANA time zone name."""


@cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_name(value: str) -> str:
    """`value` if it is an IANA time zone name (as `Asia/Kathmandu`); InvalidTimeZoneError otherwise."""
    if len(value) > MAX_TIME_ZONE_LENGTH or value not in _time_zone_names():
        shown = value[:MAX_TIME_ZONE_LENGTH]
        raise InvalidTimeZoneError(f"Unknown time zone {shown!r}: pass an IANA name such as 'Europe/Paris'.")
    return value


@dataclass(frozen=True, slots=True)
class GroupCursor(ActivityCursor):
    """A position in the grouped feed: the (timestamp, id) of a group's oldest member. Its own kind, so a cursor
    of the plain feed is refused here (and the other way round)."""

    KIND = "activity_group"


@dataclass(frozen=True, slots=True)
class ActivityGroup:
    owner_id: int
    event_type: str
    tournament_id: int | None  # the anchor of a tournament group
    day: date | None  # the anchor of a day group (in the page's time zone)
    count: int
    first_at: datetime  # the oldest member's timestamp
    last_at: datetime  # the newest member's timestamp
    oldest_id: int
    amount: int | None  # coin groups: the sum of the members' amounts
    member_ids: tuple[int, ...]  # the newest MAX_GROUP_MEMBERS members, newest first

    @property
    def key(self) -> str:
        anchor = f"tournament:{self.tournament_id}" if self.day is None else f"day:{self.day.isoformat()}"
        return f"{self.event_type}/{anchor}/{self.oldest_id}"

    @property
    def cursor(self) -> str:
        return GroupCursor(timestamp=self.first_at, id=self.oldest_id).encode()


@dataclass(frozen=True, slots=True)
class ActivityGroupPage:
    items: list[ActivityGroup]
    has_next_page: bool
    has_previous_page: bool


_TABLE = UserActivity._meta.db_table
_COIN_TYPES = ", ".join(f"'{t}'" for t in sorted(COIN_EVENT_TYPES))
# The anchor: the local day for coin events and events without a tournament, else the tournament.
_DAY = f"""CASE WHEN a.event_type IN ({_COIN_TYPES}) OR NOT a.metadata ? 'tournament_id'
               THEN (a.timestamp AT TIME ZONE %(tz)s)::date END"""
_TOURNAMENT = f"""CASE WHEN a.event_type IN ({_COIN_TYPES}) THEN NULL
                      ELSE (a.metadata ->> 'tournament_id')::bigint END"""
_COLUMNS = f"""a.id, a.timestamp, a.event_type, {_TOURNAMENT} AS tournament_id, {_DAY} AS day,
       CASE WHEN a.event_type IN ({_COIN_TYPES}) THEN (a.metadata ->> 'amount')::bigint END AS amount"""
_VISIBLE = "a.user_id = %(owner)s AND a.event_type <> ALL(%(hidden)s)"

# A walk down the feed index, one probe per event, numbering the runs as it goes; it stops after the first
# event of run `runs` + 1 (which only tells that more exists). Bounded by the page, whatever the history.
GROUPS_SQL = f"""
WITH RECURSIVE walk AS (
    (SELECT {_COLUMNS}, 1 AS run
     FROM {_TABLE} a
     WHERE {_VISIBLE}
       AND (%(after_at)s::timestamptz IS NULL OR (a.timestamp, a.id) < (%(after_at)s, %(after_id)s))
     ORDER BY a.timestamp DESC, a.id DESC LIMIT 1)
    UNION ALL
    SELECT n.*, w.run + CASE WHEN (n.event_type, n.tournament_id, n.day)
                                  IS DISTINCT FROM (w.event_type, w.tournament_id, w.day) THEN 1 ELSE 0 END
    FROM walk w
    CROSS JOIN LATERAL (
        SELECT {_COLUMNS}
        FROM {_TABLE} a
        WHERE {_VISIBLE} AND (a.timestamp, a.id) < (w.timestamp, w.id)
        ORDER BY a.timestamp DESC, a.id DESC LIMIT 1
    ) n
    WHERE w.run <= %(runs)s
)
SELECT g.run, min(g.event_type), min(g.tournament_id), min(g.day), count(*), min(g.timestamp), max(g.timestamp),
       (array_agg(g.id ORDER BY g.timestamp, g.id))[1],
       sum(g.amount),
       (array_agg(g.id ORDER BY g.timestamp DESC, g.id DESC))[1:{MAX_GROUP_MEMBERS}]
FROM walk g
GROUP BY g.run
ORDER BY g.run
"""


def activity_group_page(
    *,
    owner_id: int,
    hidden_event_types: frozenset[str],
    first: int | None = None,
    after: ActivityCursor | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> ActivityGroupPage:
    """One page of the grouped feed of `owner_id`, without the event types the privacy policy hides from the
    viewer (`hidden_event_types`, from apps.privacy.policy.hidden_event_types), in two statements."""
    validate_page_size(name="first", value=first)
    tz = time_zone_name(time_zone)
    size = DEFAULT_PAGE_SIZE if first is None else first
    left_out = sorted(hidden_event_types | UNGROUPED_EVENT_TYPES)
    if len(left_out) >= len(ActivityEventType):  # a private feed: nothing to read
        return ActivityGroupPage(items=[], has_next_page=False, has_previous_page=after is not None)
    params: dict[str, Any] = {
        "owner": owner_id,
        "hidden": left_out,
        "after_at": after.timestamp if after else None,
        "after_id": after.id if after else None,
        "tz": tz,
        "runs": size,
    }
    with prepared_cursor(connection) as cursor:
        cursor.execute(GROUPS_SQL, params)
        rows = cursor.fetchall()
    groups = [
        ActivityGroup(
            owner_id=owner_id,
            event_type=event_type,
            tournament_id=tournament_id,
            day=day,
            count=count,
            first_at=first_at,
            last_at=last_at,
            oldest_id=oldest_id,
            amount=int(amount) if amount is not None else None,
            member_ids=tuple(member_ids),
        )
        for run, event_type, tournament_id, day, count, first_at, last_at, oldest_id, amount, member_ids in rows
        if run <= size
    ]
    # The walk read the first event of one more run when there is one.
    has_next = len(rows) > len(groups)
    return ActivityGroupPage(items=groups, has_next_page=has_next, has_previous_page=after is not None)
