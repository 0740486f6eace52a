"""Streaks and recent form of players, read from the activity log (one statement each for any number of players).

- Match-win streak: consecutive wins in the order matches completed (the events' `(timestamp, id)`: events of
  one instant are recorded in causal order). A loss or a draw ends it; `current` counts the wins since the
  player's latest loss or draw.
- Daily activity streak: consecutive local days (in the client's time zone) with at least one event the viewer
  may see. `current` is the run that ends today or yesterday in that zone (a player who has not played yet
  today keeps their streak until the day is over), else 0.
- Form: the latest match outcomes, newest first.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection

from apps.user_profile.event_types import MATCH_OUTCOMES
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.activity import InvalidPageArgumentsError
from apps.user_profile.selectors.calendar import local_today
from apps.user_profile.selectors.rows import prepared_cursor

MAX_FORM = 20
DEFAULT_FORM = 5


@dataclass(frozen=True, slots=True)
class Streaks:
    time_zone: str
    current_win_streak: int
    longest_win_streak: int
    current_daily_streak: int
    longest_daily_streak: int
    last_active_day: date | None  # the latest local day with a visible event


@dataclass(frozen=True, slots=True)
class FormEntry:
    result: str  # WIN, LOSS or DRAW (event_types.MATCH_OUTCOMES)
    match_id: int  # an outcome's source row is its match (services/sources.py)
    completed_at: datetime
    activity_id: int


def validate_form_size(last: int) -> int:
    if not 0 <= last <= MAX_FORM:
        raise InvalidPageArgumentsError(f"`last` must be between 0 and {MAX_FORM}, got {last}.")
    return last


def _streaks_sql() -> str:
    table = UserActivity._meta.db_table
    won = E.MATCH_WON.value
    # Wins: each loss or draw starts a new run (a running count of them numbers the runs); a run's length is
    # its wins. Days: consecutive dates minus their row number are constant along a run (gaps and islands).
    return f"""
    WITH outcomes AS (
        SELECT a.user_id, a.event_type = '{won}' AS won,
               count(*) FILTER (WHERE a.event_type <> '{won}')
                   OVER (PARTITION BY a.user_id ORDER BY a.timestamp, a.id) AS run
        FROM {table} a
        WHERE a.user_id = ANY(%(owners)s) AND a.event_type = ANY(%(outcomes)s) AND a.event_type <> ALL(%(hidden)s)
    ), win_runs AS (
        SELECT user_id, run, count(*) FILTER (WHERE won) AS wins FROM outcomes GROUP BY user_id, run
    ), wins AS (
        SELECT user_id, max(wins) AS longest, (array_agg(wins ORDER BY run DESC))[1] AS current
        FROM win_runs GROUP BY user_id
    ), days AS (
        SELECT DISTINCT a.user_id, (a.timestamp AT TIME ZONE %(tz)s)::date AS day
        FROM {table} a
        WHERE a.user_id = ANY(%(owners)s) AND a.event_type <> ALL(%(hidden)s)
    ), day_runs AS (
        SELECT user_id, count(*) AS length, max(day) AS last_day
        FROM (SELECT user_id, day, day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::int AS grp
              FROM days) numbered
        GROUP BY user_id, grp
    ), daily AS (
        SELECT user_id, max(length) AS longest, (array_agg(length ORDER BY last_day DESC))[1] AS latest,
               max(last_day) AS last_day
        FROM day_runs GROUP BY user_id
    )
    SELECT owner.id, COALESCE(wins.current, 0), COALESCE(wins.longest, 0), COALESCE(daily.latest, 0),
           COALESCE(daily.longest, 0), daily.last_day
    FROM unnest(%(owners)s::bigint[]) AS owner(id)
    LEFT JOIN wins ON wins.user_id = owner.id
    LEFT JOIN daily ON daily.user_id = owner.id
    """


def streaks_of(
    *,
    owner_ids: Iterable[int],
    time_zone: str,
    hidden_event_types: Iterable[str] = (),
    now: datetime | None = None,
) -> dict[int, Streaks]:
    """Each player's streaks (days in `time_zone`, a validated IANA name), over the events the viewer may see."""
    owners = list(dict.fromkeys(owner_ids))
    params: dict[str, Any] = {
        "owners": owners,
        "outcomes": list(MATCH_OUTCOMES),
        "hidden": sorted(hidden_event_types),
        "tz": time_zone,
    }
    today = local_today(time_zone, now=now)  # the same "today" as the calendar's default range
    found: dict[int, Streaks] = {}
    with prepared_cursor(connection) as cursor:
        cursor.execute(_streaks_sql(), params)
        for owner_id, current_wins, longest_wins, latest_days, longest_days, last_day in cursor.fetchall():
            ongoing = last_day is not None and last_day >= today - timedelta(days=1)
            found[owner_id] = Streaks(
                time_zone=time_zone,
                current_win_streak=current_wins,
                longest_win_streak=longest_wins,
                current_daily_streak=latest_days if ongoing else 0,
                longest_daily_streak=longest_days,
                last_active_day=last_day,
            )
    return found


@cache
def _form_sql() -> str:
    table = UserActivity._meta.db_table
    # The latest `last` of each outcome type, each a walk of the (user, type, time) index from its newest end,
    # then the latest `last` of those: at most 3 x `last` rows read, however many matches the player has.
    # Planning it (three walks, each over every partition of the log until run time prunes them) costs several
    # times running it: form_of runs it prepared.
    latest_of_type = (
        "(SELECT a.id, a.event_type, a.source_id, a.timestamp FROM {table} a "
        "WHERE a.user_id = owner.id AND a.event_type = '{event_type}' "
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %(last)s)"
    )
    union = " UNION ALL ".join(
        latest_of_type.format(table=table, event_type=event_type) for event_type in MATCH_OUTCOMES
    )
    return f"""
    SELECT owner.id, f.event_type, f.source_id, f.timestamp, f.id
    FROM unnest(%(owners)s::bigint[]) AS owner(id)
    CROSS JOIN LATERAL (
        SELECT o.* FROM ({union}) o ORDER BY o.timestamp DESC, o.id DESC LIMIT %(last)s
    ) f
    ORDER BY owner.id, f.timestamp DESC, f.id DESC
    """


def form_of(*, owner_ids: Iterable[int], last: int) -> dict[int, list[FormEntry]]:
    """Each player's latest `last` (0 to MAX_FORM) match outcomes, newest first, in one statement for them all."""
    owners = list(dict.fromkeys(owner_ids))
    validate_form_size(last)
    found: dict[int, list[FormEntry]] = {owner_id: [] for owner_id in owners}
    if last == 0 or not owners:
        return found
    params: dict[str, Any] = {"owners": owners, "last": last}
    with prepared_cursor(connection) as cursor:
        cursor.execute(_form_sql(), params)
        for owner_id, event_type, match_id, completed_at, activity_id in cursor.fetchall():
            found[owner_id].append(
                FormEntry(
                    result=MATCH_OUTCOMES[event_type],
                    match_id=match_id,
                    completed_at=completed_at,
                    activity_id=activity_id,
                )
            )
    return found
